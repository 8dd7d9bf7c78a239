namespace Portal.Core.Clusters;

/// <summary>Memory of one JVM: its heap (-Xmx), what it uses beyond the heap, and its direct-buffer cap.</summary>
/// <param name="HeapMiB">Java heap.</param>
/// <param name="OverheadMiB">Everything outside the heap the JVM and its children use (metaspace, threads, Netty, Python workers).</param>
/// <param name="DirectMiB">-XX:MaxDirectMemorySize, within the overhead, so Netty fails in the JVM instead of the kernel killing the container.</param>
public readonly record struct JvmMemory(long HeapMiB, long OverheadMiB, long DirectMiB)
{
    /// <summary>Heap plus overhead: what the JVM may take of its container.</summary>
    public long TotalMiB => HeapMiB + OverheadMiB;
}

/// <summary>How a worker container's memory is split: the Worker daemon, and the one executor it runs.</summary>
/// <param name="Daemon">The Worker daemon (SPARK_DAEMON_MEMORY).</param>
/// <param name="Executor">The executor (spark.executor.memory and its overhead); SPARK_WORKER_MEMORY is its heap.</param>
public readonly record struct WorkerMemory(JvmMemory Daemon, JvmMemory Executor);

/// <summary>
/// The memory budget of every Spark JVM in a cluster, so that no container is killed for exceeding its limit and no
/// JVM is refused by Spark for having too little. Facts and their sources are in docs/spark.md ("Memory").
/// </summary>
public static class SparkMemory
{
    const long MiB = 1024 * 1024;

    /// <summary>
    /// Spark refuses an executor or driver whose heap is below 450 MiB: 1.5 × the 300 MiB it reserves
    /// (UnifiedMemoryManager: RESERVED_SYSTEM_MEMORY_BYTES, INVALID_EXECUTOR_MEMORY / INVALID_DRIVER_MEMORY).
    /// </summary>
    public const long SparkMinimumHeapMiB = 450;

    /// <summary>
    /// The least heap the portal gives an executor or driver: above Spark's 450 MiB because the JVM reports a
    /// max memory a little below -Xmx (one survivor space), and Spark checks the reported figure.
    /// </summary>
    public const long MinHeapMiB = 512;

    /// <summary>Spark's floor for spark.executor.memoryOverhead and spark.driver.memoryOverhead (MEMORY_OVERHEAD_MIN_MIB).</summary>
    public const long MinOverheadMiB = 384;

    /// <summary>
    /// Executor overhead factor: Spark's non-JVM factor (0.4) rather than its JVM default (0.1), because portal users
    /// run PySpark, whose Python workers live beside the executor in the same container.
    /// </summary>
    public const decimal ExecutorOverheadFactor = 0.40m;

    /// <summary>Driver (Connect server) overhead factor: Spark's default; the Python client runs in the notebook.</summary>
    public const decimal DriverOverheadFactor = 0.10m;

    /// <summary>Heap of a Worker daemon: it only launches and watches executors.</summary>
    public const long WorkerDaemonHeapMiB = 256;

    /// <summary>Least heap of a Master daemon.</summary>
    public const long MinMasterHeapMiB = 256;

    /// <summary>
    /// What a daemon (Master, Worker) uses beyond its heap: metaspace, code cache, thread stacks and a 32 MiB direct
    /// cap. The portal's own allowance; daemons run no user code, so Spark's 384 MiB executor floor is not needed.
    /// </summary>
    public const long DaemonOverheadMiB = 192;

    const long DaemonDirectMiB = 32;

    /// <summary>The smallest worker container: a daemon plus an executor of <see cref="MinHeapMiB"/>.</summary>
    public static long MinWorkerMiB => WorkerDaemonHeapMiB + DaemonOverheadMiB + MinHeapMiB + Overhead(MinHeapMiB, ExecutorOverheadFactor);

    /// <summary>The smallest master container: a daemon of <see cref="MinMasterHeapMiB"/>.</summary>
    public static long MinMasterMiB => MinMasterHeapMiB + DaemonOverheadMiB;

    /// <summary>The smallest Connect server container (sized like the master): a driver of <see cref="MinHeapMiB"/>.</summary>
    public static long MinConnectMiB => MinHeapMiB + Overhead(MinHeapMiB, DriverOverheadFactor);

    /// <summary>The container size, in whole MiB (rounded down), of a Kubernetes memory quantity; 0 when it doesn't parse.</summary>
    public static long ContainerMiB(string quantity) =>
        KubernetesQuantity.TryParse(quantity, out var bytes) && bytes > 0 ? (long)Math.Min(decimal.Floor(bytes / MiB), long.MaxValue / 4) : 0;

    /// <summary>A worker container of <paramref name="containerMiB"/> split between daemon and executor.</summary>
    /// <remarks>Below <see cref="MinWorkerMiB"/> the executor gets the minimum anyway: validation refuses such sizes first.</remarks>
    public static WorkerMemory Worker(long containerMiB)
    {
        var daemon = new JvmMemory(WorkerDaemonHeapMiB, DaemonOverheadMiB, DaemonDirectMiB);
        return new WorkerMemory(daemon, Fit(containerMiB - daemon.TotalMiB, ExecutorOverheadFactor));
    }

    /// <summary>The Master daemon in a container of <paramref name="containerMiB"/>.</summary>
    public static JvmMemory Master(long containerMiB) =>
        new(Math.Max(MinMasterHeapMiB, containerMiB - DaemonOverheadMiB), DaemonOverheadMiB, DaemonDirectMiB);

    /// <summary>The Connect server's driver in a container of <paramref name="containerMiB"/>.</summary>
    public static JvmMemory ConnectDriver(long containerMiB) => Fit(containerMiB, DriverOverheadFactor);

    /// <summary>Spark's overhead rule: max(384 MiB, factor × heap).</summary>
    public static long Overhead(long heapMiB, decimal factor) =>
        Math.Max(MinOverheadMiB, (long)decimal.Ceiling(heapMiB * factor));

    // The largest heap h with h + max(384, factor·h) <= available: while the floor dominates, h = available - 384;
    // beyond it, h = available / (1 + factor), stepped down by the rounding of the ceiling.
    static JvmMemory Fit(long availableMiB, decimal factor)
    {
        var heap = availableMiB - MinOverheadMiB <= MinOverheadMiB / factor
            ? availableMiB - MinOverheadMiB
            : (long)decimal.Floor(availableMiB / (1 + factor));
        while (heap > MinHeapMiB && heap + Overhead(heap, factor) > availableMiB)
            heap--;
        heap = Math.Max(MinHeapMiB, heap);
        var overhead = Overhead(heap, factor);
        return new JvmMemory(heap, overhead, overhead / 2);
    }
}
