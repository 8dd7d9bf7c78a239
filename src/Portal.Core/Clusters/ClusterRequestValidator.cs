using Portal.Core.Tenants;

namespace Portal.Core.Clusters;

/// <summary>
/// Turns requests into specs: fills defaults, then checks every field against Kubernetes' and Spark's rules and the
/// tenant's policy. Errors are keyed by the request's JSON field name so clients can point at the input.
/// </summary>
public static class ClusterRequestValidator
{
    /// <summary>Most CPU for master or worker; the least is anything above zero.</summary>
    public const decimal MaxCores = 64;

    /// <summary>Least memory a Spark JVM starts with reliably (512Mi).</summary>
    public const decimal MinMemoryBytes = 512m * 1024 * 1024;

    /// <summary>Most memory for master or worker (1Ti).</summary>
    public const decimal MaxMemoryBytes = 1024m * 1024 * 1024 * 1024;

    /// <summary>Shortest lifetime; anything shorter ends before the cluster is up.</summary>
    public static readonly TimeSpan MinTimeToLive = TimeSpan.FromMinutes(10);

    /// <summary>The spec for <paramref name="request"/>, or a <see cref="FailureKind.Invalid"/> failure naming each bad field.</summary>
    public static Outcome<ClusterSpec> Resolve(CreateClusterRequest request, ClusterDefaults defaults, TenantPolicy policy)
    {
        var errors = new Errors();
        errors.Add("name", KubernetesNames.Problem(request.Name, KubernetesNames.MaxClusterNameLength));

        var workers = request.Workers ?? defaults.Workers;
        errors.Add("workers", WorkersProblem(workers, policy));

        var (sparkVersion, image) = ResolveImage(request, defaults, errors);

        var workerCores = request.WorkerCores ?? defaults.WorkerCores;
        var workerMemory = request.WorkerMemory ?? defaults.WorkerMemory;
        var masterCores = request.MasterCores ?? defaults.MasterCores;
        var masterMemory = request.MasterMemory ?? defaults.MasterMemory;
        errors.Add("workerCores", CoresProblem(workerCores));
        errors.Add("workerMemory", MemoryProblem(workerMemory));
        errors.Add("masterCores", CoresProblem(masterCores));
        errors.Add("masterMemory", MemoryProblem(masterMemory));

        var sparkConf = request.SparkConf ?? [];
        if (sparkConf.Count > SparkConfPolicy.MaxEntries)
            errors.Add("sparkConf", $"At most {SparkConfPolicy.MaxEntries} entries are allowed.");
        foreach (var (key, value) in sparkConf)
            errors.Add($"sparkConf[{key}]", SparkConfPolicy.Problem(key, value));

        var timeToLive = request.TimeToLive ?? policy.DefaultTimeToLive;
        if (timeToLive < MinTimeToLive || timeToLive > policy.MaxTimeToLive)
            errors.Add("timeToLive", $"Must be between {MinTimeToLive:c} and the tenant's maximum of {policy.MaxTimeToLive:c}.");

        if (errors.Any)
            return Failure.Invalid(errors.ToDictionary());

        return new ClusterSpec
        {
            SparkVersion = sparkVersion!,
            Image = image!,
            Workers = workers,
            WorkerCores = workerCores,
            WorkerMemory = workerMemory,
            MasterCores = masterCores,
            MasterMemory = masterMemory,
            SparkConf = sparkConf.ToDictionary(e => e.Key, e => e.Value!, StringComparer.Ordinal),
            SparkConnect = request.SparkConnect ?? defaults.SparkConnect,
            TimeToLive = timeToLive,
        };
    }

    /// <summary>Why <paramref name="workers"/> is not a valid worker count under <paramref name="policy"/>, or null.</summary>
    public static string? WorkersProblem(int? workers, TenantPolicy policy) => workers switch
    {
        null => "Required.",
        < 1 => "Must be at least 1.",
        var n when n > policy.MaxWorkersPerCluster => $"Must be at most {policy.MaxWorkersPerCluster}, the tenant's limit.",
        _ => null,
    };

    private static (string? SparkVersion, string? Image) ResolveImage(
        CreateClusterRequest request, ClusterDefaults defaults, Errors errors)
    {
        var images = defaults.Images();
        string? versionImage = null;
        if (request.SparkVersion is not null && !images.TryGetValue(request.SparkVersion, out versionImage))
        {
            errors.Add("sparkVersion", $"Must be one of: {string.Join(", ", images.Keys.Order(StringComparer.Ordinal))}.");
            return (null, null);
        }

        if (request.Image is null)
            return versionImage is null ? (defaults.SparkVersion, defaults.Image) : (request.SparkVersion, versionImage);

        var match = images.FirstOrDefault(i => i.Value == request.Image);
        if (match.Value is null)
            errors.Add("image", $"Must be one of the allowed images: {string.Join(", ", images.Values.Order(StringComparer.Ordinal))}.");
        else if (versionImage is not null && versionImage != request.Image)
            errors.Add("image", $"Spark {request.SparkVersion} uses '{versionImage}'; leave out one of image and sparkVersion.");
        return (match.Key, match.Value);
    }

    private static string? CoresProblem(string cores)
    {
        if (!KubernetesQuantity.TryParse(cores, out var value))
            return $"'{cores}' is not a Kubernetes quantity (e.g. \"1\", \"500m\").";
        return value is > 0 and <= MaxCores ? null : $"Must be more than 0 and at most {MaxCores}.";
    }

    private static string? MemoryProblem(string memory)
    {
        if (!KubernetesQuantity.TryParse(memory, out var value))
            return $"'{memory}' is not a Kubernetes quantity (e.g. \"2Gi\", \"512Mi\").";
        return value is >= MinMemoryBytes and <= MaxMemoryBytes ? null : "Must be from 512Mi to 1Ti.";
    }

    /// <summary>Collects reasons per field, keeping the first reason order.</summary>
    private sealed class Errors
    {
        private readonly Dictionary<string, List<string>> _byField = new(StringComparer.Ordinal);

        public bool Any => _byField.Count > 0;

        public void Add(string field, string? reason)
        {
            if (reason is null)
                return;
            if (!_byField.TryGetValue(field, out var reasons))
                _byField[field] = reasons = [];
            reasons.Add(reason);
        }

        public Dictionary<string, string[]> ToDictionary() =>
            _byField.ToDictionary(e => e.Key, e => e.Value.ToArray(), StringComparer.Ordinal);
    }
}
