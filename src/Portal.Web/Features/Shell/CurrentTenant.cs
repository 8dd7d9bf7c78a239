using Portal.Core.Tenants;

namespace Portal.Web.Features.Shell;

/// <summary>
/// The tenant the user is looking at in this circuit: chosen in the header, remembered across pages. Scoped, so each
/// circuit (browser tab) has its own.
/// </summary>
internal sealed class CurrentTenant(TenantService tenants)
{
    private IReadOnlyList<TenantAccess>? _memberships;

    /// <summary>Raised when <see cref="Slug"/> changes.</summary>
    public event Action? Changed;

    /// <summary>Slug of the chosen tenant, or null when the caller belongs to none.</summary>
    public string? Slug { get; private set; }

    /// <summary>The caller's tenants (loaded once per circuit) and picks the first when none is chosen yet.</summary>
    public async Task<IReadOnlyList<TenantAccess>> MembershipsAsync(CancellationToken ct)
    {
        _memberships ??= await tenants.ListAsync(ct);
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

    /// <summary>Forgets the loaded memberships, e.g. after a tenant was created.</summary>
    public void Refresh() => _memberships = null;
}
