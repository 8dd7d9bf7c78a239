using System.Globalization;
using Portal.Core.Tenants;

namespace Portal.Core.Clusters;

/// <summary>A quota that has no room for a request.</summary>
/// <param name="Limit">The quota field: clusters, cpu, memory, pods or ephemeralStorage.</param>
/// <param name="Quota">The tenant's limit, as configured.</param>
/// <param name="InUse">What the tenant's other clusters hold.</param>
/// <param name="Requested">What this request needs on top.</param>
public sealed record QuotaShortfall(string Limit, string Quota, string InUse, string Requested);

/// <summary>
/// Whether a tenant's quota has room for a cluster, decided by the portal before anything reaches Kubernetes. The
/// namespace's ResourceQuota stays as the second line; this one answers at request time, with what is in use, so a
/// request that can't fit is refused instead of becoming a Failed cluster holding part of its pods.
/// </summary>
/// <remarks>
/// Counts every cluster not yet Deleted: one being deleted still holds its pods until they are gone, so its
/// resources count until then; its slot in the cluster count is free at once, as before.
/// </remarks>
public static class ClusterAdmission
{
    /// <summary>
    /// Null when <paramref name="asked"/> fits beside <paramref name="live"/>; otherwise the refusal naming the first
    /// limit without room. With <paramref name="replacing"/> (a scale), that cluster's current demand is given back
    /// first and only the dimensions that grow are checked, so shrinking always passes.
    /// </summary>
    public static Failure? Check(Tenant tenant, IEnumerable<Cluster> live, ClusterSpec asked, Cluster? replacing = null)
    {
        ArgumentNullException.ThrowIfNull(tenant);
        ArgumentNullException.ThrowIfNull(live);
        ArgumentNullException.ThrowIfNull(asked);
        var others = live.Where(c => c.Status.Phase != ClusterPhase.Deleted && c.Id != replacing?.Id).ToList();
        var quota = tenant.Quota;
        if (replacing is null)
        {
            var clusters = others.Count(c => !c.IsDeleting);
            if (clusters + 1 > quota.MaxClusters)
                return Refuse(tenant, "clusters", "cluster", Count(quota.MaxClusters), Count(clusters), "1", clusters);
        }

        var used = others.Aggregate(new ClusterDemand(0, 0, 0, 0), (sum, c) => Add(sum, ClusterDemand.Of(c.Spec)));
        var need = ClusterDemand.Of(asked);
        var before = replacing is null ? new ClusterDemand(0, 0, 0, 0) : ClusterDemand.Of(replacing.Spec);
        var n = others.Count;

        if (need.Cpu > before.Cpu && Over(used.Cpu + need.Cpu, quota.Cpu))
            return Refuse(tenant, "cpu", "CPU", quota.Cpu, Cores(used.Cpu), Cores(need.Cpu), n);
        if (need.Memory > before.Memory && Over(used.Memory + need.Memory, quota.Memory))
            return Refuse(tenant, "memory", "memory", quota.Memory, Bytes(used.Memory), Bytes(need.Memory), n);
        if (need.Pods > before.Pods && used.Pods + need.Pods > quota.MaxPods)
            return Refuse(tenant, "pods", "pod", Count(quota.MaxPods), Count(used.Pods), Count(need.Pods), n);
        if (need.EphemeralStorage > before.EphemeralStorage && Over(used.EphemeralStorage + need.EphemeralStorage, quota.EphemeralStorage))
            return Refuse(tenant, "ephemeralStorage", "scratch storage", quota.EphemeralStorage, Bytes(used.EphemeralStorage), Bytes(need.EphemeralStorage), n);
        return null;
    }

    static ClusterDemand Add(ClusterDemand a, ClusterDemand b) =>
        new(a.Cpu + b.Cpu, a.Memory + b.Memory, a.Pods + b.Pods, a.EphemeralStorage + b.EphemeralStorage);

    // A quota that doesn't parse has been refused by TenantService; treat it as no room rather than as no limit.
    static bool Over(decimal total, string quota) => !KubernetesQuantity.TryParse(quota, out var limit) || total > limit;

    static Failure Refuse(Tenant tenant, string limit, string what, string quota, string inUse, string requested, int clusters) =>
        new(FailureKind.Conflict,
            $"The tenant's {what} quota has no room for this request.",
            $"Tenant '{tenant.Slug}' has a {what} quota of {quota}, {inUse} in use by {clusters} {(clusters == 1 ? "cluster" : "clusters")}, " +
            $"and this request needs {requested} more. Delete or shrink a cluster, or ask a platform admin for a larger quota.",
            Code: $"quota.{limit}",
            Quota: new QuotaShortfall(limit, quota, inUse, requested));

    static string Count(int n) => n.ToString(CultureInfo.InvariantCulture);

    static string Cores(decimal cores) => cores.ToString("0.###", CultureInfo.InvariantCulture);

    /// <summary>Bytes as a Kubernetes quantity a person reads: Gi with up to two decimals, or Mi below 1Gi.</summary>
    public static string Bytes(decimal bytes) => bytes >= 1024m * 1024 * 1024
        ? (bytes / (1024m * 1024 * 1024)).ToString("0.##", CultureInfo.InvariantCulture) + "Gi"
        : decimal.Ceiling(bytes / (1024m * 1024)).ToString(CultureInfo.InvariantCulture) + "Mi";
}
