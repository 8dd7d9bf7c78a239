namespace Portal.Web.Features.Tenants;

/// <summary>
/// The personal access tokens limited to one tenant, for that tenant's admins (and platform admins): list and
/// revoke. Everyone else is answered as for a tenant they don't administer, as <see cref="MembershipService"/> does.
/// </summary>
internal sealed class TenantTokens(
    IDbContextFactory<PortalDb> contexts, Caller caller, TimeProvider time, IOptions<PersonalAccessTokenOptions> limits)
{
    /// <summary>The tenant's tokens, newest first, including expired and revoked ones.</summary>
    public async Task<Outcome<IReadOnlyList<PersonalAccessToken>>> ListAsync(string slug, CancellationToken ct)
    {
        await using var db = await contexts.CreateDbContextAsync(ct);
        if (await AdministeredAsync(db, slug, ct) is not { } tenant)
            return Refused(slug);
        return Outcome<IReadOnlyList<PersonalAccessToken>>.Success(await Tokens(db).ListInTenantAsync(tenant.Id, ct));
    }

    /// <summary>Revokes token <paramref name="id"/> if it is limited to the tenant; audited with the caller as actor.</summary>
    public async Task<Outcome<bool>> RevokeAsync(string slug, Guid id, CancellationToken ct)
    {
        await using var db = await contexts.CreateDbContextAsync(ct);
        if (await AdministeredAsync(db, slug, ct) is not { } tenant)
            return Refused(slug);
        return await Tokens(db).RevokeInTenantAsync(id, tenant.Id, caller.Subject, ct)
            ? true
            : new Failure(FailureKind.NotFound, "Token not found.", $"No token of '{slug}' with that id.");
    }

    private PersonalAccessTokens Tokens(PortalDb db) => new(db, time, limits);

    private async Task<Tenant?> AdministeredAsync(PortalDb db, string slug, CancellationToken ct) =>
        await TenantAccess.ForMemberAsync(db, caller, slug, ct) is { Role: TenantRole.Admin } access ? access.Tenant : null;

    private static Failure Refused(string slug) =>
        new(FailureKind.NotFound, "Tenant not found.", $"No tenant '{slug}' you administer.");
}
