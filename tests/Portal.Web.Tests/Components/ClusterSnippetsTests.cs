using Portal.Core.Clusters;
using Portal.Testing;
using Portal.Web.Features.Clusters;
using Portal.Web.Features.Gateway;

namespace Portal.Web.Tests.Components;

public sealed class ClusterSnippetsTests
{
    static readonly Uri Portal = new("https://portal.example.test/");

    static Cluster RunningCluster(bool connect)
    {
        var cluster = Builders.ASparkCluster().Named("etl").WithStatus(new ClusterStatus
        {
            Phase = ClusterPhase.Running,
            MasterUrl = "spark://etl-master.spark-team.svc:7077",
            ConnectUrl = connect ? "sc://etl-connect.spark-team.svc:15002" : null,
        }).Build();
        cluster.Spec = cluster.Spec with { SparkConnect = connect };
        return cluster;
    }

    static readonly ConnectView Gateway = new(
        "sc://portal.example.test:443/;use_ssl=true;token=<personal access token>;x-spark-portal-cluster=team%2Fetl",
        "portal.example.test", 443, true, "x-spark-portal-cluster", "team/etl", "4.0.3", "sc://etl-connect.spark-team.svc:15002", true);

    static string Snippet(Cluster cluster, string title) =>
        Assert.Single(ClusterSnippets.For(cluster, "team", Portal, cluster.Status.ConnectUrl is not null ? Gateway : null), s => s.Title == title).Code;

    [Fact]
    public void The_first_snippet_installs_the_served_sparkportal_package_and_connects_with_one_call()
    {
        var first = ClusterSnippets.For(RunningCluster(connect: true), "team", Portal, Gateway)[0];

        Assert.Equal("sparkportal (Python)", first.Title);
        var lines = first.Code.ReplaceLineEndings("\n").Split('\n');
        Assert.Equal($"%pip install https://portal.example.test/downloads/sparkportal-{SparkPortalPackage.Version}.tar.gz", lines[0]);
        Assert.Contains("spark = sparkportal.connect(\"etl\", tenant=\"team\", url=\"https://portal.example.test/\")", lines);
    }

    [Fact]
    public void The_Spark_Connect_snippet_builds_a_remote_session_through_the_gateway_with_the_token_from_the_environment()
    {
        var code = Snippet(RunningCluster(connect: true), "PySpark (Spark Connect)");

        Assert.Contains(
            "SparkSession.builder.remote(f\"sc://portal.example.test:443/;use_ssl=true;token={os.environ['PORTAL_TOKEN']};x-spark-portal-cluster=team%2Fetl\").getOrCreate()",
            code, StringComparison.Ordinal);
    }

    [Fact]
    public void The_Spark_Connect_snippet_says_which_pyspark_to_install()
    {
        var code = Snippet(RunningCluster(connect: true), "PySpark (Spark Connect)");

        Assert.StartsWith("# pip install \"pyspark[connect]==4.0.3\"", code, StringComparison.Ordinal);
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
        var code = Snippet(RunningCluster(connect: false), "PySpark (master, in the namespace)");

        Assert.Contains(".master(\"spark://etl-master.spark-team.svc:7077\")", code, StringComparison.Ordinal);
    }

    [Fact]
    public void The_Scala_snippet_uses_the_spark_url()
    {
        var code = Snippet(RunningCluster(connect: false), "Scala (master, in the namespace)");

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
