using System.Security.Claims;
using System.Security.Cryptography;
using Microsoft.AspNetCore.Identity;
using Microsoft.Extensions.Options;

namespace Portal.Web.Features.Identity;

/// <summary>Rules of the portal's built-in (password) accounts.</summary>
internal static class BuiltInAccounts
{
    /// <summary>
    /// Length is the requirement; Identity's character-class rules stay at their defaults, which a generated
    /// password below always meets.
    /// </summary>
    public const int MinPasswordLength = 12;

    /// <summary>Stored as a user claim; <see cref="BuiltInAccountClaims"/> copies it into the session.</summary>
    public static Claim PasswordChangeRequired => new(PortalClaims.PasswordChangeRequired, "true");

    /// <summary>A 24-character one-time password with upper, lower, digit and symbol, about 116 random bits.</summary>
    public static string GeneratePassword()
    {
        const string letters = "ABCDEFGHJKLMNPQRSTUVWXYZabcdefghijkmnopqrstuvwxyz23456789";
        var random = RandomNumberGenerator.GetItems<char>(letters, 20);
        // Fixed character classes at the end satisfy Identity's defaults without weakening the random part.
        return new string(random) + "-Aa1";
    }
}

/// <summary>The claims of a built-in account's session: Identity's own (id, name, roles, user claims) plus the provider.</summary>
internal sealed class BuiltInAccountClaims(
    UserManager<IdentityUser> users, RoleManager<IdentityRole> roles, IOptions<IdentityOptions> options)
    : UserClaimsPrincipalFactory<IdentityUser, IdentityRole>(users, roles, options)
{
    protected override async Task<ClaimsIdentity> GenerateClaimsAsync(IdentityUser user)
    {
        var identity = await base.GenerateClaimsAsync(user);
        identity.AddClaim(new Claim(PortalClaims.IdentityProvider, IdentityProviders.Local));
        return identity;
    }
}
