using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.DependencyInjection;
using Portal.Core.Clusters;
using Portal.Core.Tenants;
using Portal.Testing;
using Portal.Web.Features.Clusters;

namespace Portal.Web.Tests.Components;

/// <summary>The one change loop that pushes cluster changes to open pages, running in the portal on PostgreSQL.</summary>
public sealed class ClusterChangesTests(PortalApp app) : IClassFixture<PortalApp>
{
    private static readonly TimeSpan Patience = TimeSpan.FromSeconds(30);

    private async Task<ClusterChangeBatch> NextBatchWithAsync(Guid clusterId, Func<Task> change)
    {
        var changes = app.Services.GetRequiredService<ClusterChanges>();
        var seen = new TaskCompletionSource<ClusterChangeBatch>(TaskCreationOptions.RunContinuationsAsynchronously);
        void OnChanged(ClusterChangeBatch batch)
        {
            if (batch.ClusterIds.Contains(clusterId))
                seen.TrySetResult(batch);
        }

        changes.Changed += OnChanged;
        try
        {
            await change();
            return await seen.Task.WaitAsync(Patience, Xunit.TestContext.Current.CancellationToken);
        }
        finally
        {
            changes.Changed -= OnChanged;
        }
    }

    [Fact]
    public async Task A_new_cluster_is_reported_with_its_tenant()
    {
        var tenant = await app.CreateTenantAsync(("watcher", TenantRole.Member));
        var cluster = Builders.ASparkCluster().In(tenant).Build();

        var batch = await NextBatchWithAsync(cluster.Id, async () =>
        {
            await using var db = app.Db();
            db.Clusters.Add(cluster);
            await db.SaveChangesAsync(Xunit.TestContext.Current.CancellationToken);
        });

        Assert.Contains(tenant.Id, batch.TenantIds);
    }

    [Fact]
    public async Task A_status_written_by_the_reconciler_is_reported()
    {
        var tenant = await app.CreateTenantAsync(("watcher", TenantRole.Member));
        var cluster = Builders.ASparkCluster().In(tenant).Build();
        // The creation's batch first, so the next one can only be about the status change.
        await NextBatchWithAsync(cluster.Id, async () =>
        {
            await using var db = app.Db();
            db.Clusters.Add(cluster);
            await db.SaveChangesAsync(Xunit.TestContext.Current.CancellationToken);
        });

        var batch = await NextBatchWithAsync(cluster.Id, async () =>
        {
            await using var db = app.Db();
            var row = await db.Clusters.SingleAsync(c => c.Id == cluster.Id, Xunit.TestContext.Current.CancellationToken);
            row.Status = row.Status with { Phase = ClusterPhase.Running };
            await db.SaveChangesAsync(Xunit.TestContext.Current.CancellationToken);
        });

        Assert.Contains(cluster.Id, batch.ClusterIds);
    }
}
