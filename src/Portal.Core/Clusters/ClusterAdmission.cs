using System.Globalization;
using Portal.Core.Storage;

namespace Portal.Core.Clusters;

/// <summary>A quota that has no room for a request.</summary>
/// <param name="Limit">The quota field: clusters, cpu, memory, pods or ephemeralStorage.</param>
/// <param name="Quota">The tenant's limit, as configured.</param>
/// <param name="InUse">What the tenant's other clusters hold.</param>
/// <param name="Requested">What this request needs on top.</param>
public sealed record QuotaShortfall(string Limit, string Quota, string InUse, string Requested);

/// <summary>What a tenant's clusters hold against its quota, as admission counts it.</summary>
/// <param name="Clusters">Clusters taking a slot of the cluster count: those not being deleted.</param>
/// <param name="Demand">What every cluster not yet Deleted requests: one being deleted holds its pods until they are gone.</param>
public readonly record struct QuotaUse(int Clusters, ClusterDemand Demand);

/// <summary>A quota limit set below what the tenant's clusters hold now.</summary>
/// <param name="Limit">The quota field: clusters, cpu, memory, pods or ephemeralStorage.</param>
/// <param name="Quota">The new limit, as given.</param>
/// <param name="InUse">What the tenant's clusters hold now.</param>
/// <param name="Message">What that means, in a sentence for a person.</param>
public sealed record QuotaOverrun(string Limit, string Quota, string InUse, string Message);

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
    /// <param name="tenant">The tenant, with its quota.</param>
    /// <param name="live">The tenant's clusters.</param>
    /// <param name="asked">The spec to admit.</param>
    /// <param name="replacing">The cluster a scale resizes, or null for a new cluster.</param>
    /// <param name="history">The tenant's history server, which holds its pod beside the clusters; or null.</param>
    public static Failure? Check(Tenant tenant, IEnumerable<Cluster> live, ClusterSpec asked, Cluster? replacing = null, HistoryServer? history = null)
    {
        ArgumentNullException.ThrowIfNull(tenant);
        ArgumentNullException.ThrowIfNull(live);
        ArgumentNullException.ThrowIfNull(asked);
        var others = live.Where(c => c.Status.Phase != ClusterPhase.Deleted && c.Id != replacing?.Id).ToList();
        var clusters = InUse(others).Clusters;
        if (replacing is null && clusters + 1 > tenant.Quota.MaxClusters)
            return Refuse(tenant, "clusters", "cluster", Count(tenant.Quota.MaxClusters), Count(clusters), "1", Holders(clusters, null));

        var before = replacing is null ? default : ClusterDemand.Of(replacing.Spec);
        return Fits(tenant, others, history, ClusterDemand.Of(asked), before);
    }

    /// <summary>
    /// Null when a history server of <paramref name="server"/>'s size fits beside <paramref name="live"/>; otherwise
    /// the refusal naming the first limit without room.
    /// </summary>
    public static Failure? CheckHistoryServer(Tenant tenant, IEnumerable<Cluster> live, HistoryServer server)
    {
        ArgumentNullException.ThrowIfNull(tenant);
        ArgumentNullException.ThrowIfNull(live);
        return Fits(tenant, live.Where(c => c.Status.Phase != ClusterPhase.Deleted).ToList(), null, ClusterDemand.Of(server), default);
    }

    /// <summary>Whether <paramref name="need"/> fits on top of what the clusters and the history server hold; only dimensions that grow past <paramref name="before"/> are checked.</summary>
    static Failure? Fits(Tenant tenant, List<Cluster> others, HistoryServer? history, ClusterDemand need, ClusterDemand before)
    {
        var quota = tenant.Quota;
        var used = InUse(others).Demand + (history is null ? default : ClusterDemand.Of(history));
        var by = Holders(others.Count, history);

        if (need.Cpu > before.Cpu && Over(used.Cpu + need.Cpu, quota.Cpu))
            return Refuse(tenant, "cpu", "CPU", quota.Cpu, Cores(used.Cpu), Cores(need.Cpu), by);
        if (need.Memory > before.Memory && Over(used.Memory + need.Memory, quota.Memory))
            return Refuse(tenant, "memory", "memory", quota.Memory, Bytes(used.Memory), Bytes(need.Memory), by);
        if (need.Pods > before.Pods && used.Pods + need.Pods > quota.MaxPods)
            return Refuse(tenant, "pods", "pod", Count(quota.MaxPods), Count(used.Pods), Count(need.Pods), by);
        if (need.EphemeralStorage > before.EphemeralStorage && Over(used.EphemeralStorage + need.EphemeralStorage, quota.EphemeralStorage))
            return Refuse(tenant, "ephemeralStorage", "scratch storage", quota.EphemeralStorage, Bytes(used.EphemeralStorage), Bytes(need.EphemeralStorage), by);
        return null;
    }

    /// <summary>Who holds what is in use, for a refusal: "2 clusters", "1 cluster and the history server".</summary>
    static string Holders(int clusters, HistoryServer? history) =>
        $"{clusters} {(clusters == 1 ? "cluster" : "clusters")}{(history is null ? "" : " and the history server")}";

    /// <summary>
    /// What <paramref name="clusters"/> hold against their tenant's quota, as <see cref="Check"/> counts it: resources of
    /// every cluster not yet Deleted, and a cluster slot for each that is not being deleted.
    /// </summary>
    public static QuotaUse InUse(IEnumerable<Cluster> clusters)
    {
        ArgumentNullException.ThrowIfNull(clusters);
        var holding = clusters.Where(c => c.Status.Phase != ClusterPhase.Deleted).ToList();
        return new QuotaUse(
            holding.Count(c => !c.IsDeleting),
            holding.Aggregate(default(ClusterDemand), (sum, c) => sum + ClusterDemand.Of(c.Spec)));
    }

    /// <summary>
    /// The limits that <paramref name="after"/> changes from <paramref name="before"/> to below what is in use, each with
    /// what that means. Not a refusal: running clusters keep running (Kubernetes does not evict pods over a lowered
    /// ResourceQuota), but <see cref="Check"/> refuses every new cluster until usage falls. A limit left as it was is not
    /// named again, and one that doesn't parse is left to the quota's validation.
    /// </summary>
    public static IReadOnlyList<QuotaOverrun> Overruns(TenantQuota before, TenantQuota after, QuotaUse use)
    {
        ArgumentNullException.ThrowIfNull(before);
        ArgumentNullException.ThrowIfNull(after);
        var overruns = new List<QuotaOverrun>();
        if (after.MaxClusters != before.MaxClusters && use.Clusters > after.MaxClusters)
            overruns.Add(Overrun("clusters", Count(after.MaxClusters), Count(use.Clusters), $"{use.Clusters} clusters", $"{after.MaxClusters} clusters"));
        if (after.Cpu != before.Cpu && Below(after.Cpu, use.Demand.Cpu))
            overruns.Add(Overrun("cpu", after.Cpu, Cores(use.Demand.Cpu), $"{Cores(use.Demand.Cpu)} CPU", $"{after.Cpu} CPU"));
        if (after.Memory != before.Memory && Below(after.Memory, use.Demand.Memory))
            overruns.Add(Overrun("memory", after.Memory, Bytes(use.Demand.Memory), $"{Bytes(use.Demand.Memory)} of memory", after.Memory));
        if (after.MaxPods != before.MaxPods && use.Demand.Pods > after.MaxPods)
            overruns.Add(Overrun("pods", Count(after.MaxPods), Count(use.Demand.Pods), $"{use.Demand.Pods} pods", $"{after.MaxPods} pods"));
        if (after.EphemeralStorage != before.EphemeralStorage && Below(after.EphemeralStorage, use.Demand.EphemeralStorage))
            overruns.Add(Overrun("ephemeralStorage", after.EphemeralStorage, Bytes(use.Demand.EphemeralStorage),
                $"{Bytes(use.Demand.EphemeralStorage)} of scratch storage", after.EphemeralStorage));
        return overruns;
    }

    static bool Below(string quota, decimal used) => KubernetesQuantity.TryParse(quota, out var limit) && used > limit;

    static QuotaOverrun Overrun(string limit, string quota, string inUse, string uses, string below) =>
        new(limit, quota, inUse,
            $"This tenant uses {uses} now; running clusters keep running, new clusters will be refused until usage falls below {below}.");

    // A quota that doesn't parse has been refused by TenantService; treat it as no room rather than as no limit.
    static bool Over(decimal total, string quota) => !KubernetesQuantity.TryParse(quota, out var limit) || total > limit;

    static Failure Refuse(Tenant tenant, string limit, string what, string quota, string inUse, string requested, string holders) =>
        new(FailureKind.Conflict,
            $"The tenant's {what} quota has no room for this request.",
            $"Tenant '{tenant.Slug}' has a {what} quota of {quota}, {inUse} in use by {holders}, " +
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
