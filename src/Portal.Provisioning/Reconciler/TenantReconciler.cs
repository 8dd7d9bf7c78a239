using System.Diagnostics;
using System.Net.Sockets;
using Portal.Core.Audit;

namespace Portal.Provisioning.Reconciler;

/// <summary>
/// Drives a tenant's namespace and its fences from the tenant row: applies them all on every pass (a quota change
/// is just a different ResourceQuota), removes fences the row no longer calls for, and on deletion takes the
/// tenant's clusters down first and the namespace last.
/// </summary>
public sealed partial class TenantReconciler(IDbContextFactory<PortalDb> dbs, KubernetesApi kube,
    ProvisioningQueues queues, ObjectStoreSecrets secrets, IOptions<KubernetesOptions> options, TimeProvider time,
    ILogger<TenantReconciler> logger, IOptions<Portal.Core.PortalOptions>? portal = null)
{
    readonly KubernetesOptions _options = options.Value;
    readonly string? _publicUrl = portal?.Value.PublicUrl;

    /// <summary>One pass for the tenant <paramref name="tenantId"/>.</summary>
    public Task<ReconcileResult> ReconcileAsync(Guid tenantId, CancellationToken ct) =>
        RowPass.RunAsync(dbs, logger, "tenant", tenantId, db => PassAsync(db, tenantId, ct), ct);

    async Task<ReconcileResult> PassAsync(PortalDb db, Guid tenantId, CancellationToken ct)
    {
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

        var volumes = await db.Volumes.AsNoTracking().Where(v => v.TenantId == tenant.Id).OrderBy(v => v.Name).ToListAsync(ct).ConfigureAwait(false);
        var stores = await db.ObjectStores.AsNoTracking().Where(s => s.TenantId == tenant.Id).OrderBy(s => s.Name).ToListAsync(ct).ConfigureAwait(false);
        var keys = new List<ObjectStoreKey>(stores.Count);
        foreach (var store in stores)
        {
            keys.Add(new ObjectStoreKey(store, secrets.Unprotect(store.ProtectedSecretKey), await AddressesAsync(store, ct).ConfigureAwait(false)));
        }

        var history = await db.HistoryServers.SingleOrDefaultAsync(h => h.TenantId == tenant.Id, ct).ConfigureAwait(false);
        var now = time.GetUtcNow();
        if (history is not null && now - history.LastOpenedAt >= history.IdleTimeout)
        {
            await StopIdleAsync(db, tenant, history, now, ct).ConfigureAwait(false);
            history = null;
        }

        List<IKubernetesObject<V1ObjectMeta>> desired = [.. TenantManifests.For(tenant, _options.Fencing), .. StorageManifests.For(tenant, volumes, keys)];
        if (history is not null)
        {
            var store = history.Source.ObjectStore is { } name ? stores.FirstOrDefault(s => s.Name == name) : null;
            desired.AddRange(HistoryServerManifests.For(tenant, history, HistoryServerManifests.ProxyBase(_publicUrl, tenant.Slug), store));
        }

        foreach (var obj in desired)
        {
            await kube.ApplyAsync(obj, ct).ConfigureAwait(false);
        }

        await PruneAsync(tenant, desired, ct).ConfigureAwait(false);
        if (history is null)
        {
            return ReconcileResult.Done;
        }

        // Looked at again soon while it starts, and at the latest when it would have been idle for its timeout.
        var phase = await ObserveHistoryAsync(db, tenant, history, ct).ConfigureAwait(false);
        var untilIdle = history.LastOpenedAt + history.IdleTimeout - now;
        return ReconcileResult.After(phase == HistoryServerPhase.Running ? untilIdle : TimeSpan.FromSeconds(Math.Min(_options.WaitingRequeueSeconds, untilIdle.TotalSeconds)));
    }

    /// <summary>Writes what the history server's pod says into its row: Running once ready, Failed when its pod can't start.</summary>
    async Task<HistoryServerPhase> ObserveHistoryAsync(PortalDb db, Tenant tenant, HistoryServer history, CancellationToken ct)
    {
        var ns = tenant.Namespace;
        // Listed rather than read: the portal's RBAC lists Deployments and never needs get.
        var selector = $"{Labels.TenantId}={tenant.Id},{Labels.Component}={HistoryServerManifests.Component}";
        var deployments = await kube.ReadAsync("list history server", (k, c) => k.AppsV1.ListNamespacedDeploymentAsync(ns, labelSelector: selector, cancellationToken: c), ct).ConfigureAwait(false);
        var deployment = deployments.Items.FirstOrDefault(d => d.Metadata.Name == HistoryServerManifests.Name);
        var (phase, message) = (HistoryServerPhase.Starting, (string?)null);
        if (deployment?.Status?.ReadyReplicas >= 1)
        {
            phase = HistoryServerPhase.Running;
        }
        else if (deployment?.Status?.Conditions?.FirstOrDefault(c => c.Type == "ReplicaFailure" && c.Status == "True") is { } failure)
        {
            (phase, message) = (HistoryServerPhase.Failed, $"{failure.Reason}: {failure.Message}");
        }
        else
        {
            var pods = await kube.ReadAsync("list history server pods", (k, c) => k.CoreV1.ListNamespacedPodAsync(ns, labelSelector: selector, cancellationToken: c), ct).ConfigureAwait(false);
            var waiting = pods.Items.SelectMany(p => (p.Status?.InitContainerStatuses ?? []).Concat(p.Status?.ContainerStatuses ?? []))
                .Select(c => c.State?.Waiting)
                .FirstOrDefault(w => w?.Reason is "CrashLoopBackOff" or "ImagePullBackOff" or "ErrImagePull" or "CreateContainerConfigError" or "InvalidImageName");
            if (waiting is not null)
            {
                (phase, message) = (HistoryServerPhase.Failed, $"{waiting.Reason}: {waiting.Message}");
            }
        }

        if (history.Phase != phase || history.Message != message)
        {
            history.Phase = phase;
            history.Message = message is null ? null : Portal.Core.UserText.ForStorage(message, 1024);
            await db.SaveChangesAsync(ct).ConfigureAwait(false);
        }

        return phase;
    }

    /// <summary>Nobody opened the history server for its idle timeout: the row goes, and with it (pruned) its objects.</summary>
    async Task StopIdleAsync(PortalDb db, Tenant tenant, HistoryServer history, DateTimeOffset now, CancellationToken ct)
    {
        db.HistoryServers.Remove(history);
        db.Record("system", "historyserver.stop", AuditOutcome.Succeeded, tenant.Id, $"tenants/{tenant.Slug}/history-server",
            $"Idle: not opened for {history.IdleTimeout:c}");
        await db.SaveChangesAsync(ct).ConfigureAwait(false);
        HistoryIdle(logger, tenant.Slug, history.IdleTimeout);
    }

    /// <summary>
    /// The addresses of <paramref name="store"/>'s endpoint now: a literal address as it is, a host name as DNS
    /// answers. A name that doesn't resolve opens nothing (and is logged); the next pass tries again.
    /// </summary>
    async Task<IReadOnlyList<IPAddress>> AddressesAsync(ObjectStore store, CancellationToken ct)
    {
        var host = new Uri(store.Endpoint).IdnHost;
        if (IPAddress.TryParse(host, out var literal))
        {
            return [literal];
        }

        try
        {
            return await Dns.GetHostAddressesAsync(host, ct).ConfigureAwait(false);
        }
        catch (SocketException ex)
        {
            EndpointUnresolved(logger, store.Name, host, ex.SocketErrorCode);
            return [];
        }
    }

    // Fences and storage the row no longer asks for: the viewer Role and RoleBinding once the directory group is
    // cleared, the egress allow-list once it is emptied, a deleted volume's claim, a removed store's Secret and a
    // stopped history server. Only tenant-level objects carry this name label, never a cluster's.
    async Task PruneAsync(Tenant tenant, IReadOnlyList<IKubernetesObject<V1ObjectMeta>> desired, CancellationToken ct)
    {
        var wanted = desired.Select(o => (o.Kind, o.Metadata.Name)).ToHashSet();
        var selector = $"{Labels.ManagedSelector},{Labels.Name}=spark-portal-tenant,{Labels.TenantId}={tenant.Id}";
        var ns = tenant.Namespace;
        var policies = await kube.ReadAsync("list networkpolicies", (k, c) => k.NetworkingV1.ListNamespacedNetworkPolicyAsync(ns, labelSelector: selector, cancellationToken: c), ct).ConfigureAwait(false);
        var roles = await kube.ReadAsync("list roles", (k, c) => k.RbacAuthorizationV1.ListNamespacedRoleAsync(ns, labelSelector: selector, cancellationToken: c), ct).ConfigureAwait(false);
        var bindings = await kube.ReadAsync("list rolebindings", (k, c) => k.RbacAuthorizationV1.ListNamespacedRoleBindingAsync(ns, labelSelector: selector, cancellationToken: c), ct).ConfigureAwait(false);
        var deployments = await kube.ReadAsync("list deployments", (k, c) => k.AppsV1.ListNamespacedDeploymentAsync(ns, labelSelector: selector, cancellationToken: c), ct).ConfigureAwait(false);
        var services = await kube.ReadAsync("list services", (k, c) => k.CoreV1.ListNamespacedServiceAsync(ns, labelSelector: selector, cancellationToken: c), ct).ConfigureAwait(false);
        var configMaps = await kube.ReadAsync("list configmaps", (k, c) => k.CoreV1.ListNamespacedConfigMapAsync(ns, labelSelector: selector, cancellationToken: c), ct).ConfigureAwait(false);
        var claims = await kube.ReadAsync("list persistentvolumeclaims", (k, c) => k.CoreV1.ListNamespacedPersistentVolumeClaimAsync(ns, labelSelector: selector, cancellationToken: c), ct).ConfigureAwait(false);
        var secrets = await kube.ReadAsync("list secrets", (k, c) => k.CoreV1.ListNamespacedSecretAsync(ns, labelSelector: selector, cancellationToken: c), ct).ConfigureAwait(false);
        var existing = policies.Items.Select(p => ("NetworkPolicy", p.Metadata.Name))
            .Concat(roles.Items.Select(r => ("Role", r.Metadata.Name)))
            .Concat(bindings.Items.Select(b => ("RoleBinding", b.Metadata.Name)))
            .Concat(claims.Items.Select(c => ("PersistentVolumeClaim", c.Metadata.Name)))
            .Concat(secrets.Items.Select(s => ("Secret", s.Metadata.Name)))
            .Concat(deployments.Items.Select(d => ("Deployment", d.Metadata.Name)))
            .Concat(services.Items.Select(s => ("Service", s.Metadata.Name)))
            .Concat(configMaps.Items.Select(m => ("ConfigMap", m.Metadata.Name)));
        foreach (var (kind, name) in existing.Where(e => !wanted.Contains(e)))
        {
            await kube.DeleteAsync(kind, ns, name, uid: null, ct).ConfigureAwait(false);
        }
    }

    async Task<ReconcileResult> DeleteAsync(PortalDb db, Tenant tenant, CancellationToken ct)
    {
        var waiting = TimeSpan.FromSeconds(_options.WaitingRequeueSeconds);
        var live = await db.Clusters.Where(c => c.TenantId == tenant.Id && c.Status.Phase != ClusterPhase.Deleted)
            .ToListAsync(ct).ConfigureAwait(false);
        if (live.Count > 0)
        {
            var now = time.GetUtcNow();
            foreach (var cluster in live.Where(c => !c.IsDeleting))
            {
                cluster.DeletionRequestedAt = now;
            }

            await db.SaveChangesAsync(ct).ConfigureAwait(false);
            foreach (var cluster in live)
            {
                queues.ClusterChanged(cluster.Id);
            }

            WaitingForClusters(logger, tenant.Slug, live.Count);
            return ReconcileResult.After(waiting);
        }

        var ns = await kube.FindAsync($"read namespace {tenant.Namespace}",
            (k, c) => k.CoreV1.ReadNamespaceAsync(tenant.Namespace, cancellationToken: c), ct).ConfigureAwait(false);
        if (ns is null)
        {
            return ReconcileResult.Done;
        }

        // Only a namespace this tenant owns: never one that happens to share the name.
        if (ns.Metadata.Labels is { } labels && labels.TryGetValue(Labels.TenantId, out var owner) && owner == tenant.Id.ToString())
        {
            await kube.DeleteAsync("Namespace", null, tenant.Namespace, ns.Metadata.Uid, ct).ConfigureAwait(false);
            return ReconcileResult.After(waiting);
        }

        return ReconcileResult.Done;
    }

    [LoggerMessage(LogLevel.Information, "Waited for {Count} cluster(s) of tenant {Tenant} to be deleted before its namespace")]
    static partial void WaitingForClusters(ILogger logger, string tenant, int count);

    [LoggerMessage(LogLevel.Information, "Stopped the history server of tenant {Tenant}: not opened for {IdleTimeout}")]
    static partial void HistoryIdle(ILogger logger, string tenant, TimeSpan idleTimeout);

    [LoggerMessage(LogLevel.Warning, "Object store {Store}'s endpoint host {Host} did not resolve ({Error}); its egress stays closed until it does")]
    static partial void EndpointUnresolved(ILogger logger, string store, string host, SocketError error);
}
