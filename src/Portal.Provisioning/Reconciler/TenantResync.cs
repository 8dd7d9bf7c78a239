namespace Portal.Provisioning.Reconciler;

/// <summary>
/// The tenant half of the resync: one list call per fence kind across all namespaces, compared with what each
/// tenant row calls for. Tenants missing their namespace or any fence, or being deleted and still having a
/// namespace, are returned for a full pass; a fenced (or finished) tenant costs no API call. Changed fields are not this check's business: the database poll sees
/// row changes and the watches see hand edits.
/// </summary>
public sealed class TenantResync(IDbContextFactory<PortalDb> dbs, KubernetesApi kube, IOptions<KubernetesOptions> options)
{
    const string Selector = Labels.ManagedSelector + "," + Labels.Name + "=spark-portal-tenant";

    /// <summary>Ids of tenants whose namespace or fences are missing, or that are being deleted.</summary>
    public async Task<IReadOnlyList<Guid>> NeedingWorkAsync(CancellationToken ct)
    {
        var namespaces = await kube.ReadAsync("list namespaces", (k, c) => k.CoreV1.ListNamespaceAsync(labelSelector: Selector, cancellationToken: c), ct).ConfigureAwait(false);
        var quotas = await kube.ReadAsync("list resourcequotas", (k, c) => k.CoreV1.ListResourceQuotaForAllNamespacesAsync(labelSelector: Selector, cancellationToken: c), ct).ConfigureAwait(false);
        var limits = await kube.ReadAsync("list limitranges", (k, c) => k.CoreV1.ListLimitRangeForAllNamespacesAsync(labelSelector: Selector, cancellationToken: c), ct).ConfigureAwait(false);
        var accounts = await kube.ReadAsync("list serviceaccounts", (k, c) => k.CoreV1.ListServiceAccountForAllNamespacesAsync(labelSelector: Selector, cancellationToken: c), ct).ConfigureAwait(false);
        var policies = await kube.ReadAsync("list networkpolicies", (k, c) => k.NetworkingV1.ListNetworkPolicyForAllNamespacesAsync(labelSelector: Selector, cancellationToken: c), ct).ConfigureAwait(false);
        var roles = await kube.ReadAsync("list roles", (k, c) => k.RbacAuthorizationV1.ListRoleForAllNamespacesAsync(labelSelector: Selector, cancellationToken: c), ct).ConfigureAwait(false);
        var bindings = await kube.ReadAsync("list rolebindings", (k, c) => k.RbacAuthorizationV1.ListRoleBindingForAllNamespacesAsync(labelSelector: Selector, cancellationToken: c), ct).ConfigureAwait(false);
        var existing = Keys("Namespace", namespaces.Items.Select(o => o.Metadata))
            .Concat(Keys("ResourceQuota", quotas.Items.Select(o => o.Metadata)))
            .Concat(Keys("LimitRange", limits.Items.Select(o => o.Metadata)))
            .Concat(Keys("ServiceAccount", accounts.Items.Select(o => o.Metadata)))
            .Concat(Keys("NetworkPolicy", policies.Items.Select(o => o.Metadata)))
            .Concat(Keys("Role", roles.Items.Select(o => o.Metadata)))
            .Concat(Keys("RoleBinding", bindings.Items.Select(o => o.Metadata)))
            .ToHashSet();

        await using var db = await dbs.CreateDbContextAsync(ct).ConfigureAwait(false);
        var tenants = await db.Tenants.AsNoTracking().ToListAsync(ct).ConfigureAwait(false);
        var fencing = options.Value.Fencing;
        // A deleted tenant whose namespace is gone is finished: its clusters went first.
        return tenants
            .Where(t => t.DeletionRequestedAt is not null
                ? existing.Contains(("Namespace", null, t.Namespace))
                : TenantManifests.For(t, fencing).Any(o => !existing.Contains((o.Kind, o.Metadata.NamespaceProperty, o.Metadata.Name))))
            .Select(t => t.Id)
            .ToList();
    }

    static IEnumerable<(string Kind, string? Namespace, string Name)> Keys(string kind, IEnumerable<V1ObjectMeta> objects) =>
        objects.Select(m => (kind, (string?)m.NamespaceProperty, m.Name));
}
