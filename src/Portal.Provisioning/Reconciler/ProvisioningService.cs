using System.Net;
using k8s;
using k8s.Autorest;
using k8s.LeaderElection;
using k8s.LeaderElection.ResourceLock;
using k8s.Models;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;
using Portal.Core;
using Portal.Core.Clusters;
using Portal.Core.Data;
using Portal.Core.Tenants;
using Portal.Provisioning.Kubernetes;
using Portal.Provisioning.Manifests;
using Portal.Provisioning.WorkQueue;

namespace Portal.Provisioning.Reconciler;

/// <summary>
/// The provisioning controller as a hosted service. Replicas elect a leader with a coordination.k8s.io Lease in
/// the portal's namespace; only the leader watches, polls and reconciles, so two replicas never do the same work.
/// The leader feeds the queues from watches on labelled objects, <see cref="ClusterWrites"/> and
/// <see cref="TenantWrites"/> (API writes made in this process, at once), a short database poll (API writes made on any replica), and a periodic full resync with
/// an orphan sweep.
/// </summary>
public sealed partial class ProvisioningService : BackgroundService
{
    readonly KubernetesConnection _connection;
    readonly KubernetesApi _kube;
    readonly ProvisioningQueues _queues;
    readonly ClusterWrites _writes;
    readonly TenantWrites _tenantWrites;
    readonly ClusterReconciler _clusters;
    readonly TenantReconciler _tenants;
    readonly ClusterResync _resync;
    readonly TenantResync _tenantResync;
    readonly IDbContextFactory<PortalDb> _dbs;
    readonly KubernetesOptions _options;
    readonly TimeProvider _time;
    readonly ILogger<ProvisioningService> _logger;
    readonly Dictionary<Guid, long> _seenClusters = [];
    readonly Dictionary<Guid, long> _seenTenants = [];
    volatile bool _isLeader;
    bool _resynced;

    /// <summary>Creates the service; <see cref="Identity"/> is unique per process.</summary>
    public ProvisioningService(KubernetesConnection connection, KubernetesApi kube, ProvisioningQueues queues, ClusterWrites writes,
        TenantWrites tenantWrites, ClusterReconciler clusters, TenantReconciler tenants, ClusterResync resync, TenantResync tenantResync, IDbContextFactory<PortalDb> dbs,
        IOptions<KubernetesOptions> options, TimeProvider time, ILogger<ProvisioningService> logger)
    {
        ArgumentNullException.ThrowIfNull(options);
        _connection = connection;
        _kube = kube;
        _queues = queues;
        _writes = writes;
        _tenantWrites = tenantWrites;
        _clusters = clusters;
        _tenants = tenants;
        _resync = resync;
        _tenantResync = tenantResync;
        _dbs = dbs;
        _options = options.Value;
        _time = time;
        _logger = logger;
    }

    /// <summary>This replica's name in the Lease.</summary>
    public string Identity { get; } = $"{Environment.MachineName[..Math.Min(30, Environment.MachineName.Length)]}-{Guid.NewGuid():N}";

    /// <summary>Whether this replica currently holds the Lease and does the work.</summary>
    public bool IsLeader => _isLeader;

