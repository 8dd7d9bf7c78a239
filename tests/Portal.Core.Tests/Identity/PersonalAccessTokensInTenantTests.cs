using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.Options;
using Portal.Core.Data;
using Portal.Core.Identity;
using Microsoft.Extensions.Time.Testing;

namespace Portal.Core.Tests.Identity;

/// <summary>What a tenant's administrator sees and revokes: the tokens limited to that tenant, whoever owns them.</summary>
public sealed class PersonalAccessTokensInTenantTests : IAsyncLifetime
{
    const string Alice = "alice-subject";
    const string Bob = "bob-subject";
    const string TenantAdmin = "tenant-admin";

    static readonly Guid Team = Guid.CreateVersion7();
    static readonly Guid OtherTeam = Guid.CreateVersion7();

    readonly FakeTimeProvider _clock = new(new DateTimeOffset(2026, 11, 25, 9, 0, 0, TimeSpan.Zero));
    SqlitePortalDb _db = null!;

    static CancellationToken Ct => TestContext.Current.CancellationToken;

    public async ValueTask InitializeAsync() => _db = await TokenTestDb.CreateAsync(_clock);

    public async ValueTask DisposeAsync() => await _db.DisposeAsync();

    PersonalAccessTokens Tokens() => new(_db, _clock, Options.Create(new PersonalAccessTokenOptions()));

    Task<CreatedToken> CreateFor(string owner, Guid? tenant, string name = "notebook") =>
        Tokens().CreateAsync(new TokenRequest(owner, name, TenantId: tenant), actor: owner, Ct);

    [Fact]
    public async Task Listing_a_tenant_returns_every_owners_tokens_limited_to_it_newest_first()
    {
        var older = await CreateFor(Alice, Team);
        _clock.Advance(TimeSpan.FromSeconds(1));
        var newer = await CreateFor(Bob, Team);

        var listed = await Tokens().ListInTenantAsync(Team, Ct);

        Assert.Equal([newer.Token.Id, older.Token.Id], listed.Select(t => t.Id));
    }

    [Fact]
    public async Task Listing_a_tenant_leaves_out_unscoped_tokens_and_other_tenants_tokens()
    {
        await CreateFor(Alice, tenant: null);
        await CreateFor(Alice, OtherTeam);

        Assert.Empty(await Tokens().ListInTenantAsync(Team, Ct));
    }

    [Fact]
    public async Task A_tenant_admin_revokes_a_token_limited_to_their_tenant()
    {
        var created = await CreateFor(Alice, Team);

        await Tokens().RevokeInTenantAsync(created.Token.Id, Team, TenantAdmin, Ct);

        Assert.Equal(TokenValidationOutcome.Revoked, (await Tokens().ValidateAsync(created.Plaintext, Ct)).Outcome);
    }

    [Fact]
    public async Task A_tenant_admin_cannot_revoke_an_unscoped_token_of_a_member()
    {
        var created = await CreateFor(Alice, tenant: null);

        var revoked = await Tokens().RevokeInTenantAsync(created.Token.Id, Team, TenantAdmin, Ct);

        Assert.Equal((false, TokenValidationOutcome.Valid), (revoked, (await Tokens().ValidateAsync(created.Plaintext, Ct)).Outcome));
    }

    [Fact]
    public async Task A_tenant_admin_cannot_revoke_another_tenants_token()
    {
        var created = await CreateFor(Alice, OtherTeam);

        var revoked = await Tokens().RevokeInTenantAsync(created.Token.Id, Team, TenantAdmin, Ct);

        Assert.Equal((false, TokenValidationOutcome.Valid), (revoked, (await Tokens().ValidateAsync(created.Plaintext, Ct)).Outcome));
    }

    [Fact]
    public async Task A_tenant_admins_revocation_is_audited_with_the_admin_as_actor_and_the_tenant()
    {
        var created = await CreateFor(Alice, Team, name: "ci");

        await Tokens().RevokeInTenantAsync(created.Token.Id, Team, TenantAdmin, Ct);

        var entry = await _db.AuditLog.AsNoTracking().SingleAsync(a => a.Action == "token.revoke", Ct);
        Assert.Equal(
            (TenantAdmin, (Guid?)Team, (string?)$"users/{Alice}/tokens/{created.Token.Id}", (string?)"ci"),
            (entry.Actor, entry.TenantId, entry.Target, entry.Detail));
    }
}
