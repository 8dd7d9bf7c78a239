using Portal.Sandbox.Spark;

namespace Portal.Sandbox.Tests;

public sealed class SparkProcessTests
{
    [Theory]
    [InlineData("1536m", 1536)]
    [InlineData("2g", 2048)]
    [InlineData("2G", 2048)]
    [InlineData("512k", 0)]
    [InlineData("1073741824", 1024)]
    public void Spark_memory_strings_convert_to_whole_mebibytes(string text, int mb) => Assert.Equal(mb, SparkMemory.ToMb(text));
}
