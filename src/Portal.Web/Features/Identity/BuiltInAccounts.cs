using System.Security.Cryptography;

namespace Portal.Web.Features.Identity;

/// <summary>Rules of the portal's built-in (password) accounts; Core's <see cref="Portal.Core.Identity.Accounts"/> owns them.</summary>
internal static class BuiltInAccounts
{
    /// <inheritdoc cref="Portal.Core.Identity.Accounts.MinPasswordLength"/>
    public const int MinPasswordLength = Portal.Core.Identity.Accounts.MinPasswordLength;

    /// <summary>Stored as a user claim; <see cref="BuiltInAccountClaims"/> copies it into the session.</summary>
    public static Claim PasswordChangeRequired => new(PortalClaims.PasswordChangeRequired, "true");

    /// <inheritdoc cref="Portal.Core.Identity.Accounts.GeneratePassword"/>
    public static string GeneratePassword() => Portal.Core.Identity.Accounts.GeneratePassword();
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

/// <summary>
/// Identity's sign-in, except that a user name nobody has still costs a password verification: Identity answers
/// an unknown name at once (milliseconds) and a real one after hashing (tens of milliseconds), which tells anyone
/// timing the form which accounts exist.
/// </summary>
internal sealed class PortalSignInManager(
    UserManager<IdentityUser> users,
    IHttpContextAccessor contextAccessor,
    IUserClaimsPrincipalFactory<IdentityUser> claimsFactory,
    IOptions<IdentityOptions> optionsAccessor,
    ILogger<SignInManager<IdentityUser>> logger,
    Microsoft.AspNetCore.Authentication.IAuthenticationSchemeProvider schemes,
    IUserConfirmation<IdentityUser> confirmation,
    UnknownUserPassword unknownUser)
    : SignInManager<IdentityUser>(users, contextAccessor, claimsFactory, optionsAccessor, logger, schemes, confirmation)
{
    public override async Task<SignInResult> PasswordSignInAsync(string userName, string password, bool isPersistent, bool lockoutOnFailure)
    {
        if (await UserManager.FindByNameAsync(userName) is { } user)
        {
            return await PasswordSignInAsync(user, password, isPersistent, lockoutOnFailure);
        }

        // The same hasher, and so the same algorithm and work factor, as a real account's check; the answer is
        // ignored: nobody can sign in as a user that doesn't exist.
        var hasher = UserManager.PasswordHasher;
        _ = hasher.VerifyHashedPassword(unknownUser.Account, unknownUser.HashWith(hasher), password ?? "");
        return SignInResult.Failed;
    }
}

/// <summary>The password hash an unknown user name is checked against: random, made once per process with the portal's hasher.</summary>
internal sealed class UnknownUserPassword
{
    string? _hash;

    /// <summary>Stands for the account that doesn't exist; hashers may read it, none needs it to be stored.</summary>
    public IdentityUser Account { get; } = new("unknown-user");

    public string HashWith(IPasswordHasher<IdentityUser> hasher) =>
        _hash ??= hasher.HashPassword(Account, Convert.ToBase64String(RandomNumberGenerator.GetBytes(32)));
}
