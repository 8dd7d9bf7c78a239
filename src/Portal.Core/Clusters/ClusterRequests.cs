using Portal.Core.Storage;

namespace Portal.Core.Clusters;

/// <summary>
/// A request for a new cluster. Only the name is required; every other field falls back to the configured cluster
/// defaults (section "Clusters:Defaults") or the tenant's policy.
/// </summary>
/// <remarks>Fields are nullable so that a missing field is a named validation error, not an unreadable body.</remarks>
public sealed record CreateClusterRequest
{
    /// <summary>
    /// Required. Lower-case letters, digits and '-', starting with a letter, at most 40 characters; unique within the
    /// tenant.
    /// </summary>
    public string? Name { get; init; }

    /// <summary>
    /// Number of Spark workers, 1 to the tenant policy's maxWorkersPerCluster (50 by default). Default:
    /// Clusters:Defaults:Workers (2).
    /// </summary>
    public int? Workers { get; init; }

    /// <summary>
    /// Spark version; picks the catalogue's first image of that version (GET /api/v1/images). Default: the version of
    /// the default image.
    /// </summary>
    public string? SparkVersion { get; init; }

    /// <summary>
    /// Container image, one of the image catalogue's (Clusters:Images, listed by GET /api/v1/images). Default: the image
    /// of sparkVersion, else Clusters:Defaults:Image (the catalogue's first: Spark 4.0.3).
    /// </summary>
    public string? Image { get; init; }

    /// <summary>
    /// CPU per worker, a Kubernetes quantity ("1", "500m"), from 1m to 64. Spark counts whole cores:
    /// a worker offers its CPU rounded up ("500m" is 1 core to Spark, throttled to half a core by Kubernetes).
    /// Default: Clusters:Defaults:WorkerCores ("1").
    /// </summary>
    public string? WorkerCores { get; init; }

    /// <summary>
    /// Memory per worker, a Kubernetes quantity ("2Gi", "1536Mi"), from 1344Mi to 1Ti: the worker daemon, one
    /// executor (heap at least 512Mi) and its overhead (at least 384Mi, 40 % of the heap for PySpark's Python
    /// workers) share it (docs/spark.md). Default: Clusters:Defaults:WorkerMemory ("2Gi").
    /// </summary>
    public string? WorkerMemory { get; init; }

    /// <summary>
    /// CPU of the master, and of the Connect server, a Kubernetes quantity, from 1m to 64. Default:
    /// Clusters:Defaults:MasterCores ("1").
    /// </summary>
    public string? MasterCores { get; init; }

    /// <summary>
    /// Scratch space per worker (Spark's local dirs, for shuffle and spill), a Kubernetes quantity from 1Gi to 1Ti,
    /// counted against the tenant's ephemeral-storage quota. Default: Clusters:Defaults:WorkerScratch ("10Gi").
    /// </summary>
    public string? WorkerScratch { get; init; }

    /// <summary>
    /// Scratch space of the master and of the Connect server, a Kubernetes quantity from 1Gi to 1Ti. Default:
    /// Clusters:Defaults:MasterScratch ("2Gi").
    /// </summary>
    public string? MasterScratch { get; init; }

    /// <summary>
    /// Memory of the master, and of the Connect server (a Spark driver), a Kubernetes quantity: from 448Mi, or 896Mi
    /// with sparkConnect, to 1Ti. Default: Clusters:Defaults:MasterMemory ("1Gi").
    /// </summary>
    public string? MasterMemory { get; init; }

    /// <summary>
    /// Extra spark-defaults.conf entries (at most 100). Keys start with 'spark.'; keys the portal owns (spark.master,
    /// spark.submit.deployMode, spark.driver.host, spark.driver.bindAddress, spark.authenticate*,
    /// spark.ui.reverseProxy*, spark.connect.grpc.binding.*, spark.master.*, spark.kubernetes.*, and the memory keys the
    /// portal budgets: spark.executor.memory*, spark.driver.memory*, spark.memory.offHeap.*) are refused. Default:
    /// none.
    /// </summary>
    public Dictionary<string, string?>? SparkConf { get; init; }

    /// <summary>
    /// Run a Spark Connect server (sc://, port 15002) beside the master; only images that bundle it (Spark 4 on) can.
    /// Default: Clusters:Defaults:SparkConnect (true) when the image can.
    /// </summary>
    public bool? SparkConnect { get; init; }

