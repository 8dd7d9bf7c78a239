namespace Portal.Web.Features.Usage;

/// <summary>One resource of a tenant: how much its live clusters ask for, against the quota.</summary>
/// <param name="Used">Requested by clusters not being deleted.</param>
/// <param name="Limit">The tenant's quota.</param>
internal readonly record struct Allotment(decimal Used, decimal Limit)
{
    public decimal Left => Math.Max(0, Limit - Used);

    /// <summary>Share of the quota in use, 0 to 100, for gauges.</summary>
    public double Percent => Limit <= 0 ? 100 : (double)Math.Min(100, Used * 100 / Limit);
}

/// <summary>
/// What a tenant's clusters ask for against its quota, computed from the cluster rows the way the namespace's
/// ResourceQuota counts pods: a master, the workers and, with Spark Connect, a Connect server sized like the master.
/// </summary>
/// <remarks>
/// The API refuses only the cluster count up front; CPU, memory and pods are enforced by Kubernetes, where a cluster
/// that doesn't fit fails with ExceededQuota. The dialog uses these figures to refuse that before sending.
/// </remarks>
internal sealed record TenantUsage(Allotment Cpu, Allotment Memory, Allotment Pods, Allotment Clusters)
{
    /// <summary>Usage of <paramref name="tenant"/> given its clusters (deleted ones are skipped).</summary>
    public static TenantUsage Of(Tenant tenant, IEnumerable<Cluster> clusters)
    {
        ArgumentNullException.ThrowIfNull(tenant);
        decimal cpu = 0, memory = 0, pods = 0, count = 0;
        foreach (var cluster in clusters.Where(c => !c.IsDeleting))
        {
            var demand = Demand(cluster.Spec);
            cpu += demand.Cpu;
            memory += demand.Memory;
            pods += demand.Pods;
            count++;
        }

        return new TenantUsage(
            new Allotment(cpu, Quantity(tenant.Quota.Cpu)),
            new Allotment(memory, Quantity(tenant.Quota.Memory)),
            new Allotment(pods, tenant.Quota.MaxPods),
            new Allotment(count, tenant.Quota.MaxClusters));
    }

    /// <summary>CPU (cores), memory (bytes) and pods one cluster of <paramref name="spec"/> asks for.</summary>
    public static (decimal Cpu, decimal Memory, int Pods) Demand(ClusterSpec spec)
    {
        var demand = ClusterDemand.Of(spec);
        return (demand.Cpu, demand.Memory, demand.Pods);
    }

    /// <summary>Why a cluster of <paramref name="spec"/> would not fit, per request field, or an empty map.</summary>
    public Dictionary<string, string> WhyNotFits(ClusterSpec spec)
    {
        var (cpu, memory, pods) = Demand(spec);
        var problems = new Dictionary<string, string>(StringComparer.Ordinal);
        if (Clusters.Left < 1)
            problems["name"] = $"The tenant already has {Clusters.Used:0} clusters, its quota; delete one first.";
        if (cpu > Cpu.Left)
            problems["workerCores"] = $"Needs {cpu:0.###} CPU in all; {Cpu.Left:0.###} of {Cpu.Limit:0.###} are left.";
        if (memory > Memory.Left)
            problems["workerMemory"] = $"Needs {Bytes(memory)} in all; {Bytes(Memory.Left)} of {Bytes(Memory.Limit)} are left.";
        if (pods > Pods.Left)
            problems["workers"] = $"Needs {pods} pods; {Pods.Left:0} of {Pods.Limit:0} are left.";
        return problems;
    }

    /// <summary>Bytes as Gi/Mi, the way users write memory.</summary>
    public static string Bytes(decimal bytes) => bytes >= 1024m * 1024 * 1024
        ? $"{bytes / (1024m * 1024 * 1024):0.##}Gi"
        : $"{bytes / (1024m * 1024):0}Mi";

    private static decimal Quantity(string quantity) => KubernetesQuantity.TryParse(quantity, out var value) ? value : 0;
}
