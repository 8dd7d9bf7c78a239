namespace Portal.Core.Tenants;

/// <summary>A team that owns clusters; maps one-to-one to a Kubernetes namespace.</summary>
public sealed class Tenant
{
    /// <summary>Longest slug stored (a DNS-1123 label's limit).</summary>
    public const int MaxSlugLength = 63;

    /// <summary>Primary key; version 7, so ids sort by creation.</summary>
    public Guid Id { get; init; } = Guid.CreateVersion7();

    /// <summary>URL and namespace-safe identifier (DNS-1123 label), unique.</summary>
    public required string Slug { get; init; }

    /// <summary>Name shown in the portal; free text, unlike <see cref="Slug"/>.</summary>
    public required string DisplayName { get; set; }

    /// <summary>Kubernetes namespace that holds the tenant's clusters.</summary>
    public required string Namespace { get; init; }

    /// <summary>Resource ceiling checked when clusters are asked for and enforced in the namespace.</summary>
    public TenantQuota Quota { get; set; } = new();

    /// <summary>Limits on what members may ask for in each cluster request.</summary>
    public TenantPolicy Policy { get; set; } = new();

    /// <summary>Directory group whose members get read-only Kubernetes access to the namespace, if any.</summary>
    public string? DirectoryGroup { get; set; }

    /// <summary>When the tenant was added; stamped by <c>PortalDb</c> on save.</summary>
    public DateTimeOffset CreatedAt { get; init; }

    /// <summary>Set when the tenant is being removed; its clusters go first, then the namespace.</summary>
    public DateTimeOffset? DeletionRequestedAt { get; set; }

    /// <summary>Optimistic concurrency token, bumped on every write; also the API's ETag.</summary>
    public long Version { get; set; }

    /// <summary>Who belongs to the tenant and in which role.</summary>
    public List<Membership> Members { get; init; } = [];
}

/// <summary>Resource ceiling for one tenant, mirrored into its namespace's ResourceQuota.</summary>
public sealed record TenantQuota
{
    /// <summary>Total CPU requests and limits, as a Kubernetes quantity from 100m to 10000.</summary>
    public string Cpu { get; init; } = "32";

    /// <summary>Total memory requests and limits, as a Kubernetes quantity from 1Gi to 1Pi.</summary>
    public string Memory { get; init; } = "128Gi";

    /// <summary>
    /// Total ephemeral-storage requests and limits (Spark's scratch space plus logs), as a Kubernetes quantity from 1Gi to 1Pi, so
    /// shuffle spill can't fill a node that other tenants share.
    /// </summary>
    public string EphemeralStorage { get; init; } = "512Gi";

    /// <summary>Most pods in the namespace, all clusters' masters, workers and Connect servers together.</summary>
    public int MaxPods { get; init; } = 100;

    /// <summary>Most clusters the tenant may have at once; checked by the portal, Kubernetes has no such quota.</summary>
    public int MaxClusters { get; init; } = 10;

    /// <summary>Total size of the tenant's volumes (<c>requests.storage</c>), as a Kubernetes quantity from 1Gi to 1Pi.</summary>
    public string Storage { get; init; } = DefaultStorage;

    /// <summary>Most volumes the tenant may have (<c>persistentvolumeclaims</c>); 0 gives it none.</summary>
    public int MaxVolumes { get; init; } = DefaultMaxVolumes;

    /// <summary>Storage quota of a tenant that names none, and of tenants created before volumes existed.</summary>
    public const string DefaultStorage = "1Ti";

    /// <summary>Volume count quota of a tenant that names none, and of tenants created before volumes existed.</summary>
    public const int DefaultMaxVolumes = 20;
}

/// <summary>What a tenant's members may ask for.</summary>
public sealed record TenantPolicy
{
    /// <summary>Time-to-live a cluster gets when its request names none; at most <see cref="MaxTimeToLive"/>.</summary>
    public TimeSpan DefaultTimeToLive { get; init; } = TimeSpan.FromHours(8);

    /// <summary>Longest time-to-live a request may ask for; at most <see cref="LongestTimeToLive"/>.</summary>
    public TimeSpan MaxTimeToLive { get; init; } = TimeSpan.FromDays(7);

