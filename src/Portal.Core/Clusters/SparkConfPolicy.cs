using System.Text.RegularExpressions;

namespace Portal.Core.Clusters;

/// <summary>
/// Which spark-defaults.conf entries a tenant may set. The portal owns everything that decides where the cluster
/// runs, who it runs as and how it is reached; a tenant setting those could escape its namespace or hijack the
/// master URL, so such keys are refused rather than silently dropped.
/// </summary>
public static partial class SparkConfPolicy
{
    /// <summary>Most entries one cluster may carry.</summary>
    public const int MaxEntries = 100;

    /// <summary>Longest value; values go into a ConfigMap, whose total size is limited to 1 MiB.</summary>
    public const int MaxValueLength = 4096;

    private static readonly HashSet<string> ForbiddenKeys = new(StringComparer.Ordinal)
    {
        "spark.master",
        "spark.submit.deployMode",
        "spark.driver.host",
        "spark.driver.bindAddress",
        "spark.authenticate",
        "spark.authenticate.secret",
        "spark.ui.reverseProxy",
        "spark.ui.reverseProxyUrl",
        "spark.connect.grpc.binding.address",
        "spark.connect.grpc.binding.port",
        // The memory budget (SparkMemory) sizes every JVM to fit its container; these would break it.
        "spark.executor.memory",
        "spark.driver.memory",
        "spark.executor.pyspark.memory",
        // Spark's standalone worker flag that makes workers reconnect to the master's Service after a restart.
        "spark.worker.preferConfiguredMasterAddress",
    };

    private static readonly string[] ForbiddenPrefixes =
    [
        // Namespace, service account, pod templates, API server credentials: all of it is the portal's.
        "spark.kubernetes.",
        // The master's own settings include the REST submission server, which runs code without authentication.
        "spark.master.",
        "spark.authenticate.",
        "spark.executor.memoryOverhead",
        "spark.driver.memoryOverhead",
        "spark.memory.offHeap.",
    ];

    /// <summary>Why <paramref name="key"/> = <paramref name="value"/> is refused, or null when it is allowed.</summary>
    public static string? Problem(string key, string? value)
    {
        if (!KnownKeyShape().IsMatch(key))
            return "Unknown Spark configuration key: keys start with 'spark.' and contain only letters, digits, '.', '_' and '-'.";
        if (ForbiddenKeys.Contains(key) || ForbiddenPrefixes.Any(p => key.StartsWith(p, StringComparison.Ordinal)))
            return "Set by the portal; a cluster may not override it.";
        if (value is null)
            return "A value is required.";
        if (value.Length > MaxValueLength)
            return $"Values must be at most {MaxValueLength} characters.";
        // A line break would let one value smuggle a second key into spark-defaults.conf.
        if (value.Any(char.IsControl))
            return "Values may not contain line breaks or other control characters.";
        return null;
    }

    [GeneratedRegex("^spark(\\.[A-Za-z0-9_-]+)+$", RegexOptions.CultureInvariant)]
    private static partial Regex KnownKeyShape();
}
