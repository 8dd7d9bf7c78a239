namespace Portal.Core.Clusters;

/// <summary>An ephemeral Spark cluster asked for by a tenant member; the desired state the reconciler drives towards.</summary>
public sealed class Cluster
{
    public Guid Id { get; init; } = Guid.CreateVersion7();

    public Guid TenantId { get; init; }

    /// <summary>DNS-1123 label, unique within the tenant; prefixes every Kubernetes object of the cluster.</summary>
    public required string Name { get; init; }

    /// <summary>Subject of the user who asked for it.</summary>
    public required string Owner { get; init; }

    public required ClusterSpec Spec { get; set; }

    /// <summary>Bumped whenever <see cref="Spec"/> changes; status reports the generation it has seen.</summary>
    public long Generation { get; set; } = 1;

    public ClusterStatus Status { get; set; } = new();

    public DateTimeOffset CreatedAt { get; init; }

    /// <summary>When the time-to-live runs out; the cluster is then deleted.</summary>
    public DateTimeOffset ExpiresAt { get; set; }

    /// <summary>Set by a delete request; the row stays for history after the objects are gone.</summary>
    public DateTimeOffset? DeletionRequestedAt { get; set; }

    /// <summary>Client-chosen key that makes create idempotent per tenant.</summary>
    public string? IdempotencyKey { get; init; }

    /// <summary>Optimistic concurrency token, bumped on every write; also the API's ETag.</summary>
    public long Version { get; set; }

    public bool IsDeleting => DeletionRequestedAt is not null;
}

/// <summary>What the user asked for.</summary>
public sealed record ClusterSpec
{
    public required string SparkVersion { get; init; }

    /// <summary>Container image for master, workers and Connect server.</summary>
    public required string Image { get; init; }

    public int Workers { get; init; }

    /// <summary>CPU per worker, a Kubernetes quantity.</summary>
    public required string WorkerCores { get; init; }

    /// <summary>Memory per worker, a Kubernetes quantity.</summary>
    public required string WorkerMemory { get; init; }

    public required string MasterCores { get; init; }

    public required string MasterMemory { get; init; }

    /// <summary>Extra spark-defaults.conf entries, already checked against the forbidden keys.</summary>
    public Dictionary<string, string> SparkConf { get; init; } = [];

    /// <summary>Whether a Spark Connect server (sc://, port 15002) runs beside the master.</summary>
    public bool SparkConnect { get; init; }

    /// <summary>
    /// Scratch space of each worker (Spark's local dirs: shuffle files and spill), a Kubernetes quantity: the size
    /// limit of its emptyDir, counted against the tenant's ephemeral-storage quota.
    /// </summary>
    public string WorkerScratch { get; init; } = "10Gi";

    /// <summary>Scratch space of the master and of the Connect server, a Kubernetes quantity.</summary>
    public string MasterScratch { get; init; } = "2Gi";

    public TimeSpan TimeToLive { get; init; }
}

/// <summary>Lifecycle of a cluster as the user sees it.</summary>
public enum ClusterPhase
{
    Requested,
    Provisioning,
    Starting,
    Running,
    Failed,
    Deleting,
    Deleted,
}

/// <summary>What Kubernetes last reported, as written by the reconciler.</summary>
public sealed record ClusterStatus
{
    public ClusterPhase Phase { get; init; } = ClusterPhase.Requested;

    /// <summary>PascalCase machine reason (e.g. ImagePullBackOff, ExceededQuota).</summary>
    public string? Reason { get; init; }

    public string? Message { get; init; }

    public long ObservedGeneration { get; init; }

    public int ReadyWorkers { get; init; }

    public string? MasterUrl { get; init; }

    public string? MasterUiUrl { get; init; }

    public string? ConnectUrl { get; init; }

    public DateTimeOffset? PhaseChangedAt { get; init; }

    public DateTimeOffset? RunningSince { get; init; }

    public DateTimeOffset? EndedAt { get; init; }

    /// <summary>Workers the Spark master reports ALIVE (registered with it), as opposed to pods that are Ready.</summary>
    public int RegisteredWorkers { get; init; }

    /// <summary>Cores of the registered workers as Spark counts them (whole cores per worker).</summary>
    public int SparkCores { get; init; }

    /// <summary>Of <see cref="SparkCores"/>, those granted to running applications.</summary>
    public int SparkCoresUsed { get; init; }

    /// <summary>Applications the master runs, the Connect server's own included.</summary>
    public int ActiveApplications { get; init; }

    /// <summary>When Spark last showed activity (an application other than the Connect server, or a Connect job).</summary>
    public DateTimeOffset? LastActivityAt { get; init; }

    /// <summary>True while Spark shows no activity: the idle timeout counts from <see cref="LastActivityAt"/>.</summary>
    public bool Idle { get; init; }

    /// <summary>
    /// What the reconciler last counted of Spark's work (applications and Connect jobs ever seen); a change between
    /// two looks is activity even when the work started and ended in between.
    /// </summary>
    [System.Text.Json.Serialization.JsonIgnore]
    public string? ActivityMark { get; init; }

    /// <summary>Why the cluster ended, once it is ending: deleted by someone, expired, or idle.</summary>
    public ClusterTermination? TerminationReason { get; init; }
}

/// <summary>Why a cluster ended.</summary>
public enum ClusterTermination
{
    /// <summary>A member or admin deleted it.</summary>
    Deleted,

    /// <summary>Its time-to-live ran out.</summary>
    Expired,

    /// <summary>Spark showed no activity for the tenant's idle timeout.</summary>
    Idle,
}

/// <summary>One entry in a cluster's phase history.</summary>
public sealed class ClusterEvent
{
    public long Id { get; init; }

    public Guid ClusterId { get; init; }

    public DateTimeOffset At { get; init; }

    public ClusterPhase Phase { get; init; }

    public string? Reason { get; init; }

    public string? Message { get; init; }
}
