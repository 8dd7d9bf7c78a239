namespace Portal.Provisioning.Reconciler;

/// <summary>
/// How a reconcile pass over one row runs, for clusters and tenants alike: in a log scope naming the row, on a fresh
/// context of its own. An API write to the row while the pass ran (a concurrency failure on save) is no failure, just
/// a reason to look again at once.
/// </summary>
internal static partial class RowPass
{
    public static async Task<ReconcileResult> RunAsync(IDbContextFactory<PortalDb> dbs, ILogger logger, string kind, Guid id,
        Func<PortalDb, Task<ReconcileResult>> pass, CancellationToken ct)
    {
        using var scope = logger.BeginScope(new Dictionary<string, object> { [kind == "cluster" ? "ClusterId" : "TenantId"] = id });
        try
        {
            await using var db = await dbs.CreateDbContextAsync(ct).ConfigureAwait(false);
            return await pass(db).ConfigureAwait(false);
        }
        catch (DbUpdateConcurrencyException)
        {
            RowChanged(logger, kind, id);
            return ReconcileResult.After(TimeSpan.Zero);
        }
    }

    [LoggerMessage(LogLevel.Debug, "Requeued {Kind} {Id}: its row changed during the pass")]
    static partial void RowChanged(ILogger logger, string kind, Guid id);
}