    /// <inheritdoc/>
    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        await EnsurePortalNamespaceAsync(stoppingToken).ConfigureAwait(false);
        while (!stoppingToken.IsCancellationRequested)
        {
            try
            {
                await ElectAsync(stoppingToken).ConfigureAwait(false);
            }
            catch (OperationCanceledException) when (stoppingToken.IsCancellationRequested)
            {
                return;
            }
            catch (Exception ex)
            {
                // The client's elector only absorbs HTTP error statuses; an unreachable API server ends it with an
                // exception. The portal keeps serving and runs for the Lease again.
                LeaseError(_logger, ex);
            }

            await DelayAsync(TimeSpan.FromSeconds(_options.LeaseDurationSeconds) / 5, stoppingToken).ConfigureAwait(false);
        }
    }

    /// <summary>Runs for the Lease and, while holding it, leads; each term's work stops before the next starts.</summary>
    async Task ElectAsync(CancellationToken stoppingToken)
    {
        var duration = TimeSpan.FromSeconds(_options.LeaseDurationSeconds);
        var leaseLock = new LeaseLock(_kube.Client, _options.PortalNamespace, _options.LeaseName, Identity);
        using var elector = new LeaderElector(new LeaderElectionConfig(leaseLock)
        {
            LeaseDuration = duration,
            RenewDeadline = duration * 2 / 3,
            RetryPeriod = duration / 5,
        });

        CancellationTokenSource? leading = null;
        var work = Task.CompletedTask;
        elector.OnStartedLeading += () =>
        {
            var previousTerm = leading;
            leading = CancellationTokenSource.CreateLinkedTokenSource(stoppingToken);
            var term = leading.Token;
            var previous = work;
            _isLeader = true;
            _resynced = false;
            StartedLeading(_logger, Identity);
            work = Task.Run(async () =>
            {
                await previous.ConfigureAwait(ConfigureAwaitOptions.SuppressThrowing);
                previousTerm?.Dispose();
                await LeadAsync(term).ConfigureAwait(false);
            }, CancellationToken.None);
        };
        elector.OnStoppedLeading += () =>
        {
            // Stop at once: another replica may already hold the Lease.
            _isLeader = false;
            leading?.Cancel();
            StoppedLeading(_logger, Identity);
        };
        elector.OnError += ex => LeaseError(_logger, ex);

        try
        {
            await elector.RunAndTryToHoldLeadershipForeverAsync(stoppingToken).ConfigureAwait(false);
        }
        finally
        {
            // Whatever ended the election, this replica can no longer be sure it holds the Lease.
            _isLeader = false;
            leading?.Cancel();
            await work.ConfigureAwait(ConfigureAwaitOptions.SuppressThrowing);
            leading?.Dispose();
        }
    }

    async Task LeadAsync(CancellationToken ct)
    {
        var clusterLoop = new ReconcileLoop<Guid>("cluster", _queues.Clusters, _clusters.ReconcileAsync, _logger);
        var tenantLoop = new ReconcileLoop<Guid>("tenant", _queues.Tenants, _tenants.ReconcileAsync, _logger);
        Task[] tasks =
        [
            clusterLoop.RunAsync(_options.Workers, ct),
            tenantLoop.RunAsync(Math.Max(1, _options.Workers / 2), ct),
            EveryAsync("resync", TimeSpan.FromSeconds(_options.ResyncSeconds), ResyncAsync, ct),
            EveryAsync("poll", TimeSpan.FromSeconds(_options.PollSeconds), PollAsync, ct),
            ForwardWritesAsync(_writes, _queues.ClusterChanged, ct),
            ForwardWritesAsync(_tenantWrites, _queues.TenantChanged, ct),
            WatchAsync("deployments",
                async c => Listed(await _kube.Client.AppsV1.ListDeploymentForAllNamespacesAsync(labelSelector: Labels.ManagedSelector, cancellationToken: c).ConfigureAwait(false)),
                (rv, c) => _kube.Client.AppsV1.WatchListDeploymentForAllNamespacesAsync(labelSelector: Labels.ManagedSelector, resourceVersion: rv, allowWatchBookmarks: true, cancellationToken: c), ct),
            WatchAsync("services",
                async c => Listed(await _kube.Client.CoreV1.ListServiceForAllNamespacesAsync(labelSelector: Labels.ManagedSelector, cancellationToken: c).ConfigureAwait(false)),
                (rv, c) => _kube.Client.CoreV1.WatchListServiceForAllNamespacesAsync(labelSelector: Labels.ManagedSelector, resourceVersion: rv, allowWatchBookmarks: true, cancellationToken: c), ct),
            WatchAsync("configmaps",
                async c => Listed(await _kube.Client.CoreV1.ListConfigMapForAllNamespacesAsync(labelSelector: Labels.ManagedSelector, cancellationToken: c).ConfigureAwait(false)),
                (rv, c) => _kube.Client.CoreV1.WatchListConfigMapForAllNamespacesAsync(labelSelector: Labels.ManagedSelector, resourceVersion: rv, allowWatchBookmarks: true, cancellationToken: c), ct),
            WatchAsync("pods",
                async c => Listed(await _kube.Client.CoreV1.ListPodForAllNamespacesAsync(labelSelector: Labels.ManagedSelector, cancellationToken: c).ConfigureAwait(false)),
                (rv, c) => _kube.Client.CoreV1.WatchListPodForAllNamespacesAsync(labelSelector: Labels.ManagedSelector, resourceVersion: rv, allowWatchBookmarks: true, cancellationToken: c), ct),
            WatchAsync("networkpolicies",
                async c => Listed(await _kube.Client.NetworkingV1.ListNetworkPolicyForAllNamespacesAsync(labelSelector: Labels.ManagedSelector, cancellationToken: c).ConfigureAwait(false)),
                (rv, c) => _kube.Client.NetworkingV1.WatchListNetworkPolicyForAllNamespacesAsync(labelSelector: Labels.ManagedSelector, resourceVersion: rv, allowWatchBookmarks: true, cancellationToken: c), ct),
            WatchAsync("resourcequotas",
                async c => Listed(await _kube.Client.CoreV1.ListResourceQuotaForAllNamespacesAsync(labelSelector: Labels.ManagedSelector, cancellationToken: c).ConfigureAwait(false)),
                (rv, c) => _kube.Client.CoreV1.WatchListResourceQuotaForAllNamespacesAsync(labelSelector: Labels.ManagedSelector, resourceVersion: rv, allowWatchBookmarks: true, cancellationToken: c), ct,
                new SpecChanges<V1ResourceQuota>()),
            WatchAsync("namespaces",
                async c => Listed(await _kube.Client.CoreV1.ListNamespaceAsync(labelSelector: Labels.ManagedSelector, cancellationToken: c).ConfigureAwait(false)),
                (rv, c) => _kube.Client.CoreV1.WatchListNamespaceAsync(labelSelector: Labels.ManagedSelector, resourceVersion: rv, allowWatchBookmarks: true, cancellationToken: c), ct,
                new SpecChanges<V1Namespace>()),
        ];
        await Task.WhenAll(tasks).ConfigureAwait(ConfigureAwaitOptions.SuppressThrowing);
    }

    /// <summary>
    /// The safety net under watches. The first run after winning the election queues every live tenant and
    /// cluster, so a new portal version re-applies its manifests everywhere; later runs queue only the tenants and
    /// clusters <see cref="TenantResync"/> and <see cref="ClusterResync"/> find out of step, and sweep orphans.
    /// </summary>
    async Task ResyncAsync(CancellationToken ct)
    {
        if (!_resynced)
        {
            await using var db = await _dbs.CreateDbContextAsync(ct).ConfigureAwait(false);
            foreach (var id in await db.Tenants.Select(t => t.Id).ToListAsync(ct).ConfigureAwait(false))
            {
                _queues.TenantChanged(id);
            }

            foreach (var id in await db.Clusters.Where(c => c.Status.Phase != ClusterPhase.Deleted).Select(c => c.Id).ToListAsync(ct).ConfigureAwait(false))
            {
                _queues.ClusterChanged(id);
            }
        }
        else
        {
            foreach (var id in await _tenantResync.NeedingWorkAsync(ct).ConfigureAwait(false))
            {
                _queues.TenantChanged(id);
            }
        }

        // Runs every time, the first included: it is also the orphan sweep.
        var report = await _resync.RunAsync(ct).ConfigureAwait(false);
        if (_resynced)
        {
            foreach (var id in report.NeedingWork)
            {
                _queues.ClusterChanged(id);
            }
        }

        _resynced = true;
    }

    /// <summary>
    /// Queues rows whose Version moved since the last poll: writes made through the API on any replica.
    /// One narrow query per table; the first poll only records versions, since the resync has queued everything.
    /// </summary>
    async Task PollAsync(CancellationToken ct)
    {
        await using var db = await _dbs.CreateDbContextAsync(ct).ConfigureAwait(false);
        var tenants = await db.Tenants.Select(t => new { t.Id, t.Version }).ToListAsync(ct).ConfigureAwait(false);
        var clusters = await db.Clusters.Where(c => c.Status.Phase != ClusterPhase.Deleted)
            .Select(c => new { c.Id, c.Version }).ToListAsync(ct).ConfigureAwait(false);
        foreach (var t in tenants.Where(t => Changed(_seenTenants, t.Id, t.Version)))
        {
            _queues.TenantChanged(t.Id);
        }

        foreach (var c in clusters.Where(c => Changed(_seenClusters, c.Id, c.Version)))
        {
            _queues.ClusterChanged(c.Id);
        }

        // Forget rows that left the result (deleted clusters), so the map stays the size of the live set.
        Forget(_seenTenants, tenants.Select(t => t.Id));
        Forget(_seenClusters, clusters.Select(c => c.Id));
    }

    static void Forget(Dictionary<Guid, long> seen, IEnumerable<Guid> live)
    {
        var keep = live.ToHashSet();
        foreach (var id in seen.Keys.Where(id => !keep.Contains(id)).ToList())
        {
            seen.Remove(id);
        }
    }

    static bool Changed(Dictionary<Guid, long> seen, Guid id, long version)
    {
        var changed = !seen.TryGetValue(id, out var last) || last != version;
        seen[id] = version;
        return changed;
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

    /// <summary>
    /// Lists once for a resourceVersion, then watches from it, resuming from the last version seen. When the
    /// server has forgotten that version (410) or the stream fails, it lists again and queues everything listed,
    /// since events in the gap are lost. With <paramref name="changes"/>, Modified events that change only the
    /// object's status are dropped (kinds whose status no pass reads).
    /// </summary>
    async Task WatchAsync<T>(string what,
        Func<CancellationToken, Task<(string Version, IEnumerable<T> Items)>> list,
        Func<string, CancellationToken, IAsyncEnumerable<(WatchEventType, T)>> watch, CancellationToken ct,
        SpecChanges<T>? changes = null)
        where T : IKubernetesObject<V1ObjectMeta>
    {
        string? version = null;
        var first = true;
        while (!ct.IsCancellationRequested)
        {
            try
            {
                if (version is null)
                {
                    var (listedVersion, listed) = await list(ct).ConfigureAwait(false);
                    var items = listed.ToList();
                    version = listedVersion;
                    changes?.Relisted(items);
                    if (!first)
                    {
                        foreach (var item in items)
                        {
                            Enqueue(item);
                        }
                    }

                    first = false;
                }

                await foreach (var (type, item) in watch(version, ct).ConfigureAwait(false))
                {
                    version = item.Metadata?.ResourceVersion ?? version;
                    if ((type is WatchEventType.Added or WatchEventType.Modified or WatchEventType.Deleted)
                        && (changes is null || changes.Matters(type, item)))
                    {
                        Enqueue(item);
                    }
                }
            }
            catch (OperationCanceledException) when (ct.IsCancellationRequested)
            {
                return;
            }
            catch (Exception ex)
            {
                // 410 Gone and broken streams alike: start over from a fresh list.
                if (ex is not HttpOperationException { Response.StatusCode: HttpStatusCode.Gone })
                {
                    WatchFailed(_logger, ex, what);
                }

                version = null;
                await DelayAsync(TimeSpan.FromSeconds(1), ct).ConfigureAwait(false);
            }
        }
    }

    static (string, IEnumerable<T>) Listed<T>(IItems<T> list) where T : IKubernetesObject =>
        (((IMetadata<V1ListMeta>)list).Metadata.ResourceVersion, list.Items);

    void Enqueue(IKubernetesObject<V1ObjectMeta> obj)
    {
        var labels = obj.Metadata?.Labels;
        if (labels is null)
        {
            return;
        }

        if (labels.TryGetValue(Labels.ClusterId, out var cluster) && Guid.TryParse(cluster, out var clusterId))
        {
            _queues.ClusterChanged(clusterId);
        }
        else if (labels.TryGetValue(Labels.TenantId, out var tenant) && Guid.TryParse(tenant, out var tenantId))
        {
            // A namespace or a fence: a deleted default-deny policy or an edited quota is put back at once.
            _queues.TenantChanged(tenantId);
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
                PeriodicFailed(_logger, ex, what);
            }

            await DelayAsync(interval, ct).ConfigureAwait(false);
        }
    }

    async Task DelayAsync(TimeSpan delay, CancellationToken ct)
    {
        try
        {
            await Task.Delay(delay, _time, ct).ConfigureAwait(false);
        }
        catch (OperationCanceledException)
        {
            // Leadership lost or shutting down; the loops check the token.
        }
    }

    // The Lease lives in the portal's namespace. Deployed, the portal runs there so it exists; against the sandbox
    // or a developer's cluster nothing else creates it. Without the right to create namespaces, the election's own
    // errors say what is wrong.
    async Task EnsurePortalNamespaceAsync(CancellationToken ct)
    {
        try
        {
            var existing = await _kube.FindAsync("read portal namespace",
                (k, c) => k.CoreV1.ReadNamespaceAsync(_options.PortalNamespace, cancellationToken: c), ct).ConfigureAwait(false);
            if (existing is null)
            {
                await _kube.ApplyAsync(new V1Namespace
                {
                    ApiVersion = "v1",
                    Kind = "Namespace",
                    Metadata = new V1ObjectMeta { Name = _options.PortalNamespace, Labels = new Dictionary<string, string> { [Labels.PartOf] = Labels.Manager } },
                }, ct).ConfigureAwait(false);
            }
        }
        catch (Exception ex) when (!ct.IsCancellationRequested)
        {
            // Forbidden, or the API server is down right now: either way the portal must keep serving, and the
            // election keeps retrying (and logging) until the Lease can be had.
            PortalNamespaceUnchecked(_logger, ex, _options.PortalNamespace, _connection.Mode);
        }
    }

    [LoggerMessage(LogLevel.Warning, "Could not check namespace {Namespace} for the provisioning Lease ({Mode}); leader election needs it")]
    static partial void PortalNamespaceUnchecked(ILogger logger, Exception ex, string @namespace, KubernetesMode mode);

    [LoggerMessage(LogLevel.Information, "Started leading provisioning as {Identity}")]
    static partial void StartedLeading(ILogger logger, string identity);

    [LoggerMessage(LogLevel.Warning, "Stopped leading provisioning as {Identity}")]
    static partial void StoppedLeading(ILogger logger, string identity);

    [LoggerMessage(LogLevel.Warning, "Failed to renew or acquire the provisioning Lease")]
    static partial void LeaseError(ILogger logger, Exception ex);

    [LoggerMessage(LogLevel.Warning, "Watch on {What} failed; listing again")]
    static partial void WatchFailed(ILogger logger, Exception ex, string what);

    [LoggerMessage(LogLevel.Warning, "Periodic {What} failed")]
    static partial void PeriodicFailed(ILogger logger, Exception ex, string what);
}
