using Portal.Core.Clusters;
using Portal.Core.Tenants;

namespace Portal.Provisioning.Tests;

/// <summary>
/// What provisioning tests say about a built cluster or tenant beyond Portal.Testing's builders: image, size,
/// Spark Connect, directory group, quota. Applied after Build(), as the rows' properties are settable.
/// </summary>
internal static class ProvisioningTestData
{
    public static Cluster WithSparkConnect(this Cluster cluster) => Change(cluster, s => s with { SparkConnect = true });

    public static Cluster WithStorage(this Cluster cluster, IReadOnlyList<Core.Storage.ClusterVolume> volumes, string? objectStore, Core.Storage.EventLogSpec? eventLog) =>
        Change(cluster, s => s with { Volumes = volumes, ObjectStore = objectStore, EventLog = eventLog });

    public static Cluster WithImage(this Cluster cluster, string image) => Change(cluster, s => s with { Image = image });

    public static Cluster WithWorkerSize(this Cluster cluster, string cores, string memory) =>
        Change(cluster, s => s with { WorkerCores = cores, WorkerMemory = memory });

    public static Tenant WithDirectoryGroup(this Tenant tenant, string group)
    {
        tenant.DirectoryGroup = group;
        return tenant;
    }

    public static Tenant WithQuota(this Tenant tenant, TenantQuota quota)
    {
        tenant.Quota = quota;
        return tenant;
    }

    static Cluster Change(Cluster cluster, Func<ClusterSpec, ClusterSpec> change)
    {
        cluster.Spec = change(cluster.Spec);
        return cluster;
    }
}
