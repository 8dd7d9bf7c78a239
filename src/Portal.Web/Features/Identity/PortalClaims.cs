namespace Portal.Web.Features.Identity;

/// <summary>
/// The claim types every authentication scheme normalises its principal to, so authorization and the caller
/// seam read one vocabulary whether the request came with a cookie, an OIDC access token or a personal token.
/// </summary>
public static class PortalClaims
{
    /// <summary>Stable user id, matched against Membership.Subject.</summary>
    public const string Subject = "sub";

    public const string Name = "name";

    public const string Email = "email";

    /// <summary>Directory group, one claim per group.</summary>
    public const string Group = "groups";

    public const string Role = "role";

    /// <summary>How the principal authenticated: <see cref="IdentityProviders"/>.</summary>
    public const string IdentityProvider = "portal:idp";

    /// <summary>Id of the personal access token that authenticated the request.</summary>
    public const string TokenId = "portal:token_id";

    /// <summary>Tenant id a personal access token is limited to; absent for "all of the owner's tenants".</summary>
    public const string TokenTenant = "portal:token_tenant";

    /// <summary>Access of a personal access token: Read or ReadWrite.</summary>
    public const string TokenAccess = "portal:token_access";

    /// <summary>Present on a built-in account's session until it sets a password of its own.</summary>
    public const string PasswordChangeRequired = Portal.Core.Identity.Accounts.PasswordChangeRequiredClaim;

    /// <summary>The <see cref="Role"/> value of a platform administrator.</summary>
    public const string PlatformAdminRole = Portal.Core.Identity.Accounts.PlatformAdminRole;
}

/// <summary>Values of <see cref="PortalClaims.IdentityProvider"/>.</summary>
public static class IdentityProviders
{
    /// <summary>A built-in account, signed in with a password.</summary>
    public const string Local = "local";

    /// <summary>Single sign-on through the OpenID Connect provider (browser session).</summary>
    public const string OpenIdConnect = "oidc";

    /// <summary>An access token (JWT) issued by the OpenID Connect provider.</summary>
    public const string AccessToken = "jwt";

    /// <summary>A personal access token.</summary>
    public const string PersonalAccessToken = "pat";
}

/// <summary>Names of the portal's authentication schemes.</summary>
public static class PortalSchemes
{
    /// <summary>The default scheme: forwards to one of the others by what the request carries.</summary>
    public const string Default = "Portal";

    /// <summary>The session cookie, shared by built-in sign-in and single sign-on.</summary>
    public static readonly string Cookie = IdentityConstants.ApplicationScheme;

    public const string OpenIdConnect = "oidc";

    public const string AccessToken = "Bearer";

    public const string PersonalAccessToken = "PersonalAccessToken";
}
