using Microsoft.Extensions.Hosting;
using Portal.Core;

namespace Portal.Provisioning.Reconciler;

/// <summary>
/// The provisioning controller as a hosted service. Replicas elect a leader (<see cref="ProvisioningLease"/>); only
/// the leader watches, polls and reconciles, so two replicas never do the same work. The leader feeds the queues
/// from watches on labelled objects (<see cref="ManagedObjectWatches"/>), <see cref="ClusterWrites"/> and
/// <see cref="TenantWrites"/> (API writes made in this process, at once), a short database poll
/// (<see cref="DatabasePoll"/>: API writes made on any replica), and a periodic full resync with an orphan sweep.
/// </summary>
public sealed partial class ProvisioningService(KubernetesConnection connection, KubernetesApi kube, ProvisioningQueues queues,
    ClusterWrites writes, TenantWrites tenantWrites, ClusterReconciler clusters, TenantReconciler tenants, ClusterResync resync,
    TenantResync tenantResync, IDbContextFactory<PortalDb> dbs, ClusterVersions clusterVersions, IOptions<KubernetesOptions> options,
    TimeProvider time, ILogger<ProvisioningService> logger) : BackgroundService
{
    readonly KubernetesOptions _options = options.Value;
    readonly ProvisioningLease _lease = new(kube.Client, options.Value, NewIdentity(), time, logger);
    // Half the poll period: the poll mostly reuses the UI loop's latest read, and still compares every PollSeconds.
    readonly DatabasePoll _poll = new(dbs, clusterVersions, queues, TimeSpan.FromSeconds(options.Value.PollSeconds) / 2);
    readonly ManagedObjectWatches _watches = new(kube.Client, queues, time, logger);

    /// <summary>This replica's name in the Lease, unique per instance.</summary>
    public string Identity => _lease.Identity;

    /// <summary>Whether this replica currently holds the Lease and does the work.</summary>
    public bool IsLeader => _lease.IsLeader;

    /// <inheritdoc/>
    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        await PortalNamespace.EnsureAsync(kube, _options.PortalNamespace, connection.Mode, time, logger, stoppingToken).ConfigureAwait(false);
        await _lease.RunAsync(LeadAsync, stoppingToken).ConfigureAwait(false);
    }

    /// <summary>One term as leader: everything stops when <paramref name="ct"/> does.</summary>
    async Task LeadAsync(CancellationToken ct)
    {
        clusters.ForgetObservations();
        var (watching, listed) = _watches.Start(ct);
        Task[] tasks =
        [
            watching,
            ForwardWritesAsync(writes, queues.ClusterChanged, ct),
            ForwardWritesAsync(tenantWrites, queues.TenantChanged, ct),
            ReconcileOnceListedAsync(listed, ct),
        ];
        await Task.WhenAll(tasks).ConfigureAwait(ConfigureAwaitOptions.SuppressThrowing);
    }

    /// <summary>
    /// The reconcile loops, the resync and the poll, once every watch has listed, as a controller waits for its
    /// informers' caches: an object the portal wrote and someone then changed before its watch had listed would go
    /// unseen until the next resync, minutes later. Queued work waits meanwhile.
    /// </summary>
    async Task ReconcileOnceListedAsync(Task listed, CancellationToken ct)
    {
        await listed.WaitAsync(ct).ConfigureAwait(ConfigureAwaitOptions.SuppressThrowing);
        if (ct.IsCancellationRequested)
        {
            return;
        }

        var clusterLoop = new ReconcileLoop<Guid>("cluster", queues.Clusters, clusters.ReconcileAsync, logger, clusters.LookAsync);
        var tenantLoop = new ReconcileLoop<Guid>("tenant", queues.Tenants, tenants.ReconcileAsync, logger);
        var resynced = false;
        await Task.WhenAll(
            clusterLoop.RunAsync(_options.Workers, ct),
            tenantLoop.RunAsync(Math.Max(1, _options.Workers / 2), ct),
            EveryAsync("resync", TimeSpan.FromSeconds(_options.ResyncSeconds), async c =>
            {
                await ResyncAsync(first: !resynced, c).ConfigureAwait(false);
                resynced = true;
            }, ct),
            EveryAsync("poll", TimeSpan.FromSeconds(_options.PollSeconds), _poll.RunAsync, ct)).ConfigureAwait(ConfigureAwaitOptions.SuppressThrowing);
    }

    /// <summary>
    /// The safety net under watches. The <paramref name="first"/> run of a term queues every live tenant and
    /// cluster, so a new portal version re-applies its manifests everywhere; later runs queue only the tenants and
    /// clusters <see cref="TenantResync"/> and <see cref="ClusterResync"/> find out of step, and sweep orphans.
    /// </summary>
    async Task ResyncAsync(bool first, CancellationToken ct)
    {
        if (first)
        {
            await using var db = await dbs.CreateDbContextAsync(ct).ConfigureAwait(false);
            foreach (var id in await db.Tenants.Select(t => t.Id).ToListAsync(ct).ConfigureAwait(false))
            {
                queues.TenantChanged(id);
            }

            foreach (var id in await db.Clusters.Where(c => c.Status.Phase != ClusterPhase.Deleted).Select(c => c.Id).ToListAsync(ct).ConfigureAwait(false))
            {
                queues.ClusterChanged(id);
            }
        }
        else
        {
            foreach (var id in await tenantResync.NeedingWorkAsync(ct).ConfigureAwait(false))
            {
                queues.TenantChanged(id);
            }
        }

        // Runs every time, the first included: it is also the orphan sweep.
        var report = await resync.RunAsync(ct).ConfigureAwait(false);
        if (!first)
        {
            foreach (var id in report.NeedingWork)
            {
                queues.ClusterChanged(id);
            }
        }
    }

    /// <summary>
    /// Queues the rows written through this process's API (<see cref="ClusterWrites"/>, <see cref="TenantWrites"/>)
    /// for as long as this replica leads; without it a new or changed cluster or tenant would wait for the next
    /// database poll.
    /// </summary>
    static async Task ForwardWritesAsync(WriteSignal writes, Action<Guid> queue, CancellationToken ct)
    {
        try
        {
            await foreach (var id in writes.ReadAllAsync(ct).ConfigureAwait(false))
            {
                queue(id);
            }
        }
        catch (OperationCanceledException) when (ct.IsCancellationRequested)
        {
            // Leadership lost or shutting down: the next leader's resync and poll cover what is left unread.
        }
    }

    async Task EveryAsync(string what, TimeSpan interval, Func<CancellationToken, Task> action, CancellationToken ct)
    {
        while (!ct.IsCancellationRequested)
        {
            try
            {
                await action(ct).ConfigureAwait(false);
            }
            catch (OperationCanceledException) when (ct.IsCancellationRequested)
            {
                return;
            }
            catch (Exception ex)
            {
                PeriodicFailed(logger, ex, what);
            }

            await Quietly.DelayAsync(interval, time, ct).ConfigureAwait(false);
        }
    }

    [LoggerMessage(LogLevel.Warning, "Periodic {What} failed")]
    static partial void PeriodicFailed(ILogger logger, Exception ex, string what);

    static string NewIdentity() => $"{Environment.MachineName[..Math.Min(30, Environment.MachineName.Length)]}-{Guid.NewGuid():N}";
}
