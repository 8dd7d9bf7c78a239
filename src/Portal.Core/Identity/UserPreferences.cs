namespace Portal.Core.Identity;

/// <summary>
/// What the portal remembers of a person's choices in the browser, on their known-users row: the theme and the tenant
/// they last looked at, so a reload, a new tab or another browser starts where they left off.
/// </summary>
/// <remarks>
/// Only people who signed in interactively have a row (<see cref="SignInRecorder"/> writes it), and only they have
/// pages whose choices are worth keeping; for anyone else nothing is remembered. Takes a context factory: the Blazor
/// layout calls it from a long-lived circuit.
/// </remarks>
public sealed class UserPreferences(IDbContextFactory<PortalDb> contexts, Caller caller)
{
    /// <summary>The caller's remembered choices; none for someone without a known-users row.</summary>
    public async Task<UserChoices> GetAsync(CancellationToken cancellationToken = default)
    {
        await using var db = await contexts.CreateDbContextAsync(cancellationToken).ConfigureAwait(false);
        return await db.KnownUsers.AsNoTracking()
            .Where(u => u.Subject == caller.Subject)
            .Select(u => new UserChoices(u.DarkTheme, u.LastTenantSlug))
            .SingleOrDefaultAsync(cancellationToken).ConfigureAwait(false) ?? UserChoices.None;
    }

    /// <summary>Remembers the theme the caller chose.</summary>
    public async Task RememberThemeAsync(bool dark, CancellationToken cancellationToken = default)
    {
        await using var db = await contexts.CreateDbContextAsync(cancellationToken).ConfigureAwait(false);
        await db.KnownUsers.Where(u => u.Subject == caller.Subject)
            .ExecuteUpdateAsync(s => s.SetProperty(u => u.DarkTheme, dark), cancellationToken).ConfigureAwait(false);
    }

    /// <summary>
    /// Remembers the tenant the caller chose. Stored as given: whether the caller may still see it is decided when it
    /// is read back, against their memberships then.
    /// </summary>
    public async Task RememberTenantAsync(string slug, CancellationToken cancellationToken = default)
    {
        ArgumentException.ThrowIfNullOrEmpty(slug);
        if (slug.Length > Tenant.MaxSlugLength) return;
        await using var db = await contexts.CreateDbContextAsync(cancellationToken).ConfigureAwait(false);
        await db.KnownUsers.Where(u => u.Subject == caller.Subject)
            .ExecuteUpdateAsync(s => s.SetProperty(u => u.LastTenantSlug, slug), cancellationToken).ConfigureAwait(false);
    }
}

/// <summary>A person's remembered choices.</summary>
/// <param name="DarkTheme">The theme they chose last: true for dark; null when they never chose.</param>
/// <param name="TenantSlug">The tenant they looked at last, if any.</param>
public sealed record UserChoices(bool? DarkTheme, string? TenantSlug)
{
    /// <summary>Nothing remembered.</summary>
    public static UserChoices None { get; } = new(null, null);
}
