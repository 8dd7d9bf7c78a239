namespace Portal.Sandbox.Spark;

internal enum SparkRole { Master, Worker, Connect, HistoryServer }

/// <summary>
/// A Spark daemon recognised from a pod's container spec: the main class named anywhere in command + args (images
/// start them as <c>/usr/bin/tini -- /opt/spark/bin/spark-class CLASS ...</c> or via spark-submit <c>--class</c>).
/// Only the pod spec is read, never labels: the sandbox must not know how the portal names things.
/// </summary>
internal sealed record SparkProcess(
    SparkRole Role,
    string Container,
    string Host,
    int RpcPort,
    int UiPort,
    string? MasterUrl,
    int Cores,
    int MemoryMb,
    bool PreferConfiguredMasterAddress,
    IReadOnlyDictionary<string, string> Conf,
    string AppName,
    string User,
    string SparkVersion,
    JsonObject? LivenessProbe,
    IReadOnlyDictionary<string, string> SparkConf)
{
    const string MasterClass = "org.apache.spark.deploy.master.Master";
    const string WorkerClass = "org.apache.spark.deploy.worker.Worker";
    const string ConnectClass = "org.apache.spark.sql.connect.service.SparkConnectServer";
    const string HistoryServerClass = "org.apache.spark.deploy.history.HistoryServer";

    /// <summary>
    /// <c>APPLICATION_WEB_PROXY_BASE</c> from the container's env: UIUtils.uiRoot's fallback after the
    /// <c>spark.ui.proxyBase</c> system property.
    /// </summary>
    public string? WebProxyBaseEnv { get; init; }

    // NOTE: nothing runs, so the JVM's view of the machine is invented: a pod without a CPU limit sees the node's
    // 4 cores, without a memory limit its 16 GiB (Spark's worker then offers total - 1 GiB, Utils.inferDefaultMemory).
    const int NodeCores = 4;
    const int NodeMemoryMb = 16 * 1024;

    public bool DynamicAllocation => Conf.TryGetValue("spark.dynamicAllocation.enabled", out var v) && v.Equals("true", StringComparison.OrdinalIgnoreCase);

    public int? MaxCores => Conf.TryGetValue("spark.cores.max", out var v) && int.TryParse(v, CultureInfo.InvariantCulture, out var n) ? n : null;

    public int? ExecutorCores => Conf.TryGetValue("spark.executor.cores", out var v) && int.TryParse(v, CultureInfo.InvariantCulture, out var n) ? n : null;

    /// <summary>spark.executor.memory, default 1g (docs/configuration.md).</summary>
    public int ExecutorMemoryMb => Conf.TryGetValue("spark.executor.memory", out var v) && SparkMemory.ToMb(v, defaultUnit: 'm') is { } mb ? mb : 1024;

    /// <summary>The Connect server's gRPC port: spark.connect.grpc.binding.port, default 15002 (Connect's config).</summary>
    public int ConnectPort => SparkConf.TryGetValue("spark.connect.grpc.binding.port", out var v) && int.TryParse(v, CultureInfo.InvariantCulture, out var p) ? p : 15002;

    /// <summary>
    /// The Spark processes of <paramref name="pod"/>, one per recognised container; <paramref name="configMap"/> finds a
    /// ConfigMap of the pod's namespace by name, for a spark-defaults.conf mounted from one.
    /// </summary>
    public static IEnumerable<SparkProcess> In(JsonObject pod, Func<string, JsonObject?>? configMap = null)
    {
        foreach (var container in pod.Objects("spec", "containers"))
            if (Recognise(pod, container, configMap ?? (_ => null)) is { } process) yield return process;
    }

    static SparkProcess? Recognise(JsonObject pod, JsonObject container, Func<string, JsonObject?> configMap)
    {
        var env = Environment(pod, container);
        var argv = container.Arr("command").Concat(container.Arr("args"))
            .Select(n => n is JsonValue v && v.TryGetValue<string>(out var s) ? Expand(s, env) : "").ToList();
        var role = argv.Contains(MasterClass) ? SparkRole.Master
            : argv.Contains(WorkerClass) ? SparkRole.Worker
            : argv.Contains(ConnectClass) ? SparkRole.Connect
            : argv.Contains(HistoryServerClass) ? SparkRole.HistoryServer
            : (SparkRole?)null;
        if (role is null) return null;

        var podIp = pod.Str("status", "podIP") ?? "";
        var conf = Confs(argv);
        string? Arg(params string[] names)
        {
            for (var i = argv.Count - 2; i >= 0; i--)
                if (names.Contains(argv[i])) return argv[i + 1];
            return null;
        }
        int Port(string? text, int fallback) => int.TryParse(text, CultureInfo.InvariantCulture, out var p) ? p : fallback;
        env.TryGetValue("SPARK_USER", out var user);
        var common = (Name: container.Str("name") ?? "", User: user is { Length: > 0 } ? user : "spark", Version: VersionOf(container.Str("image")));
        // NOTE: Conf (the command line's --conf) drives the scheduling simulation as before; SparkConf adds
        // spark-defaults.conf and is what the daemons' own configuration answers (reverse proxy, Connect's Config RPC).
        Dictionary<string, string> Effective(IReadOnlyDictionary<string, string> commandLine) =>
            SparkConfFiles.Effective(pod, container, env, commandLine, configMap);

        switch (role)
        {
            case SparkRole.Master:
                // MasterArguments: env first (SPARK_MASTER_HOST/PORT/WEBUI_PORT), then --host/--port/--webui-port; host defaults to the pod IP.
                return new(SparkRole.Master, common.Name,
                    Arg("--host", "-h", "--ip", "-i") ?? env.GetValueOrDefault("SPARK_MASTER_HOST") ?? podIp,
                    Port(Arg("--port", "-p") ?? env.GetValueOrDefault("SPARK_MASTER_PORT"), 7077),
                    Port(Arg("--webui-port") ?? env.GetValueOrDefault("SPARK_MASTER_WEBUI_PORT"), 8080),
                    null, 0, 0, false, conf, "", common.User, common.Version, null,
                    Effective(SparkConfFiles.SystemProperties(env.GetValueOrDefault("SPARK_DAEMON_JAVA_OPTS"), env.GetValueOrDefault("SPARK_MASTER_OPTS"))));
            case SparkRole.Worker:
            {
                // WorkerArguments: SPARK_WORKER_CORES / SPARK_WORKER_MEMORY, overridden by --cores / --memory.
                var cores = int.TryParse(Arg("--cores", "-c") ?? env.GetValueOrDefault("SPARK_WORKER_CORES"), CultureInfo.InvariantCulture, out var c) ? c : DefaultCores(container);
                var memory = (Arg("--memory", "-m") ?? env.GetValueOrDefault("SPARK_WORKER_MEMORY")) is { } m && SparkMemory.ToMb(m) is { } mb ? mb : DefaultMemoryMb(container);
                var opts = env.GetValueOrDefault("SPARK_WORKER_OPTS") ?? "";
                return new(SparkRole.Worker, common.Name,
                    Arg("--host", "-h", "--ip", "-i") ?? env.GetValueOrDefault("SPARK_WORKER_HOST") ?? podIp,
                    Port(Arg("--port", "-p") ?? env.GetValueOrDefault("SPARK_WORKER_PORT"), EphemeralPort(pod.Uid())),
                    Port(Arg("--webui-port") ?? env.GetValueOrDefault("SPARK_WORKER_WEBUI_PORT"), 8081),
                    argv.FirstOrDefault(a => a.StartsWith("spark://", StringComparison.Ordinal)),
                    cores, memory,
                    // spark.worker.preferConfiguredMasterAddress (apache/spark#17821), set through SPARK_WORKER_OPTS.
                    Regex.IsMatch(opts, @"-Dspark\.worker\.preferConfiguredMasterAddress=true\b", RegexOptions.IgnoreCase, TimeSpan.FromSeconds(1)),
                    conf, "", common.User, common.Version, null,
                    Effective(SparkConfFiles.SystemProperties(env.GetValueOrDefault("SPARK_DAEMON_JAVA_OPTS"), opts)));
            }
            case SparkRole.HistoryServer:
            {
                // SparkClassCommandBuilder gives the HistoryServer SPARK_DAEMON_JAVA_OPTS and SPARK_HISTORY_OPTS;
                // HistoryServerArguments then loads spark-defaults.conf. Port: spark.history.ui.port, default 18080.
                var historyConf = Effective(SparkConfFiles.SystemProperties(env.GetValueOrDefault("SPARK_DAEMON_JAVA_OPTS"), env.GetValueOrDefault("SPARK_HISTORY_OPTS")));
                return new(SparkRole.HistoryServer, common.Name, podIp, 0,
                    Port(historyConf.GetValueOrDefault("spark.history.ui.port"), 18080),
                    null, 0, 0, false, conf, "", common.User, common.Version, null, historyConf)
                {
                    WebProxyBaseEnv = env.GetValueOrDefault("APPLICATION_WEB_PROXY_BASE"),
                };
            }
            default:
            {
                // spark-submit --master spark://... --conf k=v --name N; start-connect-server.sh names it "Spark Connect server".
                // SparkSubmit turns --name, --master and --driver-memory into their properties, over --conf's.
                var submitted = new Dictionary<string, string>(conf, StringComparer.Ordinal);
                foreach (var (option, key) in new[] { ("--name", "spark.app.name"), ("--master", "spark.master"), ("--driver-memory", "spark.driver.memory") })
                    if (Arg(option) is { } value) submitted[key] = value;
                var sparkConf = Effective(submitted);
                return new(SparkRole.Connect, common.Name, podIp, 0,
                    Port(sparkConf.GetValueOrDefault("spark.ui.port"), 4040),
                    sparkConf.GetValueOrDefault("spark.master"),
                    0, 0, false, conf,
                    sparkConf.GetValueOrDefault("spark.app.name") ?? "Spark Connect server",
                    common.User, common.Version, container["livenessProbe"] as JsonObject, sparkConf);
            }
        }
    }

    static Dictionary<string, string> Confs(List<string> argv)
    {
        var conf = new Dictionary<string, string>(StringComparer.Ordinal);
        for (var i = 0; i < argv.Count - 1; i++)
            if (argv[i] is "--conf" or "-c" && argv[i + 1].IndexOf('=', StringComparison.Ordinal) is > 0 and var eq)
                conf[argv[i + 1][..eq]] = argv[i + 1][(eq + 1)..];
        return conf;
    }

    /// <summary>The container's env as the kubelet would expand it; only the downward-API fields Spark pods use are resolved.</summary>
    static Dictionary<string, string> Environment(JsonObject pod, JsonObject container)
    {
        var env = new Dictionary<string, string>(StringComparer.Ordinal);
        foreach (var e in container.Objects("env"))
        {
            if (e.Str("name") is not { } name) continue;
            if (e.Str("value") is { } value) env[name] = Expand(value, env);
            else if (e.Str("valueFrom", "fieldRef", "fieldPath") is { } field && pod.FieldValue(field) is { } resolved) env[name] = resolved;
        }
        return env;
    }

    /// <summary>Kubernetes' <c>$(VAR)</c> expansion; unknown references stay as written, <c>$$</c> escapes.</summary>
    static string Expand(string text, Dictionary<string, string> env) =>
        Regex.Replace(text, @"\$\$|\$\(([A-Za-z_][A-Za-z0-9_.-]*)\)", m =>
            m.Value == "$$" ? "$" : env.TryGetValue(m.Groups[1].Value, out var v) ? v : m.Value, RegexOptions.None, TimeSpan.FromSeconds(1));

    // The JVM rounds a CFS quota up to whole processors.
    static int DefaultCores(JsonObject container) =>
        Admission.Quantity.TryParse(container.Str("resources", "limits", "cpu"), out var cpu) ? Math.Max(1, (int)Math.Ceiling(cpu.Value)) : NodeCores;

    static int DefaultMemoryMb(JsonObject container)
    {
        var total = Admission.Quantity.TryParse(container.Str("resources", "limits", "memory"), out var bytes)
            ? (int)(bytes.Value / (1024 * 1024)) : NodeMemoryMb;
        return Math.Max(total - 1024, 1024);
    }

    /// <summary>A stable stand-in for the random RPC port a worker binds without --port.</summary>
    static int EphemeralPort(string uid) => 32768 + (int)(BitConverter.ToUInt32(System.Security.Cryptography.SHA256.HashData(System.Text.Encoding.UTF8.GetBytes(uid)), 0) % 28000);

    /// <summary>The Spark version of an official image (<c>apache/spark:4.0.1-scala2.13-...</c>), else 4.0.1.</summary>
    static string VersionOf(string? image) =>
        image is not null && Regex.Match(image, @"(?:^|/)apache/spark(?:-py|-r)?:(\d+\.\d+\.\d+)", RegexOptions.None, TimeSpan.FromSeconds(1)) is { Success: true } m
            ? m.Groups[1].Value : "4.0.1";
}

