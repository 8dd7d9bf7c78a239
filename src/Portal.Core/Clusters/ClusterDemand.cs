namespace Portal.Core.Clusters;

/// <summary>What one cluster asks Kubernetes for: CPU cores, memory bytes, pods and ephemeral-storage bytes.</summary>
/// <param name="Cpu">CPU cores requested by all of the cluster's pods.</param>
/// <param name="Memory">Memory bytes requested by all of the cluster's pods.</param>
/// <param name="Pods">Pods the cluster runs.</param>
/// <param name="EphemeralStorage">Ephemeral-storage bytes requested by all of the cluster's pods.</param>
public readonly record struct ClusterDemand(decimal Cpu, decimal Memory, int Pods, decimal EphemeralStorage = 0)
{
    /// <summary>
    /// What a Spark container writes outside its scratch emptyDir: its logs and the image's writable layer
    /// (the JVM's hs_err files, /opt/spark/work-dir). Counted in its ephemeral-storage request on top of the scratch.
    /// </summary>
    public const long LogsMiB = 512;

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
            drivers + spec.Workers,
            (drivers * PodEphemeralStorageMiB(spec.MasterScratch) + spec.Workers * PodEphemeralStorageMiB(spec.WorkerScratch)) * 1024m * 1024);
    }

    /// <summary>
    /// The demand of a tenant's history server: one pod of its cores and memory, with
    /// <see cref="Storage.HistoryServer.EphemeralStorage"/> of ephemeral storage.
    /// </summary>
    public static ClusterDemand Of(Storage.HistoryServer server)
    {
        ArgumentNullException.ThrowIfNull(server);
        return new ClusterDemand(Quantity(server.Cores), Quantity(server.Memory), 1, Quantity(Storage.HistoryServer.EphemeralStorage));
    }

    /// <summary>The sum of two demands.</summary>
    public static ClusterDemand operator +(ClusterDemand a, ClusterDemand b) =>
        new(a.Cpu + b.Cpu, a.Memory + b.Memory, a.Pods + b.Pods, a.EphemeralStorage + b.EphemeralStorage);

    /// <summary>The ephemeral-storage request (and limit) of one Spark pod whose scratch space is <paramref name="scratch"/>, in MiB.</summary>
    public static long PodEphemeralStorageMiB(string scratch) => SparkMemory.ContainerMiB(scratch) + LogsMiB;

    static decimal Quantity(string quantity) => KubernetesQuantity.TryParse(quantity, out var value) ? value : 0;
}
