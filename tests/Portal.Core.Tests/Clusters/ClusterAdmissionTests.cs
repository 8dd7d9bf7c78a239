using Portal.Core.Clusters;
using Portal.Core.Storage;
using Portal.Core.Tenants;
using static Portal.Testing.Builders;

namespace Portal.Core.Tests.Clusters;

/// <summary>Admission against a tenant's quota, as a pure rule: what is in use, what is asked, which limit says no.</summary>
public sealed class ClusterAdmissionTests
{
    // Default clusters: 2 workers × 1 CPU, 2Gi, master 1 CPU 1Gi, no Connect: 3 CPU, 5Gi, 3 pods.
    static Tenant TenantWith(TenantQuota quota)
    {
        var tenant = ATenant().WithSlug("team-a").Build();
        tenant.Quota = quota;
        return tenant;
    }

    static Cluster Live(Tenant tenant, ClusterPhase phase = ClusterPhase.Running, bool deleting = false)
    {
        var cluster = ASparkCluster().In(tenant).WithStatus(new ClusterStatus { Phase = phase }).Build();
        if (deleting)
            cluster.DeletionRequestedAt = DateTimeOffset.UnixEpoch;
        return cluster;
    }

    static ClusterSpec Spec(Tenant tenant, int workers = 2) => ASparkCluster().In(tenant).WithWorkers(workers).Build().Spec;

    [Fact]
    public void A_request_that_fits_is_admitted()
    {
        var tenant = TenantWith(new TenantQuota { Cpu = "6", MaxClusters = 2 });

        Assert.Null(ClusterAdmission.Check(tenant, [Live(tenant)], Spec(tenant)));
    }

    [Fact]
    public void A_create_beyond_the_cluster_count_names_the_limit_what_is_in_use_and_what_was_asked()
    {
        var tenant = TenantWith(new TenantQuota { MaxClusters = 1 });

        var refused = ClusterAdmission.Check(tenant, [Live(tenant, ClusterPhase.Starting)], Spec(tenant));

        Assert.Equal(new QuotaShortfall("clusters", "1", "1", "1"), refused?.Quota);
    }

    [Fact]
    public void A_create_beyond_the_cpu_quota_is_refused_with_the_cpu_in_use()
    {
        var tenant = TenantWith(new TenantQuota { Cpu = "5" });

        var refused = ClusterAdmission.Check(tenant, [Live(tenant)], Spec(tenant));

        Assert.Equal((FailureKind.Conflict, "quota.cpu", new QuotaShortfall("cpu", "5", "3", "3")), (refused?.Kind, refused?.Code, refused?.Quota));
    }

    [Fact]
    public void A_running_history_server_holds_its_cpu_beside_the_clusters()
    {
        var tenant = TenantWith(new TenantQuota { Cpu = "6" });
        var history = new HistoryServer { TenantId = tenant.Id, Source = new EventLogSpec("logs", null, "spark-events"), Image = "apache/spark:4.0.1", StartedBy = "alice" };

        var refused = ClusterAdmission.Check(tenant, [Live(tenant)], Spec(tenant), history: history);

        Assert.Equal(new QuotaShortfall("cpu", "6", "4", "3"), refused?.Quota);
    }

    [Fact]
    public void A_history_server_is_refused_when_the_clusters_hold_all_the_memory()
    {
        var tenant = TenantWith(new TenantQuota { Memory = "6Gi" });
        var history = new HistoryServer { TenantId = tenant.Id, Source = new EventLogSpec("logs", null, "spark-events"), Image = "apache/spark:4.0.1", StartedBy = "alice" };

        var refused = ClusterAdmission.CheckHistoryServer(tenant, [Live(tenant)], history);

        Assert.Equal(new QuotaShortfall("memory", "6Gi", "5Gi", "2Gi"), refused?.Quota);
    }

    [Fact]
    public void The_refusal_says_in_words_what_is_in_use_and_what_was_asked()
    {
        var tenant = TenantWith(new TenantQuota { Cpu = "5" });

        var refused = ClusterAdmission.Check(tenant, [Live(tenant)], Spec(tenant));

        Assert.Equal("Tenant 'team-a' has a CPU quota of 5, 3 in use by 1 cluster, and this request needs 3 more. " +
                     "Delete or shrink a cluster, or ask a platform admin for a larger quota.", refused?.Detail);
    }

