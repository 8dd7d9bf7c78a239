using Portal.Core.Audit;

namespace Portal.Web.Features.Identity;

/// <summary>
/// Turns a user's directory groups into memberships through <see cref="GroupMappingOptions"/>. For every tenant
/// named in a mapping the directory is the source of truth: at each sign-in the user's membership there is
/// created, raised or lowered to the strongest mapped role, or removed when no mapped group remains. Tenants no
/// mapping names are left alone, so memberships granted in the portal itself survive.
/// </summary>
internal sealed partial class DirectoryGroupSync(
    PortalDb db, IOptions<GroupMappingOptions> options, ILogger<DirectoryGroupSync> logger)
{
    /// <summary>Actor recorded in the audit log for changes made from directory groups.</summary>
    public const string Actor = SignInRecorder.DirectoryActor;

    /// <summary>True when any of <paramref name="groups"/> is mapped to platform administration.</summary>
    public bool IsPlatformAdmin(IEnumerable<string> groups)
    {
        var admins = options.Value.GroupMappings.Where(m => m.PlatformAdmin).Select(m => m.Group).ToHashSet(StringComparer.Ordinal);
        return admins.Count > 0 && groups.Any(admins.Contains);
    }

    /// <summary>Brings <paramref name="subject"/>'s memberships in mapped tenants in line with <paramref name="groups"/>.</summary>
    /// <returns>How many memberships changed.</returns>
    public async Task<int> ApplyAsync(string subject, IReadOnlyCollection<string> groups, CancellationToken cancellationToken)
    {
        var mappings = options.Value.GroupMappings.Where(m => !string.IsNullOrWhiteSpace(m.Tenant)).ToList();
        if (mappings.Count == 0)
        {
            return 0;
        }

        var slugs = mappings.Select(m => m.Tenant!).Distinct().ToList();
        var tenants = await db.Tenants
            .Where(t => slugs.Contains(t.Slug) && t.DeletionRequestedAt == null)
            .Select(t => new { t.Id, t.Slug })
            .ToListAsync(cancellationToken);
        var tenantIds = tenants.Select(t => t.Id).ToList();
        var current = await db.Memberships
            .Where(m => m.Subject == subject && tenantIds.Contains(m.TenantId))
            .ToDictionaryAsync(m => m.TenantId, cancellationToken);

        var changes = 0;
        foreach (var tenant in tenants)
        {
            var granted = mappings.Where(m => m.Tenant == tenant.Slug && groups.Contains(m.Group, StringComparer.Ordinal))
                .Select(m => (TenantRole?)m.Role)
                .Max();
            current.TryGetValue(tenant.Id, out var membership);

            string? action = (membership, granted) switch
            {
                (null, { } role) => Add(tenant.Id, role),
                ({ } m, null) => Remove(m),
                ({ } m, { } role) when m.Role != role => Change(m, role),
                _ => null,
            };
            if (action is null)
            {
                continue;
            }

            changes++;
            db.Record(Actor, action, AuditOutcome.Succeeded, tenant.Id, $"tenants/{tenant.Slug}/members/{subject}", granted?.ToString());
            Synced(logger, action, subject, tenant.Slug);
        }

        if (changes > 0)
        {
            await db.SaveChangesAsync(cancellationToken);
        }

        return changes;

        string Add(Guid tenantId, TenantRole role)
        {
            db.Memberships.Add(new Membership { TenantId = tenantId, Subject = subject, Role = role });
            return "membership.add";
        }

        string Remove(Membership membership)
        {
            db.Memberships.Remove(membership);
            return "membership.remove";
        }

        static string Change(Membership membership, TenantRole role)
        {
            membership.Role = role;
            return "membership.update";
        }
    }

    [LoggerMessage(LogLevel.Information, "Applied {Action} from directory groups for {Subject} in tenant {Tenant}")]
    static partial void Synced(ILogger logger, string action, string subject, string tenant);
}
