using System.Diagnostics;
using k8s;
using k8s.Models;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;
using Portal.Core.Clusters;
using Portal.Core.Data;
using Portal.Core.Tenants;
using Portal.Provisioning.Kubernetes;
using Portal.Provisioning.Manifests;
using Portal.Provisioning.WorkQueue;

namespace Portal.Provisioning.Reconciler;

/// <summary>
/// Drives a tenant's namespace and its fences from the tenant row: applies them all on every pass (a quota change
/// is just a different ResourceQuota), removes fences the row no longer calls for, and on deletion takes the
/// tenant's clusters down first and the namespace last.
/// </summary>
public sealed partial class TenantReconciler
{
    readonly IDbContextFactory<PortalDb> _dbs;
    readonly KubernetesApi _kube;
    readonly ProvisioningQueues _queues;
    readonly KubernetesOptions _options;
    readonly TimeProvider _time;
    readonly ILogger<TenantReconciler> _logger;

    /// <summary>Creates the reconciler.</summary>
    public TenantReconciler(IDbContextFactory<PortalDb> dbs, KubernetesApi kube, ProvisioningQueues queues,
        IOptions<KubernetesOptions> options, TimeProvider time, ILogger<TenantReconciler> logger)
    {
        ArgumentNullException.ThrowIfNull(options);
        _dbs = dbs;
        _kube = kube;
        _queues = queues;
        _options = options.Value;
        _time = time;
        _logger = logger;
    }

    /// <summary>One pass for the tenant <paramref name="tenantId"/>.</summary>
    public async Task<ReconcileResult> ReconcileAsync(Guid tenantId, CancellationToken ct)
    {
        try
        {
            return await PassAsync(tenantId, ct).ConfigureAwait(false);
        }
        catch (DbUpdateConcurrencyException)
        {
            // The API changed the row while this pass ran: not a failure, just a reason to look again now.
            RowChanged(_logger, tenantId);
            return ReconcileResult.After(TimeSpan.Zero);
        }
    }

    async Task<ReconcileResult> PassAsync(Guid tenantId, CancellationToken ct)
    {
        using var scope = _logger.BeginScope(new Dictionary<string, object> { ["TenantId"] = tenantId });
        await using var db = await _dbs.CreateDbContextAsync(ct).ConfigureAwait(false);
        var tenant = await db.Tenants.AsNoTracking().SingleOrDefaultAsync(t => t.Id == tenantId, ct).ConfigureAwait(false);
        if (tenant is null)
        {
            return ReconcileResult.Done;
        }

        Activity.Current?.SetTag("portal.tenant", tenant.Slug);
        if (tenant.DeletionRequestedAt is not null)
        {
            return await DeleteAsync(db, tenant, ct).ConfigureAwait(false);
        }

        var desired = TenantManifests.For(tenant, _options.Fencing);
        foreach (var obj in desired)
        {
            await _kube.ApplyAsync(obj, ct).ConfigureAwait(false);
        }

        await PruneAsync(tenant, desired, ct).ConfigureAwait(false);
        return ReconcileResult.Done;
    }

    // Fences the row no longer asks for: the viewer Role and RoleBinding once the directory group is cleared, the
    // egress allow-list once it is emptied. Only tenant-level objects carry this name label, never a cluster's.
    async Task PruneAsync(Tenant tenant, IReadOnlyList<IKubernetesObject<V1ObjectMeta>> desired, CancellationToken ct)
    {
        var wanted = desired.Select(o => (o.Kind, o.Metadata.Name)).ToHashSet();
        var selector = $"{Labels.ManagedSelector},{Labels.Name}=spark-portal-tenant,{Labels.TenantId}={tenant.Id}";
        var ns = tenant.Namespace;
        var policies = await _kube.ReadAsync("list networkpolicies", (k, c) => k.NetworkingV1.ListNamespacedNetworkPolicyAsync(ns, labelSelector: selector, cancellationToken: c), ct).ConfigureAwait(false);
        var roles = await _kube.ReadAsync("list roles", (k, c) => k.RbacAuthorizationV1.ListNamespacedRoleAsync(ns, labelSelector: selector, cancellationToken: c), ct).ConfigureAwait(false);
        var bindings = await _kube.ReadAsync("list rolebindings", (k, c) => k.RbacAuthorizationV1.ListNamespacedRoleBindingAsync(ns, labelSelector: selector, cancellationToken: c), ct).ConfigureAwait(false);
        var existing = policies.Items.Select(p => ("NetworkPolicy", p.Metadata.Name))
            .Concat(roles.Items.Select(r => ("Role", r.Metadata.Name)))
            .Concat(bindings.Items.Select(b => ("RoleBinding", b.Metadata.Name)));
        foreach (var (kind, name) in existing.Where(e => !wanted.Contains(e)))
        {
            await _kube.DeleteAsync(kind, ns, name, uid: null, ct).ConfigureAwait(false);
        }
    }

    async Task<ReconcileResult> DeleteAsync(PortalDb db, Tenant tenant, CancellationToken ct)
    {
        var waiting = TimeSpan.FromSeconds(_options.WaitingRequeueSeconds);
        var live = await db.Clusters.Where(c => c.TenantId == tenant.Id && c.Status.Phase != ClusterPhase.Deleted)
            .ToListAsync(ct).ConfigureAwait(false);
        if (live.Count > 0)
        {
            var now = _time.GetUtcNow();
            foreach (var cluster in live.Where(c => !c.IsDeleting))
            {
                cluster.DeletionRequestedAt = now;
            }

            await db.SaveChangesAsync(ct).ConfigureAwait(false);
            foreach (var cluster in live)
            {
                _queues.ClusterChanged(cluster.Id);
            }

            WaitingForClusters(_logger, tenant.Slug, live.Count);
            return ReconcileResult.After(waiting);
        }

        var ns = await _kube.FindAsync($"read namespace {tenant.Namespace}",
            (k, c) => k.CoreV1.ReadNamespaceAsync(tenant.Namespace, cancellationToken: c), ct).ConfigureAwait(false);
        if (ns is null)
        {
            return ReconcileResult.Done;
        }

        // Only a namespace this tenant owns: never one that happens to share the name.
        if (ns.Metadata.Labels is { } labels && labels.TryGetValue(Labels.TenantId, out var owner) && owner == tenant.Id.ToString())
        {
            await _kube.DeleteAsync("Namespace", null, tenant.Namespace, ns.Metadata.Uid, ct).ConfigureAwait(false);
            return ReconcileResult.After(waiting);
        }

        return ReconcileResult.Done;
    }

    [LoggerMessage(LogLevel.Information, "Waited for {Count} cluster(s) of tenant {Tenant} to be deleted before its namespace")]
    static partial void WaitingForClusters(ILogger logger, string tenant, int count);

    [LoggerMessage(LogLevel.Debug, "Requeued tenant {Id}: its row changed during the pass")]
    static partial void RowChanged(ILogger logger, Guid id);
}
