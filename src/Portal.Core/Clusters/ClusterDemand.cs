namespace Portal.Core.Clusters;

/// <summary>What one cluster asks Kubernetes for: CPU cores, memory bytes and pods.</summary>
/// <param name="Cpu">CPU cores requested by all of the cluster's pods.</param>
/// <param name="Memory">Memory bytes requested by all of the cluster's pods.</param>
/// <param name="Pods">Pods the cluster runs.</param>
public readonly record struct ClusterDemand(decimal Cpu, decimal Memory, int Pods)
{
    /// <summary>
    /// The demand of a cluster of <paramref name="spec"/>, counted the way the namespace's ResourceQuota counts it:
    /// a master, the workers and, with Spark Connect, a Connect server sized like the master.
    /// </summary>
    /// <remarks>A quantity that doesn't parse counts as zero; requests are validated before they are stored.</remarks>
    public static ClusterDemand Of(ClusterSpec spec)
    {
        ArgumentNullException.ThrowIfNull(spec);
        var drivers = spec.SparkConnect ? 2 : 1;
        return new ClusterDemand(
            drivers * Quantity(spec.MasterCores) + spec.Workers * Quantity(spec.WorkerCores),
            drivers * Quantity(spec.MasterMemory) + spec.Workers * Quantity(spec.WorkerMemory),
            drivers + spec.Workers);
    }

    static decimal Quantity(string quantity) => KubernetesQuantity.TryParse(quantity, out var value) ? value : 0;
}