    /// <summary>
    /// Lifetime as [d.]hh:mm:ss, from 00:10:00 to the tenant policy's maxTimeToLive (7 days by default). Default: the
    /// tenant policy's defaultTimeToLive (8 hours).
    /// </summary>
    public TimeSpan? TimeToLive { get; init; }

    /// <summary>
    /// Tenant volumes (at most 10) every pod of the cluster mounts under /mnt/data, read-write or read-only. Deleting
    /// the cluster never deletes a volume. Default: none.
    /// </summary>
    public List<VolumeMountRequest?>? Volumes { get; init; }

    /// <summary>
    /// One of the tenant's object stores: its key reaches the pods from a Kubernetes Secret, and spark.hadoop.fs.s3a.*
    /// points s3a:// paths at its endpoint. Default: none.
    /// </summary>
    public string? ObjectStore { get; init; }

    /// <summary>
    /// Where the cluster's Spark applications write event logs (spark.eventLog.dir), for the tenant's history server.
    /// Default: none (no event logs).
    /// </summary>
    public EventLogRequest? EventLog { get; init; }

    /// <summary>
    /// The request that asks for <paramref name="cluster"/> again ("Create again"): every field of its spec as it is
    /// now (workers as last scaled), under its own name unless <paramref name="name"/> is given. It is resolved like any
    /// other create, so today's image catalogue and tenant policy decide whether that spec is still allowed.
    /// </summary>
    public static CreateClusterRequest Repeating(Cluster cluster, string? name = null)
    {
        ArgumentNullException.ThrowIfNull(cluster);
        var spec = cluster.Spec;
        return new CreateClusterRequest
        {
            Name = name ?? cluster.Name,
            // The image alone: it decides the Spark version, and naming both would refuse the copy if the catalogue
            // now listed the image under another version.
            Image = spec.Image,
            Workers = spec.Workers,
            WorkerCores = spec.WorkerCores,
            WorkerMemory = spec.WorkerMemory,
            MasterCores = spec.MasterCores,
            MasterMemory = spec.MasterMemory,
            WorkerScratch = spec.WorkerScratch,
            MasterScratch = spec.MasterScratch,
            SparkConf = spec.SparkConf.ToDictionary(e => e.Key, e => (string?)e.Value, StringComparer.Ordinal),
            SparkConnect = spec.SparkConnect,
            TimeToLive = spec.TimeToLive,
            Volumes = [.. spec.Volumes.Select(v => new VolumeMountRequest { Volume = v.Volume, Path = v.Path, ReadOnly = v.ReadOnly })],
            ObjectStore = spec.ObjectStore,
            EventLog = spec.EventLog is { } log ? new EventLogRequest { Volume = log.Volume, ObjectStore = log.ObjectStore, Path = log.Path } : null,
        };
    }
}

/// <summary>A request to change a cluster's worker count.</summary>
public sealed record ScaleClusterRequest
{
    /// <summary>Required. New number of Spark workers, 1 to the tenant policy's maxWorkersPerCluster.</summary>
    public int? Workers { get; init; }
}

/// <summary>Which page of a tenant's clusters to list.</summary>
/// <param name="Page">1-based page number.</param>
/// <param name="PageSize">Clusters per page, 1 to <see cref="MaxPageSize"/>.</param>
/// <param name="Phase">Only clusters in this phase, or all when null.</param>
public sealed record ClusterQuery(int Page = 1, int PageSize = ClusterQuery.DefaultPageSize, ClusterPhase? Phase = null)
{
    /// <summary>Page size when the caller gives none.</summary>
    public const int DefaultPageSize = 50;

    /// <summary>Largest page size; bigger pages would make one request scan too much.</summary>
    public const int MaxPageSize = 200;
}

/// <summary>One page of clusters, ordered by name.</summary>
/// <param name="Items">The clusters on this page.</param>
/// <param name="Page">1-based page number.</param>
/// <param name="PageSize">Requested page size.</param>
/// <param name="TotalCount">Clusters matching the query on all pages.</param>
public sealed record ClusterPage(IReadOnlyList<Cluster> Items, int Page, int PageSize, int TotalCount);
