using Portal.Core.Audit;

namespace Portal.Web.Features.Admin;

/// <summary>What the audit log page filters by; null fields don't filter.</summary>
internal sealed record AuditFilter(string? Actor = null, string? Action = null, AuditOutcome? Outcome = null);

/// <summary>One page of the audit log, newest first, and how many entries match in all.</summary>
internal sealed record AuditPage(IReadOnlyList<AuditEntry> Items, int TotalCount, IReadOnlyDictionary<string, KnownUser> Actors)
{
    /// <summary>The name to show for <paramref name="actor"/>: the person's display name, else the actor as recorded.</summary>
    public string NameOf(string actor) => Actors.TryGetValue(actor, out var user) ? user.DisplayName : actor;
}

/// <summary>
/// Reads the audit log for platform admins, a page at a time in the database. Refuses everyone else, whatever the
/// page shows, because the log names every tenant's users and objects.
/// </summary>
internal sealed class AuditLogQuery(IDbContextFactory<PortalDb> contexts, Caller caller, UserDirectory directory)
{
    /// <summary>Largest page the grid may ask for.</summary>
    public const int MaxPageSize = 200;

    public async Task<Outcome<AuditPage>> PageAsync(AuditFilter filter, int page, int pageSize, CancellationToken ct)
    {
        ArgumentNullException.ThrowIfNull(filter);
        if (!caller.IsPlatformAdmin)
            return new Failure(FailureKind.Forbidden, "Only platform admins may read the audit log.");
        pageSize = Math.Clamp(pageSize, 1, MaxPageSize);
        page = Math.Max(0, page);

        await using var db = await contexts.CreateDbContextAsync(ct);
        var entries = db.AuditLog.AsNoTracking();
        if (!string.IsNullOrWhiteSpace(filter.Actor))
        {
            // Entries record subjects (or, for sign-ins, the name typed): the filter matches either, and the
            // subjects of the people whose name, user name or e-mail address it matches.
            var text = filter.Actor.Trim();
            var people = (await directory.SearchAsync(text, UserDirectory.MaxResults, ct)).Select(u => u.Subject).ToList();
            entries = entries.Where(e => e.Actor.Contains(text) || people.Contains(e.Actor));
        }
        if (!string.IsNullOrWhiteSpace(filter.Action))
            entries = entries.Where(e => e.Action.StartsWith(filter.Action.Trim()));
        if (filter.Outcome is { } outcome)
            entries = entries.Where(e => e.Outcome == outcome);

        var total = await entries.CountAsync(ct);
        var items = await entries.OrderByDescending(e => e.Id).Skip(page * pageSize).Take(pageSize).ToListAsync(ct);
        return new AuditPage(items, total, await directory.NamesAsync(items.Select(e => e.Actor), ct));
    }
}
