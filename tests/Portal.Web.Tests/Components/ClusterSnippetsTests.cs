using Portal.Core.Clusters;
using Portal.Testing;
using Portal.Web.Features.Clusters;

namespace Portal.Web.Tests.Components;

public sealed class ClusterSnippetsTests
{
    static readonly Uri Portal = new("https://portal.example.test/");

    static Cluster RunningCluster(bool connect) => Builders.ASparkCluster().Named("etl").WithStatus(new ClusterStatus
    {
        Phase = ClusterPhase.Running,
        MasterUrl = "spark://etl-master.spark-team.svc:7077",
        ConnectUrl = connect ? "sc://etl-connect.spark-team.svc:15002" : null,
    }).Build();

    static string Snippet(Cluster cluster, string title) =>
        Assert.Single(ClusterSnippets.For(cluster, "team", Portal), s => s.Title == title).Code;

    [Fact]
    public void The_Spark_Connect_snippet_builds_a_remote_session_on_the_sc_url()
    {
        var code = Snippet(RunningCluster(connect: true), "PySpark (Spark Connect)");

        Assert.Contains("SparkSession.builder.remote(\"sc://etl-connect.spark-team.svc:15002\").getOrCreate()", code, StringComparison.Ordinal);
    }

    [Fact]
    public void Without_Spark_Connect_there_is_no_Connect_snippet()
    {
        var snippets = ClusterSnippets.For(RunningCluster(connect: false), "team", Portal);

        Assert.DoesNotContain(snippets, s => s.Title.Contains("Connect", StringComparison.Ordinal));
    }

    [Fact]
    public void The_PySpark_master_snippet_uses_the_spark_url()
    {
        var code = Snippet(RunningCluster(connect: false), "PySpark (master)");

        Assert.Contains(".master(\"spark://etl-master.spark-team.svc:7077\")", code, StringComparison.Ordinal);
    }

    [Fact]
    public void The_Scala_snippet_uses_the_spark_url()
    {
        var code = Snippet(RunningCluster(connect: false), "Scala (master)");

        Assert.Contains(".master(\"spark://etl-master.spark-team.svc:7077\")", code, StringComparison.Ordinal);
    }

    [Fact]
    public void The_curl_snippet_reads_the_token_from_a_placeholder_variable_and_calls_the_clusters_url()
    {
        var code = Snippet(RunningCluster(connect: false), "REST (curl)");

        Assert.Equal(
            "curl -H \"Authorization: Bearer $PORTAL_TOKEN\" \\\n  https://portal.example.test/api/v1/tenants/team/clusters/etl",
            code.ReplaceLineEndings("\n"));
    }

    [Fact]
    public void The_Python_REST_snippet_reads_the_token_from_the_environment()
    {
        var code = Snippet(RunningCluster(connect: false), "REST (Python)");

        Assert.Contains("headers={\"Authorization\": f\"Bearer {os.environ['PORTAL_TOKEN']}\"}", code, StringComparison.Ordinal);
    }
}
