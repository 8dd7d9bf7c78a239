using Portal.Core.Clusters;
using Portal.Core.Tenants;
using Portal.Testing;
using static Portal.Testing.Builders;

namespace Portal.Provisioning.Tests.Reconciler;

/// <summary>An idle portal's API calls don't grow with the number of clusters (counted, not timed).</summary>
public sealed class IdleCostTests(PostgresServer postgres)
{
    static CancellationToken Ct => TestContext.Current.CancellationToken;

    [Fact]
    public async Task A_resync_of_converged_tenants_and_clusters_costs_one_list_per_kind()
    {
        await using var h = await Harness.StartAsync(postgres);
        var tenant = await h.ATenantWithNamespaceAsync(t => t.Quota = new TenantQuota { Cpu = "1000", Memory = "4Ti", MaxPods = 1000, MaxClusters = 100 });
        var portal = h.NewPortal();
        for (var i = 0; i < 12; i++)
        {
            var cluster = await h.AddClusterAsync(ASparkCluster().Named($"idle-{i}").In(tenant).Build());
            await h.ReconcileUntilAsync(portal, cluster.Id, ClusterPhase.Running);
        }

        var counter = new KillSwitch(int.MaxValue);
        var counted = h.NewPortal(counter);
        var clusters = await counted.Resync.RunAsync(Ct);
        var tenants = await counted.TenantResync.NeedingWorkAsync(Ct);

        // 4 cluster kinds + 7 tenant kinds, and nothing to do.
        Assert.Equal((11, 0, 0), (counter.Calls, clusters.NeedingWork.Count, tenants.Count));
    }
}