    /// <summary>
    /// Time without Spark activity (no application but the Connect server's, no Connect job) after which a Running
    /// cluster is deleted with termination reason Idle; null keeps idle clusters until their time-to-live ends.
    /// </summary>
    public TimeSpan? IdleTimeout { get; init; }

    /// <summary>Shortest idle timeout.</summary>
    public static readonly TimeSpan MinIdleTimeout = TimeSpan.FromMinutes(1);

    /// <summary>The longest maxTimeToLive a tenant may have (365 days): the portal runs ephemeral clusters.</summary>
    public static readonly TimeSpan LongestTimeToLive = TimeSpan.FromDays(365);

    /// <summary>Most workers one cluster may have, whatever the quota leaves.</summary>
    public int MaxWorkersPerCluster { get; init; } = 50;

    /// <summary>
    /// Cluster sizes the new-cluster dialog offers with one click, in this order; at most <see cref="MaxPresets"/>,
    /// each within <see cref="MaxWorkersPerCluster"/>. Default: Small (2 × 1 core, 2Gi), Medium (4 × 2 cores, 8Gi),
    /// Large (6 × 4 cores, 16Gi).
    /// </summary>
    public IReadOnlyList<ClusterPreset> Presets { get; init; } = DefaultPresets;

    /// <summary>Most presets a tenant may have.</summary>
    public const int MaxPresets = 10;

    /// <summary>The presets of a tenant whose policy names none.</summary>
    /// <remarks>
    /// Each fits the default <see cref="TenantQuota"/> with the default master and a Connect server beside it: Large
    /// needs 26 CPU, 98Gi and 8 pods of 32 CPU, 128Gi and 100 (8 × 4 cores needed 34 CPU and could never be created).
    /// A test holds every default preset to the default quota.
    /// </remarks>
    public static readonly IReadOnlyList<ClusterPreset> DefaultPresets =
    [
        new("Small", 2, "1", "2Gi"),
        new("Medium", 4, "2", "8Gi"),
        new("Large", 6, "4", "16Gi"),
    ];

    /// <summary>
    /// This policy, except that when it names no presets (it has the default ones) those beyond its worker limit are
    /// left out: a request that only lowers maxWorkersPerCluster is not refused for presets it never mentioned.
    /// Presets a request names are checked as given.
    /// </summary>
    public TenantPolicy WithDefaultPresetsWithinLimit() =>
        ReferenceEquals(Presets, DefaultPresets) && Presets.Any(p => p.Workers > MaxWorkersPerCluster)
            ? this with { Presets = DefaultPresets.Where(p => p.Workers <= MaxWorkersPerCluster).ToList() }
            : this;
}

/// <summary>A named cluster size members pick with one click when they ask for a cluster.</summary>
/// <param name="Name">Shown on the button; 1 to <see cref="MaxNameLength"/> characters, unique in the tenant.</param>
/// <param name="Workers">Worker count, at least 1.</param>
/// <param name="WorkerCores">CPU per worker, a Kubernetes quantity.</param>
/// <param name="WorkerMemory">Memory per worker, a Kubernetes quantity.</param>
public sealed record ClusterPreset(string Name, int Workers, string WorkerCores, string WorkerMemory)
{
    /// <summary>Longest preset name.</summary>
    public const int MaxNameLength = 40;
}

/// <summary>A user's role in one tenant.</summary>
public sealed class Membership
{
    /// <summary>The tenant this membership is in.</summary>
    public Guid TenantId { get; init; }

    /// <summary>Stable user id: the OIDC 'sub' claim or the built-in account id.</summary>
    public required string Subject { get; init; }

    /// <summary>What the user may do in the tenant.</summary>
    public TenantRole Role { get; set; }

    /// <summary>When the user was added; stamped by <c>PortalDb</c> on save.</summary>
    public DateTimeOffset CreatedAt { get; init; }
}

/// <summary>Roles inside a tenant, weakest first so they compare.</summary>
public enum TenantRole
{
    /// <summary>Sees the tenant's clusters; changes nothing.</summary>
    Viewer = 0,

    /// <summary>Also creates clusters, uses Spark Connect, and changes or deletes the clusters they own.</summary>
    Member = 1,

    /// <summary>Also changes or deletes any cluster in the tenant and manages its members.</summary>
    Admin = 2,
}
