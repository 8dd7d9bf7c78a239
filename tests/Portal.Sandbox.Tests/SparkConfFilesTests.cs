using Portal.Sandbox.Spark;

namespace Portal.Sandbox.Tests;

/// <summary>spark-defaults.conf is read as java.util.Properties reads it (Utils.getPropertiesFromFile).</summary>
public sealed class SparkConfFilesTests
{
    [Fact]
    public void Properties_are_read_with_every_separator_comments_continuations_and_escapes()
    {
        var conf = JavaProperties.Parse("""
            # a comment
            ! another
            spark.a=1
            spark.b : 2
            spark.c   3
            spark.d=one \
                two
            spark.e=tab\there\u0021
            spark.f\=g=h
            """);

        Assert.Equal(
            new Dictionary<string, string> { ["spark.a"] = "1", ["spark.b"] = "2", ["spark.c"] = "3", ["spark.d"] = "one two", ["spark.e"] = "tab\there!", ["spark.f=g"] = "h" },
            conf);
    }

    [Fact]
    public void Jvm_options_give_their_spark_system_properties()
    {
        var conf = SparkConfFiles.SystemProperties("-Xmx1g -Dspark.ui.reverseProxy=true", "-Dspark.worker.cleanup.enabled=true -Dother=x");

        Assert.Equal(new Dictionary<string, string> { ["spark.ui.reverseProxy"] = "true", ["spark.worker.cleanup.enabled"] = "true" }, conf);
    }
}
