using System.Globalization;
using System.Security.Claims;
using System.Security.Cryptography;
using System.Text.RegularExpressions;
using Microsoft.AspNetCore.Identity;
using Microsoft.Extensions.Options;

namespace Portal.Core.Identity;

/// <summary>
/// Built-in (password) accounts for platform administrators: create one with a one-time password or an invitation
/// link, reset its password, disable and re-enable it, unlock it after too many wrong passwords; and the list of
/// every account and, beside them, the directory's single sign-on users. The API, the Users page and the
/// <c>user</c> commands all come here; every change is audited in the same save as the change.
/// </summary>
/// <remarks>
/// A disabled account is an Identity lockout that never ends (<see cref="DisabledUntil"/>): Identity's sign-in
/// already refuses locked-out accounts, and disabling also renews the security stamp, which ends open sessions at
/// their next check. <see cref="PersonalAccessTokens.ValidateAsync"/> refuses a disabled owner's tokens. An
/// invitation is a random secret whose SHA-256 and expiry are kept in Identity's user tokens table.
/// </remarks>
public sealed partial class Accounts(
    UserManager<IdentityUser> users, PortalDb db, TimeProvider time, IOptions<BuiltInAccountOptions> options)
{
    /// <summary>The Identity role of platform administrators.</summary>
    public const string PlatformAdminRole = "PlatformAdmin";

    /// <summary>User claim on an account until its holder chooses a password of their own (one-time password).</summary>
    public const string PasswordChangeRequiredClaim = "portal:password_change_required";

    /// <summary>User claim holding an account's display name (Identity's user has only a user name).</summary>
    public const string DisplayNameClaim = "portal:display_name";

    /// <summary>Length is the requirement; Identity's character-class rules stay at their defaults.</summary>
    public const int MinPasswordLength = 12;

    /// <summary>The password rules as the forms show them before anyone submits.</summary>
    public static readonly IReadOnlyList<string> PasswordRules =
    [
        $"at least {MinPasswordLength} characters",
        "an upper-case and a lower-case letter",
        "a digit",
        "a symbol (neither letter nor digit)",
    ];

    /// <summary>Lockout end of a disabled account: a lockout that never ends.</summary>
    public static readonly DateTimeOffset DisabledUntil = DateTimeOffset.MaxValue;

    // Compared with >=, not ==, so a provider's rounding of the maximum instant can't re-enable an account.
    internal static readonly DateTimeOffset DisabledThreshold = new(9000, 1, 1, 0, 0, 0, TimeSpan.Zero);

    /// <summary>Audit actions of account changes.</summary>
    public const string CreatedAction = "account.create", ResetAction = "account.reset-password",
        DisabledAction = "account.disable", EnabledAction = "account.enable", UnlockedAction = "account.unlock",
        InvitationAcceptedAction = "account.invitation.accept";

    const string TokenProvider = "Portal";
    const string InvitationToken = "Invitation";

    /// <summary>Whether <paramref name="account"/> is disabled (tokens refused, sign-in refused).</summary>
    public static bool IsDisabled(IdentityUser account)
    {
        ArgumentNullException.ThrowIfNull(account);
        return account.LockoutEnd >= DisabledThreshold;
    }

    /// <summary>A 24-character one-time password with upper, lower, digit and symbol, about 116 random bits.</summary>
    public static string GeneratePassword()
    {
        const string letters = "ABCDEFGHJKLMNPQRSTUVWXYZabcdefghijkmnopqrstuvwxyz23456789";
        var random = RandomNumberGenerator.GetItems<char>(letters, 20);
        // Fixed character classes at the end satisfy Identity's defaults without weakening the random part.
        return new string(random) + "-Aa1";
    }

    /// <summary>
    /// Every built-in account, and the single sign-on users the directory has seen, sorted by name; with
    /// <paramref name="search"/>, those whose name, user name or e-mail address contains it (ignoring case).
    /// </summary>
    public async Task<Outcome<IReadOnlyList<Account>>> ListAsync(Caller caller, string? search, CancellationToken ct)
    {
        ArgumentNullException.ThrowIfNull(caller);
        if (Refuse(caller) is { } refused)
            return refused;

        var now = time.GetUtcNow();
        var accounts = await db.Users.AsNoTracking().ToListAsync(ct);
        var claims = await db.UserClaims.AsNoTracking()
            .Where(c => c.ClaimType == DisplayNameClaim || c.ClaimType == PasswordChangeRequiredClaim)
            .Select(c => new { c.UserId, c.ClaimType, c.ClaimValue })
            .ToListAsync(ct);
        var invitations = await db.UserTokens.AsNoTracking()
            .Where(t => t.LoginProvider == TokenProvider && t.Name == InvitationToken)
            .Select(t => new { t.UserId, t.Value })
            .ToListAsync(ct);
        var adminRole = await db.Roles.AsNoTracking().Where(r => r.Name == PlatformAdminRole).Select(r => r.Id).SingleOrDefaultAsync(ct);
        var admins = (await db.UserRoles.AsNoTracking().Where(r => r.RoleId == adminRole).Select(r => r.UserId).ToListAsync(ct)).ToHashSet();
        var known = await db.KnownUsers.AsNoTracking().ToListAsync(ct);
        var lastSignIn = known.ToDictionary(u => u.Subject, u => u.LastSignInAt, StringComparer.Ordinal);

        var list = new List<Account>();
        foreach (var account in accounts)
        {
            var displayName = claims.FirstOrDefault(c => c.UserId == account.Id && c.ClaimType == DisplayNameClaim)?.ClaimValue;
            var mustChange = claims.Any(c => c.UserId == account.Id && c.ClaimType == PasswordChangeRequiredClaim);
            var invitation = Invitation.Parse(invitations.FirstOrDefault(i => i.UserId == account.Id)?.Value);
            list.Add(Describe(account, displayName, mustChange, invitation, admins.Contains(account.Id),
                lastSignIn.TryGetValue(account.Id, out var at) ? at : (DateTimeOffset?)null, now));
        }

        var local = accounts.Select(a => a.Id).ToHashSet(StringComparer.Ordinal);
        // Directory users of single sign-on; a built-in account's own row is shown from the account itself.
        list.AddRange(known.Where(u => !local.Contains(u.Subject) && u.IdentityProvider != IdentityProviderLocal).Select(u => new Account(
            u.Subject, u.Subject, u.DisplayName, u.Email, u.IdentityProvider, AccountState.Active,
            null, null, u.PlatformAdminFromDirectory, u.LastSignInAt)));

        var text = search?.Trim();
        return list
            .Where(a => string.IsNullOrEmpty(text)
                || a.DisplayName.Contains(text, StringComparison.OrdinalIgnoreCase)
                || a.UserName.Contains(text, StringComparison.OrdinalIgnoreCase)
                || (a.Email?.Contains(text, StringComparison.OrdinalIgnoreCase) ?? false))
            .OrderBy(a => a.DisplayName, StringComparer.OrdinalIgnoreCase).ThenBy(a => a.Subject, StringComparer.Ordinal)
            .ToList();
    }

    /// <summary>The built-in account named <paramref name="userName"/>.</summary>
    public async Task<Outcome<Account>> GetAsync(Caller caller, string userName, CancellationToken ct)
    {
        ArgumentNullException.ThrowIfNull(caller);
        if (Refuse(caller) is { } refused)
            return refused;
        return await FindAsync(userName) is { } account ? await DescribeAsync(account, ct) : NotFound(userName);
    }

    /// <summary>
    /// Checks <paramref name="request"/>: a user name of letters, digits and <c>._@-</c> (at most 64), a display
    /// name and e-mail address of plain text (at most 256). Problems are keyed by JSON field name.
    /// </summary>
    public static IReadOnlyDictionary<string, string[]> Check(NewAccount request)
    {
        ArgumentNullException.ThrowIfNull(request);
        var errors = new Dictionary<string, string[]>();
        if (string.IsNullOrWhiteSpace(request.UserName) || !UserNamePattern().IsMatch(request.UserName.Trim()))
            errors["userName"] = ["A user name has 1 to 64 letters, digits or . _ @ - and no spaces."];
        if (request.DisplayName is { } name && (name.Trim().Length > PortalUser.MaxLength || UserText.Problem(name) is not null))
            errors["displayName"] = [UserText.Problem(name) ?? $"A display name has at most {PortalUser.MaxLength} characters."];
        if (!string.IsNullOrWhiteSpace(request.Email))
        {
            var email = request.Email.Trim();
            var at = email.IndexOf('@', StringComparison.Ordinal);
            if (email.Length > PortalUser.MaxLength || at < 1 || at != email.LastIndexOf('@') || at == email.Length - 1
                || email.Any(char.IsWhiteSpace) || UserText.Problem(email) is not null)
                errors["email"] = ["Give an e-mail address like name@example.com, or none."];
        }

        return errors;
    }

    /// <summary>
    /// Creates a built-in account with a one-time password (which its holder must change at first sign-in), or,
    /// with <see cref="NewAccount.Invite"/>, without a password and with an invitation link that expires.
    /// </summary>
    public async Task<Outcome<AccountCredential>> CreateAsync(Caller caller, NewAccount request, CancellationToken ct)
    {
        ArgumentNullException.ThrowIfNull(caller);
        ArgumentNullException.ThrowIfNull(request);
        if (Refuse(caller) is { } refused)
            return refused;
        if (!options.Value.Enabled)
            return new Failure(FailureKind.Conflict, "Built-in accounts are turned off.",
                "Authentication:BuiltInAccounts:Enabled is false: people sign in through single sign-on.", Code: "accounts.disabled");
        if (Check(request) is { Count: > 0 } errors)
            return Failure.Invalid(errors);

        var userName = request.UserName.Trim();
        if (await users.FindByNameAsync(userName) is not null)
            return new Failure(FailureKind.Conflict, "That user name is taken.", $"There is already an account '{userName}'.",
                Errors: new Dictionary<string, string[]> { ["userName"] = [$"There is already an account '{userName}'."] }, Code: "userName.taken");

        var account = new IdentityUser(userName) { Email = string.IsNullOrWhiteSpace(request.Email) ? null : request.Email.Trim() };
        var password = request.Invite ? null : GeneratePassword();
        await using var transaction = await db.Database.BeginTransactionAsync(ct);
        Check(password is null ? await users.CreateAsync(account) : await users.CreateAsync(account, password));
        var displayName = string.IsNullOrWhiteSpace(request.DisplayName) ? userName : request.DisplayName.Trim();
        Check(await users.AddClaimAsync(account, new Claim(DisplayNameClaim, displayName)));
        var credential = await IssueAsync(account, password);
        Audit(caller, CreatedAction, account, request.Invite ? "invitation" : "one-time password");
        await db.SaveChangesAsync(ct);
        await transaction.CommitAsync(ct);
        return credential with { Account = await DescribeAsync(account, ct) };
    }

    /// <summary>
    /// Replaces the password of <paramref name="userName"/> with a new one-time password, or with
    /// <paramref name="invite"/> removes it and issues an invitation link; either way open sessions end and a
    /// lockout from wrong passwords is lifted. A disabled account stays disabled.
    /// </summary>
    public async Task<Outcome<AccountCredential>> ResetPasswordAsync(Caller caller, string userName, bool invite, CancellationToken ct)
    {
        ArgumentNullException.ThrowIfNull(caller);
        if (Refuse(caller) is { } refused)
            return refused;
        if (await FindAsync(userName) is not { } account)
            return NotFound(userName);

        var password = invite ? null : GeneratePassword();
        await using var transaction = await db.Database.BeginTransactionAsync(ct);
        if (await users.HasPasswordAsync(account))
            Check(await users.RemovePasswordAsync(account));
        if (password is not null)
            Check(await users.AddPasswordAsync(account, password));
        if (!IsDisabled(account))
            Check(await users.SetLockoutEndDateAsync(account, null));
        Check(await users.ResetAccessFailedCountAsync(account));
        var credential = await IssueAsync(account, password);
        Audit(caller, ResetAction, account, invite ? "invitation" : "one-time password");
        await db.SaveChangesAsync(ct);
        await transaction.CommitAsync(ct);
        return credential with { Account = await DescribeAsync(account, ct) };
    }

    /// <summary>
    /// Disables <paramref name="userName"/>: its sign-in and personal access tokens are refused and its open
    /// sessions end, until it is enabled again. Nobody disables their own account.
    /// </summary>
    public async Task<Outcome<Account>> DisableAsync(Caller caller, string userName, CancellationToken ct)
    {
        ArgumentNullException.ThrowIfNull(caller);
        if (Refuse(caller) is { } refused)
            return refused;
        if (await FindAsync(userName) is not { } account)
            return NotFound(userName);
        if (account.Id == caller.Subject)
            return new Failure(FailureKind.Conflict, "You cannot disable your own account.",
                "Ask another platform administrator, so that someone can still enable it.", Code: "account.self");
        if (IsDisabled(account))
            return await DescribeAsync(account, ct);

        return await ChangeAsync(caller, account, DisabledAction, async () =>
        {
            Check(await users.SetLockoutEnabledAsync(account, true));
            Check(await users.SetLockoutEndDateAsync(account, DisabledUntil));
            // A new stamp ends the account's open sessions at their next check (Authentication:BuiltInAccounts:RevalidateSeconds).
            Check(await users.UpdateSecurityStampAsync(account));
        }, ct);
    }

    /// <summary>Enables a disabled account again; its password and tokens work as before.</summary>
    public Task<Outcome<Account>> EnableAsync(Caller caller, string userName, CancellationToken ct) =>
        LiftLockoutAsync(caller, userName, disabled: true, EnabledAction, ct);

    /// <summary>Lifts the lockout of <paramref name="userName"/> after too many wrong passwords.</summary>
    public Task<Outcome<Account>> UnlockAsync(Caller caller, string userName, CancellationToken ct) =>
        LiftLockoutAsync(caller, userName, disabled: false, UnlockedAction, ct);

    async Task<Outcome<Account>> LiftLockoutAsync(Caller caller, string userName, bool disabled, string action, CancellationToken ct)
    {
        ArgumentNullException.ThrowIfNull(caller);
        if (Refuse(caller) is { } refused)
            return refused;
        if (await FindAsync(userName) is not { } account)
            return NotFound(userName);
        if (!disabled && IsDisabled(account))
            return new Failure(FailureKind.Conflict, "The account is disabled, not locked out.",
                "Enable it instead; unlocking lifts only a lockout from wrong passwords.", Code: "account.disabled");

        var affected = disabled ? IsDisabled(account) : account.LockoutEnd > time.GetUtcNow() || account.AccessFailedCount > 0;
        if (!affected)
            return await DescribeAsync(account, ct);

        return await ChangeAsync(caller, account, action, async () =>
        {
            Check(await users.SetLockoutEndDateAsync(account, null));
            Check(await users.ResetAccessFailedCountAsync(account));
        }, ct);
    }

    /// <summary>
    /// Makes <paramref name="change"/> to <paramref name="account"/> in one transaction with its audit entry, and
    /// answers the account as it is then.
    /// </summary>
    async Task<Outcome<Account>> ChangeAsync(Caller caller, IdentityUser account, string action, Func<Task> change, CancellationToken ct)
    {
        await using var transaction = await db.Database.BeginTransactionAsync(ct);
        await change();
        Audit(caller, action, account, null);
        await db.SaveChangesAsync(ct);
        await transaction.CommitAsync(ct);
        return await DescribeAsync(account, ct);
    }

    /// <summary>
    /// The user name an invitation link is for, while the link is valid (not expired, not used, not replaced);
    /// null otherwise.
    /// </summary>
    public async Task<string?> InvitedUserNameAsync(string? accountId, string? code, CancellationToken ct)
    {
        var account = await ValidInvitationAsync(accountId, code, ct);
        return account?.UserName;
    }

    /// <summary>
    /// Sets the password of the account an invitation link is for, and uses the link up. Returns the reasons the
    /// password is refused (empty when it was set); a link that is not valid any more is refused as such.
    /// </summary>
    public async Task<IReadOnlyList<string>> AcceptInvitationAsync(string? accountId, string? code, string password, CancellationToken ct)
    {
        ArgumentNullException.ThrowIfNull(password);
        if (await ValidInvitationAsync(accountId, code, ct) is not { } account)
            return ["This invitation link has expired or was already used. Ask a platform administrator for a new one."];

        var problems = new List<string>();
        foreach (var validator in users.PasswordValidators)
        {
            var result = await validator.ValidateAsync(users, account, password);
            problems.AddRange(result.Errors.Select(e => e.Description));
        }

        if (problems.Count > 0)
            return problems;

        await using var transaction = await db.Database.BeginTransactionAsync(ct);
        if (await users.HasPasswordAsync(account))
            Check(await users.RemovePasswordAsync(account));
        Check(await users.AddPasswordAsync(account, password));
        Check(await users.RemoveAuthenticationTokenAsync(account, TokenProvider, InvitationToken));
        await RemoveClaimsAsync(account, PasswordChangeRequiredClaim);
        db.Record(account.Id, InvitationAcceptedAction, AuditOutcome.Succeeded, target: $"users/{account.Id}", detail: account.UserName);
        await db.SaveChangesAsync(ct);
        await transaction.CommitAsync(ct);
        return [];
    }

    async Task<IdentityUser?> ValidInvitationAsync(string? accountId, string? code, CancellationToken ct)
    {
        if (string.IsNullOrEmpty(accountId) || string.IsNullOrEmpty(code) || accountId.Length > PortalUser.MaxLength || code.Length > 128)
            return null;
        var account = await db.Users.SingleOrDefaultAsync(u => u.Id == accountId, ct);
        if (account is null || IsDisabled(account))
            return null;
        var stored = Invitation.Parse(await users.GetAuthenticationTokenAsync(account, TokenProvider, InvitationToken));
        return stored is not null && stored.ExpiresAt > time.GetUtcNow()
            && CryptographicOperations.FixedTimeEquals(Invitation.HashOf(code), Convert.FromBase64String(stored.Hash))
            ? account
            : null;
    }

    // A fresh one-time password (kept nowhere), or a fresh invitation replacing any earlier one; the security stamp
    // changes with either, which ends the account's open sessions.
    async Task<AccountCredential> IssueAsync(IdentityUser account, string? password)
    {
        await RemoveClaimsAsync(account, PasswordChangeRequiredClaim);
        if (password is not null)
        {
            Check(await users.AddClaimAsync(account, new Claim(PasswordChangeRequiredClaim, "true")));
            Check(await users.RemoveAuthenticationTokenAsync(account, TokenProvider, InvitationToken));
            Check(await users.UpdateSecurityStampAsync(account));
            return new AccountCredential(null!, password, null, null);
        }

        var code = Base64Url(RandomNumberGenerator.GetBytes(32));
        var expires = time.GetUtcNow().AddHours(options.Value.InvitationHours);
        Check(await users.SetAuthenticationTokenAsync(account, TokenProvider, InvitationToken, new Invitation(expires, Convert.ToBase64String(Invitation.HashOf(code))).Format()));
        Check(await users.UpdateSecurityStampAsync(account));
        return new AccountCredential(null!, null, InvitationPath(account.Id, code), expires);
    }

    /// <summary>Where an invitation link leads, relative to the portal's address.</summary>
    public static string InvitationPath(string accountId, string code) =>
        $"{InvitationPage}?user={Uri.EscapeDataString(accountId)}&code={Uri.EscapeDataString(code)}";

    /// <summary>The page an invitation link opens, where the invited person chooses a password.</summary>
    public const string InvitationPage = "/account/invitation";

    async Task RemoveClaimsAsync(IdentityUser account, string type)
    {
        foreach (var claim in (await users.GetClaimsAsync(account)).Where(c => c.Type == type))
            Check(await users.RemoveClaimAsync(account, claim));
    }

    async Task<Account> DescribeAsync(IdentityUser account, CancellationToken ct)
    {
        var claims = await users.GetClaimsAsync(account);
        var invitation = Invitation.Parse(await users.GetAuthenticationTokenAsync(account, TokenProvider, InvitationToken));
        var lastSignIn = await db.KnownUsers.AsNoTracking().Where(u => u.Subject == account.Id).Select(u => (DateTimeOffset?)u.LastSignInAt).SingleOrDefaultAsync(ct);
        return Describe(account, claims.FirstOrDefault(c => c.Type == DisplayNameClaim)?.Value,
            claims.Any(c => c.Type == PasswordChangeRequiredClaim), invitation,
            await users.IsInRoleAsync(account, PlatformAdminRole), lastSignIn, time.GetUtcNow());
    }

    static Account Describe(
        IdentityUser account, string? displayName, bool mustChange, Invitation? invitation, bool platformAdmin,
        DateTimeOffset? lastSignIn, DateTimeOffset now)
    {
        var state = IsDisabled(account) ? AccountState.Disabled
            : account.LockoutEnd > now ? AccountState.LockedOut
            : invitation is { } i ? (i.ExpiresAt > now ? AccountState.Invited : AccountState.InvitationExpired)
            : mustChange ? AccountState.PasswordChangeRequired
            : AccountState.Active;
        return new Account(
            account.Id, account.UserName ?? account.Id, displayName ?? account.UserName ?? account.Id, account.Email,
            IdentityProviderLocal, state, state == AccountState.LockedOut ? account.LockoutEnd : null,
            invitation?.ExpiresAt, platformAdmin, lastSignIn);
    }

    /// <summary>The identity provider of built-in accounts, as <see cref="PortalUser.IdentityProvider"/> names it.</summary>
    public const string IdentityProviderLocal = "local";

    // Case-insensitive, as Identity compares user names (it normalises them).
    async Task<IdentityUser?> FindAsync(string? userName) =>
        string.IsNullOrWhiteSpace(userName) || userName.Length > 256 ? null : await users.FindByNameAsync(userName.Trim());

    static Failure? Refuse(Caller caller) => caller.IsPlatformAdmin
        ? null
        : new Failure(FailureKind.Forbidden, "Only platform administrators manage accounts.");

    static Failure NotFound(string? userName) =>
        new(FailureKind.NotFound, "No such account.", $"There is no built-in account '{userName}'.");

    void Audit(Caller caller, string action, IdentityUser account, string? detail) =>
        db.Record(caller.Subject, action, AuditOutcome.Succeeded, target: $"users/{account.Id}",
            detail: detail is null ? account.UserName : $"{account.UserName}: {detail}");

    static void Check(IdentityResult result)
    {
        if (!result.Succeeded)
            throw new InvalidOperationException("The account store refused a change: " + string.Join(" ", result.Errors.Select(e => e.Description)));
    }

    static string Base64Url(byte[] bytes) => Convert.ToBase64String(bytes).TrimEnd('=').Replace('+', '-').Replace('/', '_');

    [GeneratedRegex("^[a-zA-Z0-9._@-]{1,64}$")]
    private static partial Regex UserNamePattern();

    // Stored as "<expiry, Unix seconds>.<base64 SHA-256 of the code>": the code itself is never kept.
    sealed record Invitation(DateTimeOffset ExpiresAt, string Hash)
    {
        public string Format() => $"{ExpiresAt.ToUnixTimeSeconds().ToString(CultureInfo.InvariantCulture)}.{Hash}";

        public static Invitation? Parse(string? stored)
        {
            var dot = stored?.IndexOf('.', StringComparison.Ordinal) ?? -1;
            return dot > 0 && long.TryParse(stored.AsSpan(0, dot), NumberStyles.None, CultureInfo.InvariantCulture, out var seconds)
                ? new Invitation(DateTimeOffset.FromUnixTimeSeconds(seconds), stored![(dot + 1)..])
                : null;
        }

        public static byte[] HashOf(string code) => SHA256.HashData(System.Text.Encoding.UTF8.GetBytes(code));
    }
}

