namespace Portal.Provisioning.Reconciler;

/// <summary>
/// Queues the tenants and clusters whose row Version moved since the last poll: writes made through the API on any
/// replica (the leader's own arrive sooner, through the write signals). One narrow query for tenants; the clusters
/// come from <see cref="ClusterVersions"/>, whose read this poll shares with the UI's change loop. The first poll
/// has nothing to compare with and queues every row, as the first resync does; the queue folds the two.
/// </summary>
/// <remarks>
/// The version maps outlive a term, so a replica that leads again queues only what moved meanwhile. A cluster read
/// may be up to <c>maxClusterAge</c> old (half the poll period), so a cluster changed on another replica is queued
/// at most 1.5 poll periods later, and the leader runs one cluster query per UI look instead of one more per poll.
/// </remarks>
internal sealed class DatabasePoll(IDbContextFactory<PortalDb> dbs, ClusterVersions clusters, ProvisioningQueues queues, TimeSpan maxClusterAge)
{
    readonly RowVersions<Guid> _tenants = new();
    readonly RowVersions<Guid> _clusters = new();

    /// <summary>One poll.</summary>
    public async Task RunAsync(CancellationToken ct)
    {
        List<RowVersion<Guid>> tenants;
        await using (var db = await dbs.CreateDbContextAsync(ct).ConfigureAwait(false))
        {
            tenants = await db.Tenants.Select(t => new RowVersion<Guid>(t.Id, t.Version, t.Id)).ToListAsync(ct).ConfigureAwait(false);
        }

        var rows = await clusters.ReadAsync(maxClusterAge, ct).ConfigureAwait(false);
        foreach (var t in _tenants.Look(tenants).Changed)
        {
            queues.TenantChanged(t.Id);
        }

        // Rows gone from the result (Deleted clusters, removed rows) need no pass: the resync sweeps what a removed
        // row leaves behind.
        var live = rows.Where(c => c.Phase != ClusterPhase.Deleted).Select(c => new RowVersion<Guid>(c.Id, c.Version, c.TenantId));
        foreach (var c in _clusters.Look(live).Changed)
        {
            queues.ClusterChanged(c.Id);
        }
    }
}