    [Fact]
    public void Memory_pods_and_scratch_storage_are_counted_too()
    {
        var memory = TenantWith(new TenantQuota { Memory = "9Gi" });
        var pods = TenantWith(new TenantQuota { MaxPods = 5 });
        var storage = TenantWith(new TenantQuota { EphemeralStorage = "30Gi" });

        Assert.Equal(["memory", "pods", "ephemeralStorage"],
        [
            ClusterAdmission.Check(memory, [Live(memory)], Spec(memory))?.Quota?.Limit,
            ClusterAdmission.Check(pods, [Live(pods)], Spec(pods))?.Quota?.Limit,
            ClusterAdmission.Check(storage, [Live(storage)], Spec(storage))?.Quota?.Limit,
        ]);
    }

    [Fact]
    public void A_cluster_being_deleted_still_holds_its_resources_but_not_its_slot()
    {
        var tenant = TenantWith(new TenantQuota { Cpu = "5", MaxClusters = 1 });

        var refused = ClusterAdmission.Check(tenant, [Live(tenant, ClusterPhase.Deleting, deleting: true)], Spec(tenant));

        Assert.Equal("cpu", refused?.Quota?.Limit);
    }

    [Fact]
    public void Deleted_clusters_hold_nothing()
    {
        var tenant = TenantWith(new TenantQuota { Cpu = "3", MaxClusters = 1 });

        Assert.Null(ClusterAdmission.Check(tenant, [Live(tenant, ClusterPhase.Deleted, deleting: true)], Spec(tenant)));
    }

    [Fact]
    public void A_scale_up_counts_only_the_growth()
    {
        var tenant = TenantWith(new TenantQuota { Cpu = "4" });
        var cluster = Live(tenant);

        Assert.Equal((null, "cpu"), (
            ClusterAdmission.Check(tenant, [cluster], Spec(tenant, workers: 3), replacing: cluster)?.Quota?.Limit,
            ClusterAdmission.Check(tenant, [cluster], Spec(tenant, workers: 4), replacing: cluster)?.Quota?.Limit));
    }

    [Fact]
    public void A_scale_down_is_admitted_even_over_a_lowered_quota()
    {
        var tenant = TenantWith(new TenantQuota { Cpu = "1" });
        var cluster = Live(tenant);

        Assert.Null(ClusterAdmission.Check(tenant, [cluster], Spec(tenant, workers: 1), replacing: cluster));
    }

    [Fact]
    public void What_is_in_use_holds_the_resources_of_a_cluster_being_deleted_but_not_its_slot()
    {
        var tenant = TenantWith(new TenantQuota());

        var use = ClusterAdmission.InUse(
            [Live(tenant), Live(tenant, ClusterPhase.Deleting, deleting: true), Live(tenant, ClusterPhase.Deleted, deleting: true)]);

        Assert.Equal((1, 6m, 6), (use.Clusters, use.Demand.Cpu, use.Demand.Pods));
    }

    [Fact]
    public void Lowering_a_quota_below_what_is_in_use_says_what_that_means()
    {
        var tenant = TenantWith(new TenantQuota());

        var overruns = ClusterAdmission.Overruns(tenant.Quota, tenant.Quota with { Cpu = "4" }, ClusterAdmission.InUse([Live(tenant), Live(tenant)]));

        Assert.Equal("This tenant uses 6 CPU now; running clusters keep running, new clusters will be refused until usage falls below 4 CPU.",
            Assert.Single(overruns).Message);
    }

    [Fact]
    public void A_limit_already_below_what_is_in_use_and_left_as_it_was_is_not_named_again()
    {
        var tenant = TenantWith(new TenantQuota { Cpu = "4" });

        var overruns = ClusterAdmission.Overruns(tenant.Quota, tenant.Quota with { MaxClusters = 5 }, ClusterAdmission.InUse([Live(tenant), Live(tenant)]));

        Assert.Empty(overruns);
    }
}
