using System.Linq.Expressions;
using Microsoft.Extensions.Options;

namespace Portal.Core.Identity;

/// <summary>
/// Creates, validates, revokes and lists personal access tokens. Creation and revocation are audited in the same
/// save, so neither can happen without its record.
/// </summary>
public sealed class PersonalAccessTokens(PortalDb db, TimeProvider time, IOptions<PersonalAccessTokenOptions> options)
{
    /// <summary>Longest token name accepted.</summary>
    public const int MaxNameLength = 100;

    // LastUsedAt is for humans ("used 3 days ago"); a write per API call would cost more than it tells.
    static readonly TimeSpan LastUsedPrecision = TimeSpan.FromMinutes(1);

    DbSet<PersonalAccessToken> Tokens => db.Set<PersonalAccessToken>();

    /// <summary>The configured limits (maximum and default lifetime).</summary>
    public PersonalAccessTokenOptions Limits => options.Value;

    /// <summary>
    /// Checks <paramref name="request"/> against the limits. Returns problems keyed by request field, empty when
    /// the request is acceptable; suitable for a validation problem response.
    /// </summary>
    public IReadOnlyDictionary<string, string[]> Check(TokenRequest request)
    {
        ArgumentNullException.ThrowIfNull(request);
        var errors = new Dictionary<string, string[]>();
        if (string.IsNullOrWhiteSpace(request.Owner))
        {
            errors[nameof(request.Owner)] = ["A token needs an owner."];
        }

        if (string.IsNullOrWhiteSpace(request.Name) || request.Name.Length > MaxNameLength)
        {
            errors[nameof(request.Name)] = [$"Give the token a name of 1 to {MaxNameLength} characters."];
        }

        if (request.ExpiresInDays is { } days && (days < 1 || days > Limits.MaxLifetimeDays))
        {
            errors[nameof(request.ExpiresInDays)] = [$"A token lives 1 to {Limits.MaxLifetimeDays} days."];
        }

        return errors;
    }

    /// <summary>
    /// Stores a new token for <paramref name="request"/> and returns it with its plaintext, which is not kept
    /// anywhere and cannot be shown again. <paramref name="actor"/> is who asked, for the audit log.
    /// </summary>
    /// <exception cref="ArgumentException">The request fails <see cref="Check"/>.</exception>
    public async Task<CreatedToken> CreateAsync(TokenRequest request, string actor, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(request);
        ArgumentException.ThrowIfNullOrWhiteSpace(actor);
        var errors = Check(request);
        if (errors.Count > 0)
        {
            throw new ArgumentException(string.Join(" ", errors.Values.SelectMany(e => e)), nameof(request));
        }

        var now = time.GetUtcNow();
        var (prefix, secret, text) = TokenText.Generate();
        var token = new PersonalAccessToken
        {
            Owner = request.Owner,
            Name = request.Name.Trim(),
            Prefix = prefix,
            Hash = TokenText.Hash(secret),
            TenantId = request.TenantId,
            Access = request.Access,
            CreatedAt = now,
            ExpiresAt = now.AddDays(request.ExpiresInDays ?? Limits.DefaultLifetimeDays),
        };

        // NOTE: two 71-bit random prefixes colliding is not worth a retry loop; the unique index turns that
        // one-in-10^21 event into a failed request instead of an ambiguous token.
        Tokens.Add(token);
        Audit(db, actor, token, "token.create");
        await db.SaveChangesAsync(cancellationToken);
        return new CreatedToken(token, text);
    }

    /// <summary>
    /// Finds the live token that <paramref name="text"/> spells. Records the use (at most once a minute) when it
    /// is valid. The outcome says why a token was refused, for logs; callers must not tell the client which.
    /// </summary>
    public async Task<TokenValidation> ValidateAsync(string? text, CancellationToken cancellationToken)
    {
        if (!TokenText.TryParse(text, out var prefix, out var secret))
        {
            return new(TokenValidationOutcome.Malformed, null);
        }

        var token = await Tokens.AsNoTracking().SingleOrDefaultAsync(t => t.Prefix == prefix, cancellationToken);
        if (token is null)
        {
            return new(TokenValidationOutcome.Unknown, null);
        }

        // Compare the secret before looking at expiry or revocation, so only the holder of the secret learns
        // those facts about a prefix.
        if (!TokenText.Matches(secret, token.Hash))
        {
            return new(TokenValidationOutcome.Unknown, null);
        }

        var now = time.GetUtcNow();
        if (token.RevokedAt is not null)
        {
            return new(TokenValidationOutcome.Revoked, token);
        }

        if (token.ExpiresAt <= now)
        {
            return new(TokenValidationOutcome.Expired, token);
        }

        // A disabled built-in account's tokens stop working while it is disabled, and work again once it is enabled.
        if (await db.Users.AnyAsync(u => u.Id == token.Owner && u.LockoutEnd >= Accounts.DisabledThreshold, cancellationToken))
        {
            return new(TokenValidationOutcome.Disabled, token);
        }

        if (token.LastUsedAt is not { } lastUsed || now - lastUsed >= LastUsedPrecision)
        {
            // A set-based update: no tracked entity, no read-modify-write race between concurrent requests.
            await Tokens.Where(t => t.Id == token.Id)
                .ExecuteUpdateAsync(set => set.SetProperty(t => t.LastUsedAt, now), cancellationToken);
            token.LastUsedAt = now;
        }

        return new(TokenValidationOutcome.Valid, token);
    }

