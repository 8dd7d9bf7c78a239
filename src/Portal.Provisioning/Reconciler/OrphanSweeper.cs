using k8s;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.Logging;
using Portal.Core.Clusters;
using Portal.Core.Data;
using Portal.Provisioning.Kubernetes;
using Portal.Provisioning.Manifests;

namespace Portal.Provisioning.Reconciler;

/// <summary>
/// Deletes objects labelled as the portal's whose cluster has no live row: PostgreSQL is the source of truth, so
/// a cluster row that was removed, or restored from an older backup, takes its objects with it.
/// </summary>
public sealed partial class OrphanSweeper(IDbContextFactory<PortalDb> dbs, KubernetesApi kube, ILogger<OrphanSweeper> logger)
{
    const string Selector = Labels.ManagedSelector + "," + Labels.ClusterId;

    /// <summary>One sweep across all namespaces; returns how many objects it deleted.</summary>
    public async Task<int> SweepAsync(CancellationToken ct)
    {
        // Objects are listed before rows are read: a cluster's objects are only ever created after its row is
        // committed, so a cluster created during the sweep can't look orphaned.
        var configMaps = await kube.ReadAsync("list configmaps", (k, c) => k.CoreV1.ListConfigMapForAllNamespacesAsync(labelSelector: Selector, cancellationToken: c), ct).ConfigureAwait(false);
        var deployments = await kube.ReadAsync("list deployments", (k, c) => k.AppsV1.ListDeploymentForAllNamespacesAsync(labelSelector: Selector, cancellationToken: c), ct).ConfigureAwait(false);
        var services = await kube.ReadAsync("list services", (k, c) => k.CoreV1.ListServiceForAllNamespacesAsync(labelSelector: Selector, cancellationToken: c), ct).ConfigureAwait(false);
        var policies = await kube.ReadAsync("list networkpolicies", (k, c) => k.NetworkingV1.ListNetworkPolicyForAllNamespacesAsync(labelSelector: Selector, cancellationToken: c), ct).ConfigureAwait(false);
        var objects = configMaps.Items.Select(o => (Kind: "ConfigMap", o.Metadata))
            .Concat(deployments.Items.Select(o => (Kind: "Deployment", o.Metadata)))
            .Concat(services.Items.Select(o => (Kind: "Service", o.Metadata)))
            .Concat(policies.Items.Select(o => (Kind: "NetworkPolicy", o.Metadata)))
            .ToList();
        if (objects.Count == 0)
        {
            return 0;
        }

        HashSet<Guid> live;
        await using (var db = await dbs.CreateDbContextAsync(ct).ConfigureAwait(false))
        {
            // A Deleting cluster is still live: its own reconciler is removing its objects and reporting on it.
            live = (await db.Clusters.Where(c => c.Status.Phase != ClusterPhase.Deleted).Select(c => c.Id)
                .ToListAsync(ct).ConfigureAwait(false)).ToHashSet();
        }

        var deleted = 0;
        foreach (var (kind, meta) in objects)
        {
            if (Guid.TryParse(meta.Labels[Labels.ClusterId], out var id) && live.Contains(id))
            {
                continue;
            }

            if (await kube.DeleteAsync(kind, meta.NamespaceProperty, meta.Name, meta.Uid, ct).ConfigureAwait(false))
            {
                OrphanDeleted(logger, kind, meta.NamespaceProperty, meta.Name);
                deleted++;
            }
        }

        return deleted;
    }

    [LoggerMessage(LogLevel.Information, "Deleted orphaned {Kind} {Namespace}/{Name}")]
    static partial void OrphanDeleted(ILogger logger, string kind, string @namespace, string name);
}
