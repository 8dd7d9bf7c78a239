using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.Options;
using Portal.Core.Data;
using Portal.Core.Identity;
using Microsoft.Extensions.Time.Testing;

namespace Portal.Core.Tests.Identity;

public sealed class PersonalAccessTokensTests : IAsyncLifetime
{
    const string Alice = "alice-subject";
    const string Bob = "bob-subject";

    readonly FakeTimeProvider _clock = new(new DateTimeOffset(2026, 11, 25, 9, 0, 0, TimeSpan.Zero));
    SqlitePortalDb _db = null!;

    static CancellationToken Ct => TestContext.Current.CancellationToken;

    public async ValueTask InitializeAsync()
    {
        _db = await TokenTestDb.CreateAsync(_clock);
    }

    public async ValueTask DisposeAsync()
    {
        await _db.DisposeAsync();
    }

    PersonalAccessTokens Tokens(int maxDays = 365, int defaultDays = 90) => new(
        _db, _clock, Options.Create(new PersonalAccessTokenOptions { MaxLifetimeDays = maxDays, DefaultLifetimeDays = defaultDays }));

    Task<CreatedToken> CreateFor(string owner, int? days = null) =>
        Tokens().CreateAsync(new TokenRequest(owner, "notebook", days), actor: owner, Ct);

    [Fact]
    public async Task A_created_token_is_spk_prefix_secret_and_its_row_holds_only_the_hash_of_the_secret()
    {
        var created = await CreateFor(Alice);

        Assert.True(TokenText.TryParse(created.Plaintext, out var prefix, out var secret));
        var row = await _db.Set<PersonalAccessToken>().AsNoTracking().SingleAsync(Ct);
        Assert.Equal((prefix, Convert.ToHexString(TokenText.Hash(secret))), (row.Prefix, Convert.ToHexString(row.Hash)));
    }

    [Fact]
    public async Task A_created_token_validates_as_its_owner()
    {
        var created = await CreateFor(Alice);

        var result = await Tokens().ValidateAsync(created.Plaintext, Ct);

        Assert.Equal((TokenValidationOutcome.Valid, Alice), (result.Outcome, result.Token?.Owner));
    }

    [Fact]
    public async Task A_token_with_the_right_prefix_but_another_secret_is_unknown()
    {
        var created = await CreateFor(Alice);
        var forged = created.Plaintext[..^1] + (created.Plaintext[^1] == 'a' ? 'b' : 'a');

        var result = await Tokens().ValidateAsync(forged, Ct);

        Assert.Equal((TokenValidationOutcome.Unknown, null), (result.Outcome, result.Token));
    }

    [Theory]
    [InlineData("")]
    [InlineData("spk_")]
    [InlineData("ghp_0123456789abcdefghijklmnopqrstuvwxyzABCD")]
    [InlineData("spk_abcdefghijkl_0123456789abcdefghijklmnopqrstuvwxyzABCDEFG-")]
    public async Task Text_that_is_not_a_token_is_malformed(string text)
    {
        var result = await Tokens().ValidateAsync(text, Ct);

        Assert.Equal(TokenValidationOutcome.Malformed, result.Outcome);
    }

    [Fact]
    public async Task A_token_is_refused_once_its_lifetime_has_passed()
    {
        var created = await CreateFor(Alice, days: 7);
        _clock.Advance(TimeSpan.FromDays(7));

        var result = await Tokens().ValidateAsync(created.Plaintext, Ct);

        Assert.Equal(TokenValidationOutcome.Expired, result.Outcome);
    }

    [Fact]
    public async Task A_revoked_token_is_refused()
    {
        var created = await CreateFor(Alice);
        await Tokens().RevokeAsync(created.Token.Id, Alice, actor: Alice, Ct);

        var result = await Tokens().ValidateAsync(created.Plaintext, Ct);

        Assert.Equal(TokenValidationOutcome.Revoked, result.Outcome);
    }

