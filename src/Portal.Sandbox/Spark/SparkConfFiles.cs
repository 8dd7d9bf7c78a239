namespace Portal.Sandbox.Spark;

/// <summary>
/// The Spark configuration a daemon starts with, as far as the pod spec tells: <c>spark-defaults.conf</c> from
/// <c>$SPARK_CONF_DIR</c> (else <c>$SPARK_HOME/conf</c>, <c>/opt/spark/conf</c> in the images) when a ConfigMap is
/// mounted there, under what the command line sets. Spark reads the file with java.util.Properties, keeps only
/// <c>spark.*</c> keys, trims values, and never overrides what is already set (Utils.loadDefaultSparkProperties:
/// <c>conf.setIfMissing</c>), so <c>--conf</c> and <c>-Dspark.*</c> JVM options win over the file.
/// </summary>
internal static class SparkConfFiles
{
    const string DefaultsFile = "spark-defaults.conf";

    /// <summary>
    /// The daemon's effective conf: <paramref name="commandLine"/> over the defaults file. A standalone daemon's
    /// command line conf is the <c>-Dspark.*</c> of <c>SPARK_DAEMON_JAVA_OPTS</c> and its role's <c>SPARK_*_OPTS</c>
    /// (the launcher puts both on the JVM's command line, and SparkConf loads spark.* system properties).
    /// </summary>
    public static Dictionary<string, string> Effective(JsonObject pod, JsonObject container, IReadOnlyDictionary<string, string> env,
        IReadOnlyDictionary<string, string> commandLine, Func<string, JsonObject?> configMap)
    {
        var conf = new Dictionary<string, string>(commandLine, StringComparer.Ordinal);
        foreach (var (key, value) in Defaults(pod, container, env, configMap))
            if (key.StartsWith("spark.", StringComparison.Ordinal)) conf.TryAdd(key, value.Trim());
        return conf;
    }

    /// <summary><c>-Dspark.key=value</c> entries of JVM option strings (split on whitespace, as the launcher does for unquoted options).</summary>
    public static Dictionary<string, string> SystemProperties(params string?[] javaOptions)
    {
        var conf = new Dictionary<string, string>(StringComparer.Ordinal);
        foreach (var options in javaOptions)
            foreach (Match m in Regex.Matches(options ?? "", @"(?:^|\s)-D(spark\.[^=\s]+)=(\S*)", RegexOptions.None, TimeSpan.FromSeconds(1)))
                conf[m.Groups[1].Value] = m.Groups[2].Value;
        return conf;
    }

    static Dictionary<string, string> Defaults(JsonObject pod, JsonObject container, IReadOnlyDictionary<string, string> env, Func<string, JsonObject?> configMap)
    {
        var dir = (env.GetValueOrDefault("SPARK_CONF_DIR") ?? $"{env.GetValueOrDefault("SPARK_HOME") ?? "/opt/spark"}/conf").TrimEnd('/');
        var file = $"{dir}/{DefaultsFile}";
        foreach (var mount in container.Objects("volumeMounts"))
        {
            var mountPath = (mount.Str("mountPath") ?? "").TrimEnd('/');
            var subPath = mount.Str("subPath");
            // Either the directory is the mount, or the file itself is mounted with a subPath.
            string? pathInVolume = subPath is null or "" ? (mountPath == dir ? DefaultsFile : null) : (mountPath == file ? subPath : null);
            if (pathInVolume is null) continue;
            var volume = pod.Objects("spec", "volumes").FirstOrDefault(v => v.Str("name") == mount.Str("name"));
            if (volume?["configMap"] is not JsonObject source || source.Str("name") is not { } name || configMap(name) is not { } cm) continue;
            // With items, only the listed keys appear, each at its path.
            var items = source.Objects("items").ToList();
            var key = items.Count == 0 ? pathInVolume : items.FirstOrDefault(i => i.Str("path") == pathInVolume)?.Str("key");
            if (key is not null && cm.Str("data", key) is { } text) return JavaProperties.Parse(text);
        }
        return [];
    }
}

/// <summary>java.util.Properties.load: logical lines with backslash continuation, # and ! comments, key ends at an unescaped <c>=</c>, <c>:</c> or whitespace.</summary>
internal static class JavaProperties
{
    public static Dictionary<string, string> Parse(string text)
    {
        var result = new Dictionary<string, string>(StringComparer.Ordinal);
        var lines = text.Replace("\r\n", "\n", StringComparison.Ordinal).Replace('\r', '\n').Split('\n');
        for (var i = 0; i < lines.Length; i++)
        {
            var line = lines[i].TrimStart(' ', '\t', '\f');
            if (line.Length == 0 || line[0] is '#' or '!') continue;
            // A line ending in an odd number of backslashes continues on the next, whose leading whitespace is dropped.
            while (TrailingBackslashes(line) % 2 == 1 && i + 1 < lines.Length)
                line = line[..^1] + lines[++i].TrimStart(' ', '\t', '\f');
            if (TrailingBackslashes(line) % 2 == 1) line = line[..^1];

            var keyEnd = 0;
            while (keyEnd < line.Length && !(line[keyEnd] is '=' or ':' or ' ' or '\t' or '\f' && !Escaped(line, keyEnd))) keyEnd++;
            var valueStart = keyEnd;
            while (valueStart < line.Length && line[valueStart] is ' ' or '\t' or '\f') valueStart++;
            if (valueStart < line.Length && line[valueStart] is '=' or ':') valueStart++;
            while (valueStart < line.Length && line[valueStart] is ' ' or '\t' or '\f') valueStart++;
            result[Unescape(line[..keyEnd])] = Unescape(line[valueStart..]);
        }
        return result;
    }

    static int TrailingBackslashes(string s)
    {
        var n = 0;
        while (n < s.Length && s[s.Length - 1 - n] == '\\') n++;
        return n;
    }

    static bool Escaped(string s, int index)
    {
        var n = 0;
        while (index - 1 - n >= 0 && s[index - 1 - n] == '\\') n++;
        return n % 2 == 1;
    }

    static string Unescape(string s)
    {
        if (!s.Contains('\\', StringComparison.Ordinal)) return s;
        var sb = new StringBuilder(s.Length);
        for (var i = 0; i < s.Length; i++)
        {
            if (s[i] != '\\' || i + 1 >= s.Length)
            {
                sb.Append(s[i]);
                continue;
            }
            var c = s[++i];
            if (c == 'u' && i + 4 < s.Length && int.TryParse(s.AsSpan(i + 1, 4), NumberStyles.HexNumber, CultureInfo.InvariantCulture, out var code))
            {
                sb.Append((char)code);
                i += 4;
                continue;
            }
            sb.Append(c switch { 't' => '\t', 'n' => '\n', 'r' => '\r', 'f' => '\f', _ => c });
        }
        return sb.ToString();
    }
}
