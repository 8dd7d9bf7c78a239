namespace Portal.Core.Storage;

/// <summary>
/// What the volume and object-store services share: who may change a tenant's storage, and how their actions and
/// refusals reach the audit log.
/// </summary>
internal sealed class StorageAudit(IDbContextFactory<PortalDb> contexts, Caller caller)
{
    /// <summary>The caller's view of <paramref name="tenant"/>, or null when they are no member of it.</summary>
    public Task<TenantAccess?> AccessAsync(PortalDb db, string tenant, CancellationToken ct) =>
        TenantAccess.ForMemberAsync(db, caller, tenant, ct);

    /// <summary>The subject acting.</summary>
    public string Subject => caller.Subject;

    /// <summary>Adds an audit entry of this caller's to <paramref name="db"/>, saved with the change it describes.</summary>
    public void Record(PortalDb db, string action, Guid? tenantId, string target, AuditOutcome outcome, string? detail) =>
        db.Record(caller.Subject, action, outcome, tenantId, target, detail);

    /// <summary>Records <paramref name="failure"/> on its own connection and returns it.</summary>
    public Task<Failure> RefusedAsync(string action, Guid? tenantId, string target, Failure failure, CancellationToken ct) =>
        contexts.RecordRefusalAsync(caller.Subject, action, tenantId, target, failure, ct);

    /// <summary>Same answer for a tenant that doesn't exist and one the caller isn't in.</summary>
    public static Failure TenantNotFound(string tenant) =>
        new(FailureKind.NotFound, "Tenant not found.", $"No tenant '{tenant}' you are a member of.");

    /// <summary>Storage is given by the tenant's admins.</summary>
    public static Failure AdminsOnly(string tenant, string what) =>
        new(FailureKind.Forbidden, $"Only tenant admins may change {what}.", $"Your role in tenant '{tenant}' is not Admin.", Code: "storage.admins-only");

    /// <summary>Names of the live clusters (not yet Deleted) of the tenant for which <paramref name="uses"/> holds.</summary>
    public static async Task<List<string>> LiveClustersUsingAsync(PortalDb db, Guid tenantId, Func<ClusterSpec, bool> uses, CancellationToken ct)
    {
        // The spec's storage is JSON; a tenant has few live clusters, so they are filtered here rather than in SQL.
        var live = await db.Clusters.AsNoTracking()
            .Where(c => c.TenantId == tenantId && c.Status.Phase != ClusterPhase.Deleted)
            .ToListAsync(ct);
        return [.. live.Where(c => uses(c.Spec)).Select(c => c.Name).Order(StringComparer.Ordinal)];
    }

    /// <summary>The audit target of a tenant's storage object.</summary>
    public static string Target(string tenant, string kind, string? name) => $"tenants/{tenant}/{kind}/{name}";
}
