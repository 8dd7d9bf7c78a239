namespace Portal.Core.Tenants;

/// <summary>A tenant as one caller sees it: the row and the caller's role in it.</summary>
/// <param name="Tenant">The tenant.</param>
/// <param name="Role">The caller's role; platform admins act as admins of every tenant.</param>
public sealed record TenantAccess(Tenant Tenant, TenantRole? Role)
{
    /// <summary>
    /// Finds <paramref name="slug"/> if <paramref name="caller"/> is a member of it or a platform admin (who administers
    /// every tenant), else null.
    /// </summary>
    /// <remarks>
    /// The single query every tenant-scoped operation starts with: a tenant the caller doesn't belong to is
    /// indistinguishable from one that doesn't exist, so callers answer 404 either way.
    /// </remarks>
    public static async Task<TenantAccess?> ForMemberAsync(PortalDb db, Caller caller, string slug, CancellationToken ct)
    {
        var tenants = db.Tenants.Where(t => t.Slug == slug && t.DeletionRequestedAt == null
            && (caller.TokenTenant == null || t.Id == caller.TokenTenant));
        if (caller.IsPlatformAdmin)
            return await tenants.SingleOrDefaultAsync(ct) is { } any ? new TenantAccess(any, TenantRole.Admin) : null;

        var row = await tenants
            .Join(db.Memberships.Where(m => m.Subject == caller.Subject), t => t.Id, m => m.TenantId,
                (t, m) => new { Tenant = t, m.Role })
            .SingleOrDefaultAsync(ct);
        return row is null ? null : new TenantAccess(row.Tenant, row.Role);
    }
}
