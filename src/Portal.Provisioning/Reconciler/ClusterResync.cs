namespace Portal.Provisioning.Reconciler;

/// <summary>What one resync found.</summary>
/// <param name="OrphansDeleted">Objects deleted because no live cluster row is behind them.</param>
/// <param name="NeedingWork">Clusters whose objects or status don't match their row and need a pass.</param>
public sealed record ResyncReport(int OrphansDeleted, IReadOnlyList<Guid> NeedingWork);

/// <summary>
/// The periodic safety net under the watches, at a cost that doesn't grow with the number of clusters: one list
/// call per kind across all namespaces, compared with the cluster rows. Objects labelled as the portal's with no
/// live row behind them are deleted (PostgreSQL is the source of truth: a row removed, or restored from an older
/// backup, takes its objects with it); clusters missing an object, with a wrong worker count, not yet Running, or
/// due to expire are returned for a full pass. A converged cluster costs no API call at all.
/// </summary>
public sealed partial class ClusterResync(IDbContextFactory<PortalDb> dbs, KubernetesApi kube, TimeProvider time, ILogger<ClusterResync> logger)
{
    const string Selector = Labels.ManagedSelector + "," + Labels.ClusterId;

    /// <summary>Sweeps orphans and finds clusters needing work, across all namespaces.</summary>
    public async Task<ResyncReport> RunAsync(CancellationToken ct)
    {
        // Objects are listed before rows are read: a cluster's objects are only ever created after its row is
        // committed, so a cluster created meanwhile can't look orphaned.
        var configMaps = await kube.ReadAsync("list configmaps", (k, c) => k.CoreV1.ListConfigMapForAllNamespacesAsync(labelSelector: Selector, cancellationToken: c), ct).ConfigureAwait(false);
        var deployments = await kube.ReadAsync("list deployments", (k, c) => k.AppsV1.ListDeploymentForAllNamespacesAsync(labelSelector: Selector, cancellationToken: c), ct).ConfigureAwait(false);
        var services = await kube.ReadAsync("list services", (k, c) => k.CoreV1.ListServiceForAllNamespacesAsync(labelSelector: Selector, cancellationToken: c), ct).ConfigureAwait(false);
        var policies = await kube.ReadAsync("list networkpolicies", (k, c) => k.NetworkingV1.ListNetworkPolicyForAllNamespacesAsync(labelSelector: Selector, cancellationToken: c), ct).ConfigureAwait(false);
        var objects = configMaps.Items.Select(o => (Kind: "ConfigMap", o.Metadata))
            .Concat(deployments.Items.Select(o => (Kind: "Deployment", o.Metadata)))
            .Concat(services.Items.Select(o => (Kind: "Service", o.Metadata)))
            .Concat(policies.Items.Select(o => (Kind: "NetworkPolicy", o.Metadata)))
            .ToList();

        List<(Cluster Cluster, string Namespace)> live;
        await using (var db = await dbs.CreateDbContextAsync(ct).ConfigureAwait(false))
        {
            // A Deleting cluster is still live: its own reconciler is removing its objects and reporting on it.
            live = (await db.Clusters.AsNoTracking()
                    .Where(c => c.Status.Phase != ClusterPhase.Deleted)
                    .Join(db.Tenants, c => c.TenantId, t => t.Id, (c, t) => new { Cluster = c, t.Namespace })
                    .ToListAsync(ct).ConfigureAwait(false))
                .Select(x => (x.Cluster, x.Namespace))
                .ToList();
        }

        var byCluster = objects.ToLookup(o => Guid.TryParse(o.Metadata.Labels[Labels.ClusterId], out var id) ? id : Guid.Empty);
        var liveIds = live.Select(l => l.Cluster.Id).ToHashSet();
        var deleted = 0;
        foreach (var (kind, meta) in objects.Where(o => !liveIds.Contains(Guid.TryParse(o.Metadata.Labels[Labels.ClusterId], out var id) ? id : Guid.Empty)))
        {
            if (await kube.DeleteAsync(kind, meta.NamespaceProperty, meta.Name, meta.Uid, ct).ConfigureAwait(false))
            {
                OrphanDeleted(logger, kind, meta.NamespaceProperty, meta.Name);
                deleted++;
            }
        }

        var workers = deployments.Items.ToDictionary(d => (d.Metadata.NamespaceProperty, d.Metadata.Name), d => d.Spec?.Replicas);
        var now = time.GetUtcNow();
        var needingWork = live
            .Where(l => !Converged(l.Cluster, l.Namespace, byCluster[l.Cluster.Id], workers, now))
            .Select(l => l.Cluster.Id)
            .ToList();
        return new ResyncReport(deleted, needingWork);
    }

    static bool Converged(Cluster cluster, string @namespace, IEnumerable<(string Kind, V1ObjectMeta Metadata)> actual,
        Dictionary<(string, string), int?> replicas, DateTimeOffset now)
    {
        if (cluster.IsDeleting || cluster.ExpiresAt <= now
            || cluster.Status is not { Phase: ClusterPhase.Running, Reason: "Ready" }
            || cluster.Status.ObservedGeneration != cluster.Generation)
        {
            return false;
        }

        var have = actual.Where(a => a.Metadata.NamespaceProperty == @namespace).Select(a => (a.Kind, a.Metadata.Name)).ToHashSet();
        return have.SetEquals(ClusterManifests.ObjectNames(cluster))
               && replicas.GetValueOrDefault((@namespace, ClusterManifests.WorkerName(cluster))) == cluster.Spec.Workers;
    }

    [LoggerMessage(LogLevel.Information, "Deleted orphaned {Kind} {Namespace}/{Name}")]
    static partial void OrphanDeleted(ILogger logger, string kind, string @namespace, string name);
}
