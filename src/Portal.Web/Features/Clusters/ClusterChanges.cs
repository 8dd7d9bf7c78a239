using System.ComponentModel.DataAnnotations;

namespace Portal.Web.Features.Clusters;

/// <summary>How often <see cref="ClusterChanges"/> looks for changed clusters; section "Ui:ClusterChanges".</summary>
internal sealed class ClusterChangesOptions
{
    public const string Section = "Ui:ClusterChanges";

    /// <summary>
    /// Delay between two looks at the database. A look may reuse a read up to half this old (the provisioning poll's,
    /// on the leader), so a phase chip is at most 1.5 times this late.
    /// </summary>
    [Range(100, 60_000)]
    public int PollMilliseconds { get; init; } = 1000;
}

/// <summary>Clusters whose row changed since the previous look, by tenant.</summary>
/// <param name="TenantIds">Tenants with at least one changed cluster.</param>
/// <param name="ClusterIds">The changed clusters (created, changed by a user or by the reconciler).</param>
internal sealed record ClusterChangeBatch(IReadOnlySet<Guid> TenantIds, IReadOnlySet<Guid> ClusterIds);

/// <summary>
/// Tells open pages which clusters changed, so phase chips move without a reload and without a poll per page or row.
/// </summary>
/// <remarks>
/// ONE loop per portal process reads (id, tenant, version) of every cluster and compares it with the previous look.
/// It reads the database rather than hooking the reconciler because the reconciler may run in another replica
/// (only the Lease holder reconciles), and every write, the reconciler's included, bumps <c>Version</c>. The read
/// comes from <see cref="ClusterVersions"/>, which the leader's provisioning poll shares: each keeps its own version
/// map and cadence, and accepts a read at most half its own period old.
/// REVIEW: the read costs one narrow scan over all clusters (no index covers its four columns); past tens of
/// thousands of rows, PostgreSQL LISTEN/NOTIFY from a trigger would be cheaper.
/// </remarks>
internal sealed partial class ClusterChanges(
    ClusterVersions clusterVersions,
    IOptions<ClusterChangesOptions> options,
    TimeProvider time,
    ILogger<ClusterChanges> logger) : BackgroundService
{
    // Tagged with the cluster's tenant, so a deleted row still names the tenant whose pages show it.
    private readonly RowVersions<Guid> _versions = new();

    /// <summary>
    /// Raised on the polling thread after each look that found changes. Handlers must return quickly and
    /// marshal to their own renderer (<c>InvokeAsync</c>); an exception in one handler doesn't stop the others.
    /// </summary>
    public event Action<ClusterChangeBatch>? Changed;

    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        var delay = TimeSpan.FromMilliseconds(options.Value.PollMilliseconds);
        while (!stoppingToken.IsCancellationRequested)
        {
            try
            {
                await LookAsync(stoppingToken);
            }
            catch (Exception exception) when (exception is not OperationCanceledException)
            {
                // An unreachable database is reported by /readyz; the chips just stop moving until it is back.
                LookFailed(logger, exception);
            }

            try
            {
                await Task.Delay(delay, time, stoppingToken);
            }
            catch (OperationCanceledException)
            {
                return;
            }
        }
    }

    /// <summary>Compares the current versions with the previous look and raises <see cref="Changed"/> for the difference.</summary>
    internal async Task LookAsync(CancellationToken ct)
    {
        var rows = await clusterVersions.ReadAsync(TimeSpan.FromMilliseconds(options.Value.PollMilliseconds) / 2, ct);
        var look = _versions.Look(rows.Select(c => new RowVersion<Guid>(c.Id, c.Version, c.TenantId)));
        // The first look has nothing to compare with; open pages loaded what it saw.
        if (look.IsFirstLook)
            return;

        var moved = look.Changed.Concat(look.Gone).ToList();
        var tenants = moved.Select(r => r.Tag).ToHashSet();
        var clusters = moved.Select(r => r.Id).ToHashSet();
        if (clusters.Count == 0 || Changed is not { } changed)
            return;

        var batch = new ClusterChangeBatch(tenants, clusters);
        foreach (var handler in changed.GetInvocationList().Cast<Action<ClusterChangeBatch>>())
        {
            try
            {
                handler(batch);
            }
            catch (Exception exception)
            {
                HandlerFailed(logger, exception);
            }
        }
    }

    [LoggerMessage(LogLevel.Warning, "Failed to look for changed clusters")]
    static partial void LookFailed(ILogger logger, Exception exception);

    [LoggerMessage(LogLevel.Error, "Failed to notify a page of changed clusters")]
    static partial void HandlerFailed(ILogger logger, Exception exception);
}