    /// <summary>
    /// Revokes token <paramref name="id"/> of <paramref name="owner"/>, or of anyone when <paramref name="owner"/>
    /// is null (a platform administrator). Returns false when there is no such token for that owner; revoking a
    /// revoked token succeeds and keeps the first revocation time.
    /// </summary>
    public Task<bool> RevokeAsync(Guid id, string? owner, string actor, CancellationToken cancellationToken) =>
        RevokeWhereAsync(t => t.Id == id && (owner == null || t.Owner == owner), actor, cancellationToken);

    /// <summary>
    /// Revokes token <paramref name="id"/> if it is limited to <paramref name="tenantId"/>, for that tenant's
    /// administrator; the caller checks that <paramref name="actor"/> administers the tenant. Returns false when no
    /// token of that id is limited to the tenant, so a tenant admin reaches neither unscoped tokens nor other tenants'.
    /// </summary>
    public Task<bool> RevokeInTenantAsync(Guid id, Guid tenantId, string actor, CancellationToken cancellationToken) =>
        RevokeWhereAsync(t => t.Id == id && t.TenantId == tenantId, actor, cancellationToken);

    async Task<bool> RevokeWhereAsync(Expression<Func<PersonalAccessToken, bool>> which, string actor, CancellationToken cancellationToken)
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(actor);
        var token = await Tokens.SingleOrDefaultAsync(which, cancellationToken);
        if (token is null)
        {
            return false;
        }

        if (token.RevokedAt is null)
        {
            token.RevokedAt = time.GetUtcNow();
            Audit(db, actor, token, "token.revoke");
            await db.SaveChangesAsync(cancellationToken);
        }

        return true;
    }

    /// <summary>All tokens of <paramref name="owner"/>, newest first, including expired and revoked ones.</summary>
    public async Task<IReadOnlyList<PersonalAccessToken>> ListAsync(string owner, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(owner);
        return await Tokens.AsNoTracking()
            .Where(t => t.Owner == owner)
            .OrderByDescending(t => t.CreatedAt)
            .ToListAsync(cancellationToken);
    }

    /// <summary>
    /// The tokens limited to <paramref name="tenantId"/>, whoever owns them, newest first, including expired and
    /// revoked ones: what a tenant's administrator oversees. Unscoped tokens are not listed; they belong to their owners.
    /// </summary>
    public async Task<IReadOnlyList<PersonalAccessToken>> ListInTenantAsync(Guid tenantId, CancellationToken cancellationToken) =>
        await Tokens.AsNoTracking()
            .Where(t => t.TenantId == tenantId)
            .OrderByDescending(t => t.CreatedAt)
            .ToListAsync(cancellationToken);

    static void Audit(PortalDb db, string actor, PersonalAccessToken token, string action) =>
        db.Record(actor, action, AuditOutcome.Succeeded, token.TenantId, $"users/{token.Owner}/tokens/{token.Id}", token.Name);
}

/// <summary>What to create a personal access token for.</summary>
/// <param name="Owner">Subject the token acts for.</param>
/// <param name="Name">Human name of the token.</param>
/// <param name="ExpiresInDays">Lifetime in days; null takes the configured default.</param>
/// <param name="TenantId">The one tenant the token may reach, or null for all of its owner's tenants.</param>
/// <param name="Access">Read-only or read-write.</param>
public sealed record TokenRequest(
    string Owner, string Name, int? ExpiresInDays = null, Guid? TenantId = null, TokenAccess Access = TokenAccess.ReadWrite);

/// <summary>Result of <see cref="PersonalAccessTokens.ValidateAsync"/>: the outcome and, past the hash check, the token.</summary>
public readonly record struct TokenValidation(TokenValidationOutcome Outcome, PersonalAccessToken? Token)
{
    /// <summary>True when the token may authenticate the request.</summary>
    public bool IsValid => Outcome is TokenValidationOutcome.Valid;
}

/// <summary>Why a presented token was accepted or refused.</summary>
public enum TokenValidationOutcome
{
    /// <summary>Live token; the request is its owner's.</summary>
    Valid,

    /// <summary>Not of the form spk_&lt;prefix&gt;_&lt;secret&gt;.</summary>
    Malformed,

    /// <summary>No token with this prefix, or the secret does not match.</summary>
    Unknown,

    /// <summary>Past its expiry.</summary>
    Expired,

    /// <summary>Revoked by its owner or an administrator.</summary>
    Revoked,

    /// <summary>Its owner's built-in account is disabled.</summary>
    Disabled,
}