/// <summary>Spark's memory strings (JavaUtils.byteStringAs): <c>512k</c>, <c>1536m</c>, <c>2g</c>, <c>1t</c>.</summary>
internal static class SparkMemory
{
    /// <summary>Whole MiB, rounded down, or null when unparseable. Utils.memoryStringToMb reads a bare number as bytes.</summary>
    public static int? ToMb(string text, char defaultUnit = 'b')
    {
        var m = Regex.Match(text.Trim().ToLowerInvariant(), @"^(\d+)\s*([kmgtp]?)b?$", RegexOptions.None, TimeSpan.FromSeconds(1));
        if (!m.Success || !long.TryParse(m.Groups[1].Value, CultureInfo.InvariantCulture, out var n)) return null;
        var unit = m.Groups[2].Value is { Length: 1 } u ? u[0] : (text.Trim().EndsWith('b') || text.Trim().EndsWith('B') ? 'b' : defaultUnit);
        var bytes = unit switch
        {
            'k' => n * 1024L,
            'm' => n * 1024L * 1024,
            'g' => n * 1024L * 1024 * 1024,
            't' => n * 1024L * 1024 * 1024 * 1024,
            'p' => n * 1024L * 1024 * 1024 * 1024 * 1024,
            _ => n,
        };
        return (int)Math.Min(int.MaxValue, bytes / (1024 * 1024));
    }
}
