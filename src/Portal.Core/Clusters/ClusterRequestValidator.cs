using System.Globalization;
using Portal.Core.Storage;

namespace Portal.Core.Clusters;

/// <summary>
/// Turns requests into specs: fills defaults, then checks every field against Kubernetes' and Spark's rules and the
/// tenant's policy. Errors are keyed by the request's JSON field name so clients can point at the input.
/// </summary>
public static class ClusterRequestValidator
{
    /// <summary>Least CPU for master or worker (1m): Kubernetes has no finer CPU unit and rounds anything below up.</summary>
    public const decimal MinCores = 0.001m;

    /// <summary>Most CPU for master or worker.</summary>
    public const decimal MaxCores = 64;

    /// <summary>Most memory for master or worker (1Ti).</summary>
    public const decimal MaxMemoryBytes = 1024m * 1024 * 1024 * 1024;

    /// <summary>Least scratch space of a pod (1Gi): Spark writes shuffle files there from the first stage on.</summary>
    public const decimal MinScratchBytes = 1024m * 1024 * 1024;

    /// <summary>Most scratch space of a pod (1Ti).</summary>
    public const decimal MaxScratchBytes = 1024m * 1024 * 1024 * 1024;

    /// <summary>Shortest lifetime; anything shorter ends before the cluster is up.</summary>
    public static readonly TimeSpan MinTimeToLive = TimeSpan.FromMinutes(10);

    /// <summary>The spec for <paramref name="request"/>, or a <see cref="FailureKind.Invalid"/> failure naming each bad field.</summary>
    /// <param name="request">What was asked for.</param>
    /// <param name="options">The image catalogue and the defaults for fields left out.</param>
    /// <param name="policy">The tenant's limits.</param>
    /// <param name="duration">
    /// How a message writes a lifetime: by default as the API takes it ([d.]hh:mm:ss); a form whose field is in hours
    /// passes hours, so its messages speak the field's unit.
    /// </param>
    public static Outcome<ClusterSpec> Resolve(
        CreateClusterRequest request, ClusterOptions options, TenantPolicy policy, Func<TimeSpan, string>? duration = null)
    {
        ArgumentNullException.ThrowIfNull(request);
        ArgumentNullException.ThrowIfNull(options);
        ArgumentNullException.ThrowIfNull(policy);
        var errors = new Errors();
        errors.Add("name", KubernetesNames.Problem(request.Name, KubernetesNames.MaxClusterNameLength));

        errors.Add("workers", WorkersProblem(request.Workers ?? options.Defaults.Workers, policy));

        var image = ResolveImage(request, options, errors);
        var spec = Fill(request, options, policy, image);

        if (spec.SparkConnect && image is { SparkConnect: false })
            errors.Add("sparkConnect", $"Spark {image.SparkVersion} ({image.Image}) has no Spark Connect server: Spark bundles it from 4.0 on. " +
                                       $"Choose an image that has it ({string.Join(", ", options.Catalogue.Where(i => i.SparkConnect).Select(i => i.Image))}) or leave sparkConnect off.");

        errors.Add("workerCores", CoresProblem(spec.WorkerCores));
        errors.Add("workerMemory", MemoryProblem(spec.WorkerMemory, SparkMemory.MinWorkerMiB,
            $"a worker holds its daemon ({SparkMemory.WorkerDaemonHeapMiB + SparkMemory.DaemonOverheadMiB}Mi) and one executor: " +
            $"Spark refuses an executor heap below {SparkMemory.SparkMinimumHeapMiB}Mi, and adds at least {SparkMemory.MinOverheadMiB}Mi of overhead"));
        errors.Add("masterCores", CoresProblem(spec.MasterCores));
        errors.Add("masterMemory", spec.SparkConnect
            ? MemoryProblem(spec.MasterMemory, SparkMemory.MinConnectMiB,
                $"the Connect server, sized like the master, is a Spark driver: Spark refuses a driver heap below {SparkMemory.SparkMinimumHeapMiB}Mi, " +
                $"and adds at least {SparkMemory.MinOverheadMiB}Mi of overhead")
            : MemoryProblem(spec.MasterMemory, SparkMemory.MinMasterMiB, "the master daemon's heap and its JVM's own memory"));
        errors.Add("workerScratch", ScratchProblem(spec.WorkerScratch));
        errors.Add("masterScratch", ScratchProblem(spec.MasterScratch));

        var sparkConf = request.SparkConf ?? [];
        if (sparkConf.Count > SparkConfPolicy.MaxEntries)
            errors.Add("sparkConf", $"At most {SparkConfPolicy.MaxEntries} entries are allowed.");
        foreach (var (key, value) in sparkConf)
            errors.Add($"sparkConf[{key}]", SparkConfPolicy.Problem(key, value));

        var (mounts, eventLog) = ClusterStorageRules.Resolve(request.Volumes, request.ObjectStore, request.EventLog, errors.Add);
        spec = spec with { Volumes = mounts, ObjectStore = request.ObjectStore, EventLog = eventLog };

        errors.Add("timeToLive", TimeToLiveProblem(spec.TimeToLive, policy, duration ?? (t => t.ToString("c", CultureInfo.InvariantCulture))));

        return errors.Any ? Failure.Invalid(errors.ToDictionary()) : spec;
    }

