using Microsoft.EntityFrameworkCore;
using Portal.Core.Clusters;
using Portal.Core.Data;
using Portal.Provisioning.WorkQueue;

namespace Portal.Provisioning.Reconciler;

/// <summary>
/// Queues the tenants and clusters whose row Version moved since the last poll: writes made through the API on any
/// replica (the leader's own arrive sooner, through the write signals). One narrow query per table. The first poll
/// has nothing to compare with and queues every row, as the first resync does; the queue folds the two.
/// </summary>
/// <remarks>The version maps outlive a term, so a replica that leads again queues only what moved meanwhile.</remarks>
internal sealed class DatabasePoll(IDbContextFactory<PortalDb> dbs, ProvisioningQueues queues)
{
    readonly RowVersions<Guid> _tenants = new();
    readonly RowVersions<Guid> _clusters = new();

    /// <summary>One poll.</summary>
    public async Task RunAsync(CancellationToken ct)
    {
        await using var db = await dbs.CreateDbContextAsync(ct).ConfigureAwait(false);
        var tenants = await db.Tenants.Select(t => new RowVersion<Guid>(t.Id, t.Version, t.Id)).ToListAsync(ct).ConfigureAwait(false);
        var clusters = await db.Clusters.Where(c => c.Status.Phase != ClusterPhase.Deleted)
            .Select(c => new RowVersion<Guid>(c.Id, c.Version, c.TenantId)).ToListAsync(ct).ConfigureAwait(false);
        foreach (var t in _tenants.Look(tenants).Changed)
        {
            queues.TenantChanged(t.Id);
        }

        // Rows gone from the result (Deleted clusters, removed rows) need no pass: the resync sweeps what a removed
        // row leaves behind.
        foreach (var c in _clusters.Look(clusters).Changed)
        {
            queues.ClusterChanged(c.Id);
        }
    }
}
