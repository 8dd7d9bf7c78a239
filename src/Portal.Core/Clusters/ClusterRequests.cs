using System.ComponentModel;

namespace Portal.Core.Clusters;

/// <summary>
/// A request for a new cluster. Only <see cref="Name"/> is required; every other field falls back to
/// <see cref="ClusterDefaults"/> (section "Clusters:Defaults") or the tenant's policy.
/// Fields are nullable so that a missing field is a named validation error, not an unreadable body.
/// </summary>
public sealed record CreateClusterRequest
{
    /// <summary>DNS-1035 label, unique in the tenant, at most <see cref="KubernetesNames.MaxClusterNameLength"/> characters.</summary>
    [Description("Required. Lower-case letters, digits and '-', starting with a letter, at most 40 characters; unique within the tenant.")]
    public string? Name { get; init; }

    /// <summary>Number of workers, 1 to the tenant's MaxWorkersPerCluster.</summary>
    [Description("Number of Spark workers, 1 to the tenant policy's maxWorkersPerCluster (50 by default). Default: Clusters:Defaults:Workers (2).")]
    public int? Workers { get; init; }

    /// <summary>Spark version; selects the image from the allowed images.</summary>
    [Description("Spark version; picks the matching allowed image. Default: Clusters:Defaults:SparkVersion (3.5.3).")]
    public string? SparkVersion { get; init; }

    /// <summary>Container image; must be one of the allowed images.</summary>
    [Description("Container image, one of the allowed images (Clusters:Defaults:Image and :AllowedImages). Default: the image of sparkVersion, else Clusters:Defaults:Image (apache/spark:3.5.3).")]
    public string? Image { get; init; }

    /// <summary>CPU per worker as a Kubernetes quantity.</summary>
    [Description("CPU per worker, a Kubernetes quantity (\"1\", \"500m\"), more than 0 and at most 64. Default: Clusters:Defaults:WorkerCores (\"1\").")]
    public string? WorkerCores { get; init; }

    /// <summary>Memory per worker as a Kubernetes quantity.</summary>
    [Description("Memory per worker, a Kubernetes quantity (\"2Gi\", \"512Mi\"), from 512Mi to 1Ti. Default: Clusters:Defaults:WorkerMemory (\"2Gi\").")]
    public string? WorkerMemory { get; init; }

    /// <summary>CPU of the master as a Kubernetes quantity.</summary>
    [Description("CPU of the master, a Kubernetes quantity, more than 0 and at most 64. Default: Clusters:Defaults:MasterCores (\"1\").")]
    public string? MasterCores { get; init; }

    /// <summary>Memory of the master as a Kubernetes quantity.</summary>
    [Description("Memory of the master, a Kubernetes quantity, from 512Mi to 1Ti. Default: Clusters:Defaults:MasterMemory (\"1Gi\").")]
    public string? MasterMemory { get; init; }

    /// <summary>Extra spark-defaults.conf entries.</summary>
    [Description("Extra spark-defaults.conf entries (at most 100). Keys start with 'spark.'; keys the portal owns (spark.master, spark.submit.deployMode, spark.driver.host, spark.driver.bindAddress, spark.authenticate*, spark.ui.reverseProxy*, spark.connect.grpc.binding.*, spark.master.*, spark.kubernetes.*) are refused. Default: none.")]
    public Dictionary<string, string?>? SparkConf { get; init; }

    /// <summary>Whether a Spark Connect server runs beside the master.</summary>
    [Description("Run a Spark Connect server (sc://, port 15002) beside the master. Default: Clusters:Defaults:SparkConnect (false).")]
    public bool? SparkConnect { get; init; }

    /// <summary>How long the cluster lives before it is deleted.</summary>
    [Description("Lifetime as [d.]hh:mm:ss, from 00:10:00 to the tenant policy's maxTimeToLive (7 days by default). Default: the tenant policy's defaultTimeToLive (8 hours).")]
    public TimeSpan? TimeToLive { get; init; }
}

/// <summary>A request to change a cluster's worker count.</summary>
public sealed record ScaleClusterRequest
{
    /// <summary>New number of workers, 1 to the tenant's MaxWorkersPerCluster.</summary>
    [Description("Required. New number of Spark workers, 1 to the tenant policy's maxWorkersPerCluster.")]
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
