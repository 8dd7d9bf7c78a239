using Portal.Web.Features.Usage;

namespace Portal.Web.Features.Admin;

/// <summary>One line of the platform admin's tenants table.</summary>
/// <param name="Tenant">The row as stored, with its version for an edit's If-Match.</param>
/// <param name="Members">How many users hold a role in it.</param>
/// <param name="Usage">What its live clusters ask for against its quota.</param>
internal sealed record TenantsOverviewRow(Tenant Tenant, int Members, TenantUsage Usage)
{
    /// <summary>Removal was asked for: its clusters and namespace are going, and it can no longer be changed.</summary>
    public bool IsDeleting => Tenant.DeletionRequestedAt is not null;
}

/// <summary>
/// Every tenant with its member count and usage, for platform admins. <see cref="TenantService.ListAsync"/> lists only
/// the caller's memberships, which is right for the header's switcher but not for an administrator's overview.
/// </summary>
/// <remarks>
/// Reads only; every change goes through <see cref="TenantService"/>, so the page is validated, authorized and audited
/// exactly as the API is. Refuses everyone but platform admins, whatever the page shows, because the list names every
/// tenant.
/// </remarks>
internal sealed class TenantsOverview(IDbContextFactory<PortalDb> contexts, Caller caller)
{
    public async Task<Outcome<IReadOnlyList<TenantsOverviewRow>>> ListAsync(CancellationToken ct)
    {
        if (!caller.IsPlatformAdmin)
            return new Failure(FailureKind.Forbidden, "Only platform admins may list every tenant.");

        await using var db = await contexts.CreateDbContextAsync(ct);
        var tenants = await db.Tenants.AsNoTracking().OrderBy(t => t.Slug).ToListAsync(ct);
        var members = await db.Memberships.AsNoTracking()
            .GroupBy(m => m.TenantId)
            .Select(g => new { TenantId = g.Key, Count = g.Count() })
            .ToDictionaryAsync(g => g.TenantId, g => g.Count, ct);
        // Only live clusters count against a quota; deleted rows stay for history and would be most of the table.
        var clusters = (await db.Clusters.AsNoTracking().Where(c => c.DeletionRequestedAt == null).ToListAsync(ct))
            .ToLookup(c => c.TenantId);

        return tenants
            .Select(t => new TenantsOverviewRow(t, members.GetValueOrDefault(t.Id), TenantUsage.Of(t, clusters[t.Id])))
            .ToList();
    }
}