    [Fact]
    public async Task Last_use_is_written_on_first_use_and_then_at_most_once_a_minute()
    {
        var created = await CreateFor(Alice);
        var first = _clock.GetUtcNow();
        await Tokens().ValidateAsync(created.Plaintext, Ct);
        _clock.Advance(TimeSpan.FromSeconds(59));
        await Tokens().ValidateAsync(created.Plaintext, Ct);

        var row = await _db.Set<PersonalAccessToken>().AsNoTracking().SingleAsync(Ct);

        Assert.Equal(first, row.LastUsedAt);
    }

    [Fact]
    public async Task Last_use_moves_on_once_a_minute_has_passed()
    {
        var created = await CreateFor(Alice);
        await Tokens().ValidateAsync(created.Plaintext, Ct);
        _clock.Advance(TimeSpan.FromMinutes(1));
        await Tokens().ValidateAsync(created.Plaintext, Ct);

        var row = await _db.Set<PersonalAccessToken>().AsNoTracking().SingleAsync(Ct);

        Assert.Equal(_clock.GetUtcNow(), row.LastUsedAt);
    }

    [Fact]
    public void A_lifetime_beyond_the_maximum_is_rejected_on_the_expiry_field()
    {
        var errors = Tokens(maxDays: 30).Check(new TokenRequest(Alice, "ci", ExpiresInDays: 31));

        Assert.Equal(nameof(TokenRequest.ExpiresInDays), Assert.Single(errors).Key);
    }

    [Fact]
    public async Task Creating_with_a_lifetime_beyond_the_maximum_stores_nothing()
    {
        await Assert.ThrowsAsync<ArgumentException>(() =>
            Tokens(maxDays: 30).CreateAsync(new TokenRequest(Alice, "ci", ExpiresInDays: 31), Alice, Ct));

        Assert.False(await _db.Set<PersonalAccessToken>().AnyAsync(Ct));
    }

    [Fact]
    public async Task A_token_created_without_a_lifetime_gets_the_default()
    {
        var created = await Tokens(defaultDays: 30).CreateAsync(new TokenRequest(Alice, "ci"), Alice, Ct);

        Assert.Equal(_clock.GetUtcNow().AddDays(30), created.Token.ExpiresAt);
    }

    [Fact]
    public async Task Revoking_another_users_token_finds_nothing_and_leaves_it_valid()
    {
        var created = await CreateFor(Alice);

        var revoked = await Tokens().RevokeAsync(created.Token.Id, owner: Bob, actor: Bob, Ct);

        Assert.Equal((false, TokenValidationOutcome.Valid), (revoked, (await Tokens().ValidateAsync(created.Plaintext, Ct)).Outcome));
    }

    [Fact]
    public async Task A_platform_administrator_can_revoke_anyones_token()
    {
        var created = await CreateFor(Alice);

        Assert.True(await Tokens().RevokeAsync(created.Token.Id, owner: null, actor: "admin", Ct));
    }

    [Fact]
    public async Task Listing_returns_only_the_owners_tokens_newest_first()
    {
        var older = await CreateFor(Alice);
        await CreateFor(Bob);
        _clock.Advance(TimeSpan.FromSeconds(1));
        var newer = await CreateFor(Alice);

        var listed = await Tokens().ListAsync(Alice, Ct);

        Assert.Equal([newer.Token.Id, older.Token.Id], listed.Select(t => t.Id));
    }

    [Fact]
    public async Task Creation_and_revocation_are_audited_with_actor_and_target_but_not_the_secret()
    {
        var created = await Tokens().CreateAsync(new TokenRequest(Alice, "ci"), actor: "operator", Ct);
        await Tokens().RevokeAsync(created.Token.Id, Alice, actor: Alice, Ct);

        var audit = await _db.AuditLog.AsNoTracking().OrderBy(a => a.Id)
            .Select(a => new { a.Actor, a.Action, a.Target, a.Detail }).ToListAsync(Ct);

        var target = $"users/{Alice}/tokens/{created.Token.Id}";
        Assert.Equal(
            [new { Actor = "operator", Action = "token.create", Target = (string?)target, Detail = (string?)"ci" },
             new { Actor = Alice, Action = "token.revoke", Target = (string?)target, Detail = (string?)"ci" }],
            audit);
    }
}
