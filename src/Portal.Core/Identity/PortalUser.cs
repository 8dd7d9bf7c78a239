namespace Portal.Core.Identity;

/// <summary>
/// Someone who has signed in to the portal interactively, by single sign-on or with a built-in account: the
/// "known users" directory that turns the opaque subjects of memberships and tokens into names, and that remembers
/// what the identity provider's directory last said about platform administration.
/// </summary>
/// <remarks>
/// Stored in the table <c>KnownUsers</c>, apart from ASP.NET Core Identity's <c>AspNetUsers</c>, which holds only
/// built-in accounts and their credentials. A row is written at every interactive sign-in (see
/// <see cref="SignInRecorder"/>); the directory itself stays the source of truth for SSO users.
/// </remarks>
public sealed class PortalUser
{
    /// <summary>Longest subject, display name and e-mail address stored.</summary>
    public const int MaxLength = 256;

    /// <summary>Stable user id, as in <c>Membership.Subject</c>: the account id, or the provider's user id claim.</summary>
    public required string Subject { get; init; }

    /// <summary>Name to show, as the identity provider (or the built-in account's user name) gave it at the last sign-in.</summary>
    public required string DisplayName { get; set; }

    /// <summary>E-mail address at the last sign-in, when the provider sent one.</summary>
    public string? Email { get; set; }

    /// <summary>Upper-case <see cref="DisplayName"/>, for case-insensitive search that behaves alike on every database.</summary>
    public string NormalizedDisplayName { get; private set; } = "";

    /// <summary>Upper-case <see cref="Email"/>, for case-insensitive search.</summary>
    public string? NormalizedEmail { get; private set; }

    /// <summary>How the user last signed in interactively, e.g. <c>oidc</c> or <c>local</c>.</summary>
    public required string IdentityProvider { get; set; }

    /// <summary>
    /// Whether the user's directory groups mapped to platform administration at their last single sign-on. Tokens
    /// carry it (when not limited to one tenant) until a later sign-in without the group clears it. Always false for
    /// built-in accounts, whose platform role lives in ASP.NET Core Identity.
    /// </summary>
    public bool PlatformAdminFromDirectory { get; set; }

    /// <summary>The theme the user chose last in the portal's pages: true for dark; null when they never chose.</summary>
    public bool? DarkTheme { get; set; }

    /// <summary>The tenant the user looked at last in the portal's pages (see <see cref="UserPreferences"/>).</summary>
    public string? LastTenantSlug { get; set; }

    /// <summary>First interactive sign-in the portal recorded.</summary>
    public DateTimeOffset FirstSeenAt { get; init; }

    /// <summary>Latest interactive sign-in.</summary>
    public DateTimeOffset LastSignInAt { get; set; }

    /// <summary>Sets name, e-mail and provider from <paramref name="signIn"/>, cut to the columns, with their search forms.</summary>
    public void Describe(SignInProfile signIn)
    {
        ArgumentNullException.ThrowIfNull(signIn);
        // A provider may send an empty name claim; a list then shows the subject rather than a blank.
        DisplayName = Clip(string.IsNullOrWhiteSpace(signIn.DisplayName) ? signIn.Subject : signIn.DisplayName.Trim());
        Email = string.IsNullOrWhiteSpace(signIn.Email) ? null : Clip(signIn.Email.Trim());
        NormalizedDisplayName = Normalize(DisplayName);
        NormalizedEmail = Email is null ? null : Normalize(Email);
        IdentityProvider = signIn.IdentityProvider;
    }

    /// <summary>The search form of <paramref name="text"/>: what <see cref="NormalizedDisplayName"/> and <see cref="NormalizedEmail"/> hold.</summary>
    public static string Normalize(string text)
    {
        ArgumentNullException.ThrowIfNull(text);
        return text.ToUpperInvariant();
    }

    static string Clip(string text) => text.Length > MaxLength ? text[..MaxLength] : text;
}

/// <summary>What an interactive sign-in tells the portal about the user.</summary>
/// <param name="Subject">Stable user id.</param>
/// <param name="DisplayName">Name to show; the subject when the provider sent none.</param>
/// <param name="Email">E-mail address, when known.</param>
/// <param name="IdentityProvider">How the user signed in, e.g. <c>oidc</c> or <c>local</c>.</param>
/// <param name="PlatformAdminFromDirectory">Whether the user's directory groups map to platform administration (false for built-in accounts).</param>
public sealed record SignInProfile(
    string Subject, string DisplayName, string? Email, string IdentityProvider, bool PlatformAdminFromDirectory);

/// <summary>A user as lists and pickers show them.</summary>
/// <param name="Subject">Stable user id, what memberships store.</param>
/// <param name="DisplayName">Name to show.</param>
/// <param name="Email">E-mail address, when known.</param>
public sealed record KnownUser(string Subject, string DisplayName, string? Email);
