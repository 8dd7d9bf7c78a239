namespace Portal.Core.Data;

/// <summary>One cluster row as the polls see it.</summary>
/// <param name="Id">The cluster's id.</param>
/// <param name="Version">The row's concurrency token, bumped by every write.</param>
/// <param name="TenantId">The cluster's tenant.</param>
/// <param name="Phase">The cluster's phase, so a poll can leave out Deleted rows without a query of its own.</param>
public readonly record struct ClusterVersion(Guid Id, long Version, Guid TenantId, ClusterPhase Phase);

/// <summary>
/// The one reader of every cluster's (id, version, tenant, phase) in a process, shared by the polls that compare
/// them (the UI's change loop on every replica, the provisioning poll on the leader). Each poll keeps its own
/// <see cref="RowVersions{TTag}"/> and cadence and asks for a read no older than it can accept, so on the leader one
/// query serves both.
/// </summary>
/// <remarks>
/// A read's age counts from when its query started, on the injected <see cref="TimeProvider"/>. Callers that ask
/// while a read young enough is in flight wait for it rather than starting another (single flight). A failed read
/// is never reused: the next caller reads anew. Safe to call from any thread.
/// </remarks>
public sealed class ClusterVersions(IDbContextFactory<PortalDb> contexts, TimeProvider time)
{
    readonly Lock _lock = new();
    Read? _latest;

    sealed record Read(DateTimeOffset StartedAt, Task<IReadOnlyList<ClusterVersion>> Rows);

    /// <summary>
    /// Every cluster row, Deleted ones included, from a read that started at most <paramref name="maxAge"/> ago
    /// (the latest one, or one started now).
    /// </summary>
    /// <param name="maxAge">The oldest read the caller accepts; half its own poll period keeps it close to its own cadence.</param>
    /// <param name="ct">Stops this caller's wait; a read other callers share goes on.</param>
    public Task<IReadOnlyList<ClusterVersion>> ReadAsync(TimeSpan maxAge, CancellationToken ct)
    {
        Read read;
        lock (_lock)
        {
            var now = time.GetUtcNow();
            if (_latest is not { } latest || latest.Rows is { IsFaulted: true } or { IsCanceled: true } || now - latest.StartedAt > maxAge)
            {
                // Task.Run: the query starts outside the lock and outside the caller's synchronisation context.
                latest = new Read(now, Task.Run(() => QueryAsync(), CancellationToken.None));
                _latest = latest;
            }

            read = latest;
        }

        return read.Rows.WaitAsync(ct);
    }

    // No caller's token: one caller giving up must not fail the read the others wait for. The command timeout
    // bounds a read nobody waits for any more.
    async Task<IReadOnlyList<ClusterVersion>> QueryAsync()
    {
        await using var db = await contexts.CreateDbContextAsync(CancellationToken.None).ConfigureAwait(false);
        var rows = await db.Clusters.AsNoTracking()
            .Select(c => new ClusterVersion(c.Id, c.Version, c.TenantId, c.Status.Phase))
            .ToListAsync(CancellationToken.None).ConfigureAwait(false);
        return rows.AsReadOnly();
    }
}
