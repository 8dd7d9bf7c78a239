using Portal.Core.Clusters;

namespace Portal.Core.Tests.Clusters;

/// <summary>The memory budget against Spark's own rules (docs/spark.md, "Memory").</summary>
public sealed class SparkMemoryTests
{
    [Theory]
    [InlineData(2048, 1142, 457)]
    [InlineData(4096, 2605, 1042)]
    [InlineData(1344, 512, 384)]
    public void A_worker_container_is_split_between_daemon_and_one_executor(long container, long heap, long overhead)
    {
        var worker = SparkMemory.Worker(container);

        Assert.Equal((heap, overhead), (worker.Executor.HeapMiB, worker.Executor.OverheadMiB));
    }

    [Fact]
    public void The_smallest_worker_gives_its_executor_more_heap_than_spark_refuses()
    {
        Assert.True(SparkMemory.Worker(SparkMemory.MinWorkerMiB).Executor.HeapMiB > SparkMemory.SparkMinimumHeapMiB);
    }

    [Theory]
    [InlineData(100)]
    [InlineData(383)]
    [InlineData(384)]
    [InlineData(1000)]
    public void The_overhead_is_the_larger_of_384_mib_and_the_factor(long heap)
    {
        Assert.Equal(Math.Max(384, (long)Math.Ceiling(heap * 0.1)), SparkMemory.Overhead(heap, 0.10m));
    }

    [Fact]
    public void Every_worker_size_fits_in_its_container()
    {
        for (var container = SparkMemory.MinWorkerMiB; container <= 64 * 1024; container += 37)
        {
            var worker = SparkMemory.Worker(container);
            Assert.True(worker.Daemon.TotalMiB + worker.Executor.TotalMiB <= container, $"{container} MiB");
        }
    }

    [Fact]
    public void Every_connect_size_fits_in_its_container()
    {
        for (var container = SparkMemory.MinConnectMiB; container <= 64 * 1024; container += 37)
            Assert.True(SparkMemory.ConnectDriver(container).TotalMiB <= container, $"{container} MiB");
    }

    [Theory]
    [InlineData("2Gi", 2048)]
    [InlineData("1536Mi", 1536)]
    [InlineData("1G", 953)]
    [InlineData("nonsense", 0)]
    public void Container_sizes_are_read_as_whole_mib(string quantity, long mib)
    {
        Assert.Equal(mib, SparkMemory.ContainerMiB(quantity));
    }
}
