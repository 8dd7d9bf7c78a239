namespace Portal.Core.Identity;

/// <summary>
/// Looks users up by what people know of them, for member lists and the "add member" picker: everyone who has
/// signed in (<see cref="PortalUser"/>, kept by <see cref="SignInRecorder"/>) and every built-in account, even one
/// that has not signed in yet. Subjects nobody has seen stay unknown: the directory never asks the identity provider.
/// </summary>
/// <remarks>
/// Takes a context factory, not a context: Blazor pages call it from one long-lived circuit, where an
/// autocomplete may start a search before the previous one has finished.
/// </remarks>
public sealed class UserDirectory(IDbContextFactory<PortalDb> contexts)
{
    /// <summary>Most results one search returns, whatever the caller asks for.</summary>
    public const int MaxResults = 50;

    /// <summary>
    /// Whether <paramref name="caller"/> may look people up: platform administrators, and administrators of a tenant
    /// (the token's one tenant, for a token limited to it), who need it to add members. Others have no reason to
    /// browse who uses the portal.
    /// </summary>
    public async Task<bool> MayBrowseAsync(Caller caller, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(caller);
        if (caller.IsPlatformAdmin)
        {
            return true;
        }

        await using var db = await contexts.CreateDbContextAsync(cancellationToken);
        return await db.Memberships
            .Where(m => m.Subject == caller.Subject && m.Role == TenantRole.Admin
                && (caller.TokenTenant == null || m.TenantId == caller.TokenTenant))
            .Join(db.Tenants.Where(t => t.DeletionRequestedAt == null), m => m.TenantId, t => t.Id, (m, _) => m)
            .AnyAsync(cancellationToken);
    }

    /// <summary>
    /// Users whose display name (or any word of it), e-mail address or subject starts with <paramref name="text"/>,
    /// ignoring case for names and e-mail addresses, sorted by name; at most <paramref name="limit"/> (capped at
    /// <see cref="MaxResults"/>). Empty or blank text returns the users who signed in most recently.
    /// </summary>
    public async Task<IReadOnlyList<KnownUser>> SearchAsync(string? text, int limit, CancellationToken cancellationToken = default)
    {
        limit = Math.Clamp(limit, 0, MaxResults);
        if (limit == 0)
        {
            return [];
        }

        text = text?.Trim() ?? "";
        await using var db = await contexts.CreateDbContextAsync(cancellationToken);
        var users = db.KnownUsers.AsNoTracking();
        if (text.Length == 0)
        {
            return await users.OrderByDescending(u => u.LastSignInAt).ThenBy(u => u.Subject).Take(limit)
                .Select(u => new KnownUser(u.Subject, u.DisplayName, u.Email))
                .ToListAsync(cancellationToken);
        }

        var normalized = PortalUser.Normalize(text);
        var wordStart = " " + normalized;
        var seen = await users
            .Where(u => u.NormalizedDisplayName.StartsWith(normalized) || u.NormalizedDisplayName.Contains(wordStart)
                || (u.NormalizedEmail != null && u.NormalizedEmail.StartsWith(normalized)) || u.Subject.StartsWith(text))
            .OrderBy(u => u.NormalizedDisplayName).ThenBy(u => u.Subject).Take(limit)
            .Select(u => new KnownUser(u.Subject, u.DisplayName, u.Email))
            .ToListAsync(cancellationToken);

        // Built-in accounts that never signed in since the directory existed (or at all) are found by user name.
        // ... and by the display name an administrator gave them (Accounts.DisplayNameClaim), or a word of it.
        var named = db.UserClaims.Where(c => c.ClaimType == Accounts.DisplayNameClaim
            && (c.ClaimValue!.ToUpper().StartsWith(normalized) || c.ClaimValue.ToUpper().Contains(wordStart)));
        var accounts = await db.Users.AsNoTracking()
            .Where(a => a.NormalizedUserName!.StartsWith(normalized) || (a.NormalizedEmail != null && a.NormalizedEmail.StartsWith(normalized))
                || named.Any(c => c.UserId == a.Id))
            .OrderBy(a => a.NormalizedUserName).Take(limit)
            .Select(a => new KnownUser(a.Id, db.UserClaims.Where(c => c.UserId == a.Id && c.ClaimType == Accounts.DisplayNameClaim).Select(c => c.ClaimValue).FirstOrDefault() ?? a.UserName ?? a.Id, a.Email))
            .ToListAsync(cancellationToken);

        return seen.UnionBy(accounts, u => u.Subject, StringComparer.Ordinal)
            .OrderBy(u => u.DisplayName, StringComparer.OrdinalIgnoreCase).ThenBy(u => u.Subject, StringComparer.Ordinal)
            .Take(limit)
            .ToList();
    }

    /// <summary>
    /// The users behind <paramref name="subjects"/>, keyed by subject; subjects nobody knows are absent, so a list
    /// shows those as they are.
    /// </summary>
    public async Task<IReadOnlyDictionary<string, KnownUser>> NamesAsync(IEnumerable<string> subjects, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(subjects);
        var wanted = subjects.Where(s => !string.IsNullOrEmpty(s)).Distinct(StringComparer.Ordinal).ToList();
        var found = new Dictionary<string, KnownUser>(StringComparer.Ordinal);
        if (wanted.Count == 0)
        {
            return found;
        }

        await using var db = await contexts.CreateDbContextAsync(cancellationToken);
        foreach (var user in await db.KnownUsers.AsNoTracking()
            .Where(u => wanted.Contains(u.Subject))
            .Select(u => new KnownUser(u.Subject, u.DisplayName, u.Email))
            .ToListAsync(cancellationToken))
        {
            found[user.Subject] = user;
        }

        var missing = wanted.Where(s => !found.ContainsKey(s)).ToList();
        if (missing.Count > 0)
        {
            foreach (var account in await db.Users.AsNoTracking()
                .Where(a => missing.Contains(a.Id))
                .Select(a => new KnownUser(a.Id, db.UserClaims.Where(c => c.UserId == a.Id && c.ClaimType == Accounts.DisplayNameClaim).Select(c => c.ClaimValue).FirstOrDefault() ?? a.UserName ?? a.Id, a.Email))
                .ToListAsync(cancellationToken))
            {
                found[account.Subject] = account;
            }
        }

        return found;
    }
}