    /// <summary>
    /// The cluster <paramref name="request"/> asks for, every field it leaves out given its default, whether or not it
    /// is valid: what a form previews (its size against the quota) while the user is still typing. Only
    /// <see cref="Resolve"/> says whether it may be created.
    /// </summary>
    public static ClusterSpec Sized(CreateClusterRequest request, ClusterOptions options, TenantPolicy policy)
    {
        ArgumentNullException.ThrowIfNull(request);
        ArgumentNullException.ThrowIfNull(options);
        ArgumentNullException.ThrowIfNull(policy);
        return Fill(request, options, policy, ResolveImage(request, options, new Errors()));
    }

    private static ClusterSpec Fill(CreateClusterRequest request, ClusterOptions options, TenantPolicy policy, SparkImage? image)
    {
        var defaults = options.Defaults;
        return new ClusterSpec
        {
            SparkVersion = image?.SparkVersion ?? request.SparkVersion ?? string.Empty,
            Image = image?.Image ?? request.Image ?? string.Empty,
            Workers = request.Workers ?? defaults.Workers,
            WorkerCores = request.WorkerCores ?? defaults.WorkerCores,
            WorkerMemory = request.WorkerMemory ?? defaults.WorkerMemory,
            MasterCores = request.MasterCores ?? defaults.MasterCores,
            MasterMemory = request.MasterMemory ?? defaults.MasterMemory,
            WorkerScratch = request.WorkerScratch ?? defaults.WorkerScratch,
            MasterScratch = request.MasterScratch ?? defaults.MasterScratch,
            // A null value is refused by SparkConfPolicy; a preview only sizes the cluster.
            SparkConf = (request.SparkConf ?? []).ToDictionary(e => e.Key, e => e.Value ?? string.Empty, StringComparer.Ordinal),
            SparkConnect = request.SparkConnect ?? (defaults.SparkConnect && image?.SparkConnect == true),
            TimeToLive = request.TimeToLive ?? policy.DefaultTimeToLive,
        };
    }

    /// <summary>
    /// Why <paramref name="timeToLive"/> is not a lifetime <paramref name="policy"/> allows, with durations written by
    /// <paramref name="duration"/>, or null.
    /// </summary>
    public static string? TimeToLiveProblem(TimeSpan timeToLive, TenantPolicy policy, Func<TimeSpan, string> duration)
    {
        ArgumentNullException.ThrowIfNull(policy);
        ArgumentNullException.ThrowIfNull(duration);
        // The longest lifetime bounds tenants saved before maxTimeToLive was bounded, whose maximum may overflow a date.
        var longest = policy.MaxTimeToLive < TenantPolicy.LongestTimeToLive ? policy.MaxTimeToLive : TenantPolicy.LongestTimeToLive;
        if (timeToLive < MinTimeToLive)
            return $"Must be at least {duration(MinTimeToLive)}: a shorter lifetime ends before the cluster is up.";
        return timeToLive > longest ? $"Must be at most {duration(longest)}, the tenant's maximum." : null;
    }

    /// <summary>Why <paramref name="workers"/> is not a valid worker count under <paramref name="policy"/>, or null.</summary>
    public static string? WorkersProblem(int? workers, TenantPolicy policy) => workers switch
    {
        null => "Required.",
        < 1 => "Must be at least 1.",
        var n when n > policy.MaxWorkersPerCluster => $"Must be at most {policy.MaxWorkersPerCluster}, the tenant's limit.",
        _ => null,
    };

    // sparkVersion picks the version's first image; image must be in the catalogue; both must agree.
    private static SparkImage? ResolveImage(CreateClusterRequest request, ClusterOptions options, Errors errors)
    {
        SparkImage? versionImage = null;
        if (request.SparkVersion is not null && (versionImage = options.ForVersion(request.SparkVersion)) is null)
        {
            errors.Add("sparkVersion", $"Must be one of: {string.Join(", ", options.Catalogue.Select(i => i.SparkVersion).Distinct().Order(StringComparer.Ordinal))}.");
            return null;
        }

        if (request.Image is null)
            return versionImage ?? options.DefaultImage;

        var image = options.Find(request.Image);
        if (image is null)
            errors.Add("image", $"Must be one of the catalogue's images (GET /api/v1/images): {string.Join(", ", options.Catalogue.Select(i => i.Image))}.");
        else if (versionImage is not null && image.SparkVersion != versionImage.SparkVersion)
            errors.Add("image", $"'{image.Image}' runs Spark {image.SparkVersion}, not {request.SparkVersion}; leave out one of image and sparkVersion.");
        return image;
    }

    private static string? CoresProblem(string cores)
    {
        if (!KubernetesQuantity.TryParse(cores, out var value))
            return $"'{cores}' is not a Kubernetes quantity (e.g. \"1\", \"500m\").";
        return value is >= MinCores and <= MaxCores ? null : $"Must be from 1m to {MaxCores} cores.";
    }

    private static string? MemoryProblem(string memory, long minimumMiB, string why)
    {
        if (!KubernetesQuantity.TryParse(memory, out var value))
            return $"'{memory}' is not a Kubernetes quantity (e.g. \"2Gi\", \"1536Mi\").";
        if (value > MaxMemoryBytes)
            return "Must be at most 1Ti.";
        return value >= minimumMiB * 1024m * 1024 ? null : $"Must be at least {minimumMiB}Mi: {why}.";
    }

    private static string? ScratchProblem(string scratch)
    {
        if (!KubernetesQuantity.TryParse(scratch, out var value))
            return $"'{scratch}' is not a Kubernetes quantity (e.g. \"10Gi\").";
        return value is >= MinScratchBytes and <= MaxScratchBytes ? null : "Must be from 1Gi to 1Ti.";
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
