using Portal.Core.Clusters;
using Portal.Core.Tenants;
using Portal.Testing;

namespace Portal.Core.Tests.Clusters;

/// <summary>"Create again": the request that asks for a cluster like an earlier one, checked like any create.</summary>
public sealed class CreateAgainRequestTests
{
    private static readonly ClusterOptions Options = new();

    /// <summary>An etl cluster with every field of its spec away from the defaults, so a field the copy drops shows.</summary>
    private static Cluster AnEtlCluster()
    {
        var cluster = Builders.ASparkCluster().Named("etl").WithWorkers(5).WithConf("spark.sql.shuffle.partitions", "12").Build();
        cluster.Spec = cluster.Spec with
        {
            WorkerCores = "500m",
            WorkerMemory = "3Gi",
            MasterCores = "2",
            MasterMemory = "1536Mi",
            WorkerScratch = "5Gi",
            MasterScratch = "3Gi",
            SparkConnect = true,
            TimeToLive = TimeSpan.FromMinutes(150),
        };
        return cluster;
    }

    [Fact]
    public void Asking_for_a_cluster_again_resolves_to_the_spec_it_has()
    {
        var cluster = AnEtlCluster();

        var again = ClusterRequestValidator.Resolve(CreateClusterRequest.Repeating(cluster), Options, new TenantPolicy());

        Assert.Equivalent(cluster.Spec, again.Value, strict: true);
    }

    [Fact]
    public void Asking_again_without_a_name_keeps_the_clusters_name()
    {
        Assert.Equal("etl", CreateClusterRequest.Repeating(AnEtlCluster()).Name);
    }

    [Fact]
    public void Asking_again_under_a_new_name_takes_that_name()
    {
        Assert.Equal("etl-2", CreateClusterRequest.Repeating(AnEtlCluster(), "etl-2").Name);
    }

    [Fact]
    public void A_spec_the_tenants_policy_no_longer_allows_is_refused_when_asked_for_again()
    {
        var stricter = new TenantPolicy { MaxWorkersPerCluster = 4 };

        var again = ClusterRequestValidator.Resolve(CreateClusterRequest.Repeating(AnEtlCluster()), Options, stricter);

        Assert.Contains("workers", again.Failure!.Errors!.Keys);
    }
}
