namespace Portal.Core.Identity;

/// <summary>
/// A long-lived credential that lets a notebook or script call the API as its owner. Only a hash of the secret is
/// stored; the plaintext exists once, in the <see cref="CreatedToken"/> returned when the token is made.
/// </summary>
public sealed class PersonalAccessToken
{
    /// <summary>Identifier used to revoke and list the token; never part of the credential.</summary>
    public Guid Id { get; init; } = Guid.CreateVersion7();

    /// <summary>Subject of the user the token acts for (OIDC 'sub' or the built-in account id).</summary>
    public required string Owner { get; init; }

    /// <summary>What the owner called the token, e.g. "laptop notebook".</summary>
    public required string Name { get; init; }

    /// <summary>Public, unique lookup key embedded in the token text (see <see cref="TokenText"/>).</summary>
    public required string Prefix { get; init; }

    /// <summary>SHA-256 of the token's secret part.</summary>
    public required byte[] Hash { get; init; }

    /// <summary>Tenant the token is limited to, or null for every tenant its owner belongs to at the time of use.</summary>
    public Guid? TenantId { get; init; }

    /// <summary>Whether the token may change anything.</summary>
    public TokenAccess Access { get; init; }

    /// <summary>When the token was made.</summary>
    public DateTimeOffset CreatedAt { get; init; }

    /// <summary>From this instant the token no longer authenticates; every token expires.</summary>
    public DateTimeOffset ExpiresAt { get; init; }

    /// <summary>Last successful use, kept to a minute's precision to avoid a write per request.</summary>
    public DateTimeOffset? LastUsedAt { get; set; }

    /// <summary>When the owner revoked the token, or null while it stands; a revoked token never works again.</summary>
    public DateTimeOffset? RevokedAt { get; set; }

    /// <summary>True when the token can no longer authenticate at <paramref name="now"/>.</summary>
    public bool IsInactiveAt(DateTimeOffset now) => RevokedAt is not null || ExpiresAt <= now;
}

/// <summary>What a personal access token may do inside its tenant scope.</summary>
public enum TokenAccess
{
    /// <summary>GET and other safe requests only.</summary>
    Read = 0,

    /// <summary>Everything its owner's role allows.</summary>
    ReadWrite = 1,
}

/// <summary>A token just made: the stored row and the only copy of its plaintext.</summary>
public sealed record CreatedToken(PersonalAccessToken Token, string Plaintext);
