using System.ComponentModel.DataAnnotations;

namespace Portal.Web.Features.Identity;

/// <summary>
/// Single sign-on with an OpenID Connect provider, bound from "Authentication:OpenIdConnect". SSO is on exactly
/// when <see cref="Authority"/> is set.
/// </summary>
public sealed class OpenIdConnectSettings : IValidatableObject
{
    public const string Section = "Authentication:OpenIdConnect";

    /// <summary>Issuer URL; its /.well-known/openid-configuration is read at start. Empty turns SSO off.</summary>
    public string? Authority { get; set; }

    public string? ClientId { get; set; }

    /// <summary>Secret of a confidential client; PKCE is used either way.</summary>
    public string? ClientSecret { get; set; }

    /// <summary>Scopes requested at sign-in; add "groups" or similar where the provider needs it.</summary>
    public List<string> Scopes { get; set; } = ["openid", "profile", "email"];

    /// <summary>Claim holding the stable user id (Entra ID: "oid" is stable across apps, "sub" is per-app).</summary>
    [Required]
    public string UserIdClaim { get; set; } = "sub";

    [Required]
    public string NameClaim { get; set; } = "name";

    [Required]
    public string EmailClaim { get; set; } = "email";

    [Required]
    public string GroupsClaim { get; set; } = "groups";

    /// <summary>Expected "aud" of access tokens sent to the API; defaults to <see cref="ClientId"/>.</summary>
    public string? Audience { get; set; }

    /// <summary>Also read claims from the userinfo endpoint after sign-in.</summary>
    public bool GetClaimsFromUserInfoEndpoint { get; set; } = true;

    /// <summary>Refuse a provider reached over plain HTTP. Turn off only for a provider on loopback.</summary>
    public bool RequireHttpsMetadata { get; set; } = true;

    /// <summary>Label of the sign-in page's SSO button.</summary>
    [Required]
    public string DisplayName { get; set; } = "Single sign-on";

    public bool Enabled => !string.IsNullOrWhiteSpace(Authority);

    public string EffectiveAudience => string.IsNullOrWhiteSpace(Audience) ? ClientId ?? "" : Audience;

    /// <inheritdoc/>
    public IEnumerable<ValidationResult> Validate(ValidationContext validationContext)
    {
        if (!Enabled)
        {
            yield break;
        }

        if (!Uri.TryCreate(Authority, UriKind.Absolute, out var authority) || authority.Scheme is not ("https" or "http"))
        {
            yield return new ValidationResult("Authority must be an absolute http(s) URL.", [nameof(Authority)]);
        }
        else if (RequireHttpsMetadata && authority.Scheme != "https")
        {
            yield return new ValidationResult(
                "Authority must use https unless RequireHttpsMetadata is false.", [nameof(Authority)]);
        }

        if (string.IsNullOrWhiteSpace(ClientId))
        {
            yield return new ValidationResult("ClientId is required when Authority is set.", [nameof(ClientId)]);
        }

        if (!Scopes.Contains("openid"))
        {
            yield return new ValidationResult("Scopes must include \"openid\".", [nameof(Scopes)]);
        }
    }
}

/// <summary>
/// Directory groups that grant tenant roles or platform administration, bound from "Authentication"
/// (its "GroupMappings" array). Applied at every SSO sign-in.
/// </summary>
public sealed class GroupMappingOptions : IValidatableObject
{
    public const string Section = "Authentication";

    public List<GroupMapping> GroupMappings { get; set; } = [];

    /// <inheritdoc/>
    public IEnumerable<ValidationResult> Validate(ValidationContext validationContext)
    {
        for (var i = 0; i < GroupMappings.Count; i++)
        {
            var mapping = GroupMappings[i];
            var member = $"{nameof(GroupMappings)}[{i}]";
            if (string.IsNullOrWhiteSpace(mapping.Group))
            {
                yield return new ValidationResult($"{member}: Group is required.", [member]);
            }

            if (mapping.PlatformAdmin == !string.IsNullOrWhiteSpace(mapping.Tenant))
            {
                yield return new ValidationResult(
                    $"{member}: set either Tenant (with Role) or PlatformAdmin: true.", [member]);
            }
        }
    }
}

/// <summary>One directory group's grant: a role in a tenant (by slug), or platform administration.</summary>
public sealed class GroupMapping
{
    public string Group { get; set; } = "";

    /// <summary>Slug of the tenant the group's members join.</summary>
    public string? Tenant { get; set; }

    public TenantRole Role { get; set; } = TenantRole.Member;

    public bool PlatformAdmin { get; set; }
}

/// <summary>The first platform administrator of a portal without SSO, bound from "Portal:Bootstrap".</summary>
public sealed class BootstrapOptions
{
    public const string Section = "Portal:Bootstrap";

    [Required]
    [RegularExpression("^[a-zA-Z0-9._@-]{1,64}$", MatchTimeoutInMilliseconds = Timeout.Infinite)]
    public string AdminUserName { get; set; } = "admin";

    /// <summary>Password of the first administrator; when empty one is generated, printed once, and must be changed.</summary>
    public string? AdminPassword { get; set; }
}

/// <summary>Brakes on guessing, bound from "Authentication:Limits".</summary>
public sealed class SignInLimitOptions
{
    public const string Section = "Authentication:Limits";

    /// <summary>Sign-in form posts per client address per minute.</summary>
    [Range(1, 10_000)]
    public int SignInsPerMinute { get; set; } = 10;

    /// <summary>
    /// Failed token presentations per client address per minute; past it, further failures from that address get
    /// 429 (valid tokens are still accepted).
    /// </summary>
    [Range(1, 10_000)]
    public int FailedTokensPerMinute { get; set; } = 20;

    /// <summary>
    /// Failed presentations per token prefix (the public part naming one token) per minute, from any address; past
    /// it, further failures for that prefix get 429 (its valid secret is still accepted).
    /// </summary>
    [Range(1, 10_000)]
    public int FailedTokensPerPrefixPerMinute { get; set; } = 10;

    /// <summary>Wrong passwords in a row that lock a built-in account.</summary>
    [Range(1, 100)]
    public int MaxFailedPasswords { get; set; } = 5;

    [Range(1, 1440)]
    public int LockoutMinutes { get; set; } = 5;
}
