using Portal.Core.Clusters;

namespace Portal.Core.Tests.Clusters;

/// <summary>Tenants tune Spark, but never where it runs, who it runs as or how it is reached.</summary>
public sealed class SparkConfPolicyTests
{
    [Theory]
    [InlineData("spark.sql.shuffle.partitions", "64")]
    [InlineData("spark.eventLog.enabled", "true")]
    [InlineData("spark.executor.extraJavaOptions", "-XX:+UseG1GC")]
    public void Tuning_keys_are_allowed(string key, string value) =>
        Assert.Null(SparkConfPolicy.Problem(key, value));

    [Theory]
    [InlineData("spark.master")]
    [InlineData("spark.submit.deployMode")]
    [InlineData("spark.driver.host")]
    [InlineData("spark.driver.bindAddress")]
    [InlineData("spark.kubernetes.namespace")]
    [InlineData("spark.kubernetes.authenticate.driver.serviceAccountName")]
    [InlineData("spark.kubernetes.container.image")]
    [InlineData("spark.master.rest.enabled")]
    [InlineData("spark.authenticate")]
    [InlineData("spark.authenticate.secret")]
    [InlineData("spark.ui.reverseProxyUrl")]
    [InlineData("spark.connect.grpc.binding.port")]
    [InlineData("spark.executor.memory")]
    [InlineData("spark.executor.memoryOverhead")]
    [InlineData("spark.executor.memoryOverheadFactor")]
    [InlineData("spark.driver.memory")]
    [InlineData("spark.memory.offHeap.size")]
    [InlineData("spark.worker.preferConfiguredMasterAddress")]
    public void Keys_the_portal_owns_are_forbidden(string key) =>
        Assert.NotNull(SparkConfPolicy.Problem(key, "x"));

    [Theory]
    [InlineData("hadoop.fs.defaultFS")]
    [InlineData("spark")]
    [InlineData("spark.")]
    [InlineData("spark..master")]
    [InlineData("spark.executor memory")]
    [InlineData("SPARK.MASTER")]
    public void Keys_that_are_not_Spark_keys_are_unknown(string key) =>
        Assert.NotNull(SparkConfPolicy.Problem(key, "x"));

    [Theory]
    [InlineData("2g\nspark.master local")]
    [InlineData("2g\r")]
    [InlineData("\u0000")]
    public void Values_with_control_characters_are_refused(string value) =>
        Assert.NotNull(SparkConfPolicy.Problem("spark.app.name", value));

    [Fact]
    public void An_overlong_value_is_refused() =>
        Assert.NotNull(SparkConfPolicy.Problem("spark.app.name", new string('x', SparkConfPolicy.MaxValueLength + 1)));
}