/// <summary>What a platform administrator asks for when creating a built-in account.</summary>
/// <param name="UserName">What its holder types to sign in: letters, digits and <c>._@-</c>.</param>
/// <param name="DisplayName">Name shown across the portal; the user name when left out.</param>
/// <param name="Email">E-mail address, optional.</param>
/// <param name="Invite">An invitation link that expires instead of a one-time password.</param>
public sealed record NewAccount(string UserName, string? DisplayName = null, string? Email = null, bool Invite = false);

/// <summary>What a new or reset account's holder needs: a one-time password or an invitation link, shown once.</summary>
/// <param name="Account">The account as it is now.</param>
/// <param name="OneTimePassword">The password to pass on; it must be changed at first sign-in. Null for an invitation.</param>
/// <param name="InvitationPath">Path (with query) of the invitation link, relative to the portal's address. Null for a password.</param>
/// <param name="InvitationExpiresAt">When the invitation link stops working.</param>
public sealed record AccountCredential(Account Account, string? OneTimePassword, string? InvitationPath, DateTimeOffset? InvitationExpiresAt);

/// <summary>An account as the Users page and API show it.</summary>
/// <param name="Subject">Stable user id: what memberships and tokens name.</param>
/// <param name="UserName">Sign-in name of a built-in account; the subject for a single sign-on user.</param>
/// <param name="DisplayName">Name shown across the portal.</param>
/// <param name="Email">E-mail address, when known.</param>
/// <param name="IdentityProvider"><c>local</c> for built-in accounts (which this service manages), else the directory's, e.g. <c>oidc</c>.</param>
/// <param name="State">Whether and how the account can sign in.</param>
/// <param name="LockedOutUntil">End of a lockout after too many wrong passwords.</param>
/// <param name="InvitationExpiresAt">When the pending invitation link stops working.</param>
/// <param name="PlatformAdmin">A platform administrator (by Identity role, or by directory group for SSO users).</param>
/// <param name="LastSignInAt">Latest interactive sign-in, if any.</param>
public sealed record Account(
    string Subject, string UserName, string DisplayName, string? Email, string IdentityProvider, AccountState State,
    DateTimeOffset? LockedOutUntil, DateTimeOffset? InvitationExpiresAt, bool PlatformAdmin, DateTimeOffset? LastSignInAt)
{
    /// <summary>Whether the portal manages this account's password (a built-in account).</summary>
    public bool IsBuiltIn => IdentityProvider == Accounts.IdentityProviderLocal;
}

/// <summary>Whether and how an account can sign in.</summary>
public enum AccountState
{
    /// <summary>Signs in with its own password (or through single sign-on).</summary>
    Active,

    /// <summary>Has a one-time password and must choose its own at the next sign-in.</summary>
    PasswordChangeRequired,

    /// <summary>Has no password yet; an invitation link is waiting.</summary>
    Invited,

    /// <summary>Has no password, and its invitation link has expired: reset the password for a new one.</summary>
    InvitationExpired,

    /// <summary>Too many wrong passwords; signs in again after the lockout or once unlocked.</summary>
    LockedOut,

    /// <summary>Disabled by a platform administrator: sign-in and tokens refused until enabled.</summary>
    Disabled,
}
