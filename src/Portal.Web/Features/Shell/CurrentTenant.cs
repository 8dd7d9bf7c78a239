namespace Portal.Web.Features.Shell;

/// <summary>
/// The tenant the user is looking at in this circuit: chosen in the header, remembered across pages. Scoped, so each
/// circuit (browser tab) has its own; a new one starts with the tenant the user chose last, in any tab, while they
/// still belong to it.
/// </summary>
internal sealed class CurrentTenant(TenantService tenants, UserPreferences preferences)
{
    private IReadOnlyList<TenantAccess>? _memberships;

    /// <summary>Raised when <see cref="Slug"/> changes.</summary>
    public event Action? Changed;

    /// <summary>Slug of the chosen tenant, or null when the caller belongs to none.</summary>
    public string? Slug { get; private set; }

    /// <summary>
    /// The caller's tenants (loaded once per circuit); when none is chosen yet, picks the one the caller chose last if
    /// they still see it, else the first.
    /// </summary>
    public async Task<IReadOnlyList<TenantAccess>> MembershipsAsync(CancellationToken ct)
    {
        if (_memberships is null)
        {
            _memberships = await tenants.ListAsync(ct);
            if (Slug is null && (await preferences.GetAsync(ct)).TenantSlug is { } last && _memberships.Any(m => m.Tenant.Slug == last))
                Slug = last;
        }

        Slug ??= _memberships.FirstOrDefault()?.Tenant.Slug;
        return _memberships;
    }

    /// <summary>The chosen tenant and the caller's role in it, or null.</summary>
    public async Task<TenantAccess?> AccessAsync(CancellationToken ct) =>
        (await MembershipsAsync(ct)).FirstOrDefault(m => m.Tenant.Slug == Slug);

    /// <summary>Chooses <paramref name="slug"/>; pages following the current tenant reload.</summary>
    public void Select(string slug)
    {
        if (slug == Slug)
            return;
        Slug = slug;
        Changed?.Invoke();
    }

    /// <summary>Chooses <paramref name="slug"/> as <see cref="Select"/> does, and remembers it for the user's next pages.</summary>
    public async Task ChooseAsync(string slug, CancellationToken ct)
    {
        Select(slug);
        await preferences.RememberTenantAsync(slug, ct);
    }

    /// <summary>Forgets the loaded memberships, e.g. after a tenant was created.</summary>
    public void Refresh() => _memberships = null;
}
