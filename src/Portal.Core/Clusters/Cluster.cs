using Portal.Core.Storage;

namespace Portal.Core.Clusters;

/// <summary>An ephemeral Spark cluster asked for by a tenant member; the desired state the reconciler drives towards.</summary>
public sealed class Cluster
{
    /// <summary>Primary key; also the label that ties Kubernetes objects to this cluster.</summary>
    public Guid Id { get; init; } = Guid.CreateVersion7();

    /// <summary>The tenant that owns the cluster; its objects live in that tenant's namespace.</summary>
    public Guid TenantId { get; init; }

    /// <summary>DNS-1123 label, unique within the tenant; prefixes every Kubernetes object of the cluster.</summary>
    public required string Name { get; init; }

    /// <summary>Subject of the user who asked for it.</summary>
    public required string Owner { get; init; }

    /// <summary>The desired cluster, as validated and completed with defaults; replaced as a whole on change.</summary>
    public required ClusterSpec Spec { get; set; }

    /// <summary>Bumped whenever <see cref="Spec"/> changes; status reports the generation it has seen.</summary>
    public long Generation { get; set; } = 1;

    /// <summary>What the reconciler last saw; only it writes this, apart from the phase that create and delete requests set.</summary>
    public ClusterStatus Status { get; set; } = new();

    /// <summary>When the cluster was asked for; stamped by <c>PortalDb</c> on save.</summary>
    public DateTimeOffset CreatedAt { get; init; }

    /// <summary>When the time-to-live runs out; the cluster is then deleted.</summary>
    public DateTimeOffset ExpiresAt { get; set; }

    /// <summary>Set by a delete request; the row stays for history after the objects are gone.</summary>
    public DateTimeOffset? DeletionRequestedAt { get; set; }

    /// <summary>Client-chosen key that makes create idempotent per tenant.</summary>
    public string? IdempotencyKey { get; init; }

    /// <summary>Optimistic concurrency token, bumped on every write; also the API's ETag.</summary>
    public long Version { get; set; }

    /// <summary>True once deletion was asked for; the reconciler then only removes objects.</summary>
    public bool IsDeleting => DeletionRequestedAt is not null;
}

/// <summary>What the user asked for.</summary>
public sealed record ClusterSpec
{
    /// <summary>Spark release the cluster runs, e.g. "4.0.1"; one of the versions the portal's options offer.</summary>
    public required string SparkVersion { get; init; }

    /// <summary>Container image for master, workers and Connect server.</summary>
    public required string Image { get; init; }

    /// <summary>Number of worker pods, at least 1 and at most the tenant's <c>MaxWorkersPerCluster</c>.</summary>
    public int Workers { get; init; }

    /// <summary>CPU per worker, a Kubernetes quantity.</summary>
    public required string WorkerCores { get; init; }

    /// <summary>Memory per worker, a Kubernetes quantity.</summary>
    public required string WorkerMemory { get; init; }

    /// <summary>CPU of the master, a Kubernetes quantity; the Connect server gets the same.</summary>
    public required string MasterCores { get; init; }

    /// <summary>
    /// Memory of the master, a Kubernetes quantity; the Connect server is sized alike, so with Connect on it must
    /// also hold a Spark driver.
    /// </summary>
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

    /// <summary>How long the cluster may live; <see cref="Cluster.ExpiresAt"/> is counted from it.</summary>
    public TimeSpan TimeToLive { get; init; }

    /// <summary>Tenant volumes every pod mounts under <see cref="StoragePaths.MountRoot"/>, checked against the tenant's.</summary>
    public IReadOnlyList<ClusterVolume> Volumes { get; init; } = [];

    /// <summary>The tenant object store whose key the pods get from its Secret, or null.</summary>
    public string? ObjectStore { get; init; }

    /// <summary>Where Spark writes event logs, or null for none.</summary>
    public EventLogSpec? EventLog { get; init; }

    /// <summary>Whether <paramref name="other"/> asks for the same cluster: records compare lists by reference, specs by content.</summary>
    public bool SameAs(ClusterSpec? other) =>
        other is not null
        && this with { SparkConf = other.SparkConf, Volumes = other.Volumes } == other
        && SparkConf.Count == other.SparkConf.Count
        && SparkConf.All(e => other.SparkConf.TryGetValue(e.Key, out var v) && v == e.Value)
        && Volumes.SequenceEqual(other.Volumes);
}

/// <summary>Lifecycle of a cluster as the user sees it.</summary>
public enum ClusterPhase
{
    /// <summary>Stored, not yet picked up by the reconciler.</summary>
    Requested,

    /// <summary>The reconciler is applying the cluster's Kubernetes objects.</summary>
    Provisioning,

    /// <summary>Every object is applied; waiting for the pods to be ready and Spark to answer.</summary>
    Starting,

    /// <summary>Master, workers and (if asked for) the Connect server are up; the URLs in the status are usable.</summary>
    Running,

    /// <summary>Kubernetes or Spark reports an error (e.g. ImagePullBackOff); the reconciler keeps looking, less often.</summary>
    Failed,

    /// <summary>Deletion was asked for (by a user, the time-to-live or the idle timeout); objects are being removed.</summary>
    Deleting,

    /// <summary>Every object is gone; the row stays for history.</summary>
    Deleted,
}

/// <summary>What Kubernetes last reported, as written by the reconciler.</summary>
public sealed record ClusterStatus
{
    /// <summary>Where the cluster is in its lifecycle.</summary>
    public ClusterPhase Phase { get; init; } = ClusterPhase.Requested;

    /// <summary>PascalCase machine reason (e.g. ImagePullBackOff, ExceededQuota).</summary>
    public string? Reason { get; init; }

    /// <summary>Human explanation of <see cref="Reason"/>, e.g. the progress of a starting cluster.</summary>
    public string? Message { get; init; }

    /// <summary>The <see cref="Cluster.Generation"/> this status describes; lower means a change isn't seen yet.</summary>
    public long ObservedGeneration { get; init; }

    /// <summary>Worker pods Kubernetes reports Ready.</summary>
    public int ReadyWorkers { get; init; }

    /// <summary>The master's spark:// address inside the cluster network; set only while Running.</summary>
    public string? MasterUrl { get; init; }

    /// <summary>The master web UI's in-cluster address; set only while Running.</summary>
    public string? MasterUiUrl { get; init; }

    /// <summary>The Connect server's sc:// address inside the cluster network; set only while Running with Connect on.</summary>
    public string? ConnectUrl { get; init; }

    /// <summary>When <see cref="Phase"/> last changed.</summary>
    public DateTimeOffset? PhaseChangedAt { get; init; }

    /// <summary>When the cluster first reached Running; kept through later phases.</summary>
    public DateTimeOffset? RunningSince { get; init; }

    /// <summary>When the last object was gone and the cluster became Deleted.</summary>
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
    /// <summary>Database-assigned key; increases with insertion order.</summary>
    public long Id { get; init; }

    /// <summary>The cluster whose phase changed.</summary>
    public Guid ClusterId { get; init; }

    /// <summary>When the phase changed; stamped by <c>PortalDb</c> on save.</summary>
    public DateTimeOffset At { get; init; }

    /// <summary>The phase entered.</summary>
    public ClusterPhase Phase { get; init; }

    /// <summary>PascalCase machine reason for the change, as in <see cref="ClusterStatus.Reason"/>.</summary>
    public string? Reason { get; init; }

    /// <summary>Human explanation of the change.</summary>
    public string? Message { get; init; }
}
