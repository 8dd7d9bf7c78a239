using Portal.Core.Clusters;
using Portal.Testing;
using static Portal.Testing.Builders;

namespace Portal.Provisioning.Tests.Reconciler;

/// <summary>The embedded default stores rows in SQLite: the reconciler's queries must work there too.</summary>
public sealed class SqliteReconcileTests
{
    [Fact]
    public async Task On_sqlite_a_cluster_runs_and_is_deleted()
    {
        await using var sqlite = SqliteDatabase.Create();
        await using var h = await Harness.StartOnSqliteAsync(sqlite);
        var tenant = await h.ATenantWithNamespaceAsync();
        var cluster = await h.AddClusterAsync(ASparkCluster().In(tenant).Build());
        var portal = h.NewPortal();
        await h.ReconcileUntilAsync(portal, cluster.Id, ClusterPhase.Running);
        await h.UpdateClusterAsync(cluster.Id, c => c.DeletionRequestedAt = h.Time.GetUtcNow());

        await h.ReconcileUntilAsync(portal, cluster.Id, ClusterPhase.Deleted);

        Assert.Empty(await ClusterReconcilerTests.ResourceVersionsAsync(h, tenant.Namespace, cluster.Id));
    }
}
