namespace Portal.Web.Features.Identity;

/// <summary>
/// /api/v1/accounts: built-in accounts for platform administrators (the Users page does the same through
/// <see cref="Accounts"/>): list, create with a one-time password or an invitation link, reset a password, disable,
/// enable, unlock. With single sign-on on, the list also holds the directory's users.
/// </summary>
internal static class AccountEndpoints
{
    public static RouteGroupBuilder MapAccounts(this RouteGroupBuilder api)
    {
        var accounts = api.MapGroup("/accounts").WithTags("Accounts")
            .ProducesProblem(StatusCodes.Status403Forbidden);
        accounts.MapGet("/", List).WithName("ListAccounts")
            .WithSummary("List accounts (platform admins)")
            .WithDescription("Every built-in account with its state (`Active`, `PasswordChangeRequired`, `Invited`, " +
                             "`InvitationExpired`, `LockedOut`, `Disabled`), and the single sign-on users the directory has " +
                             "seen. `search` keeps those whose name, user name or e-mail address contains it; `state` those in that state.");
        accounts.MapPost("/", Create).WithName("CreateAccount")
            .WithSummary("Create a built-in account (platform admins)")
            .WithDescription("Body `{\"userName\", \"displayName\", \"email\", \"invite\"}`. Answers 201 with a one-time " +
                             "password, which must be changed at first sign-in, or with `invite: true` an invitation link that " +
                             "expires (`Authentication:BuiltInAccounts:InvitationHours`). Either is shown only in this answer. A taken user name is a 409.")
            .ProducesProblem(StatusCodes.Status409Conflict);
        accounts.MapGet("/{userName}", Get).WithName("GetAccount")
            .WithSummary("Read a built-in account (platform admins)");
        accounts.MapPost("/{userName}/reset-password", ResetPassword).WithName("ResetAccountPassword")
            .WithSummary("Reset a built-in account's password (platform admins)")
            .WithDescription("Body `{\"invite\": false}` (or none) for a new one-time password, `{\"invite\": true}` for an invitation " +
                             "link instead. The old password stops working, open sessions end, a lockout is lifted.");
        accounts.MapPost("/{userName}/disable", Disable).WithName("DisableAccount")
            .WithSummary("Disable a built-in account (platform admins)")
            .WithDescription("Sign-in and the account's personal access tokens are refused, and its sessions end, until it is " +
                             "enabled. Disabling your own account is a 409.")
            .ProducesProblem(StatusCodes.Status409Conflict);
        accounts.MapPost("/{userName}/enable", Enable).WithName("EnableAccount")
            .WithSummary("Enable a disabled built-in account (platform admins)");
        accounts.MapPost("/{userName}/unlock", Unlock).WithName("UnlockAccount")
            .WithSummary("Lift a lockout after too many wrong passwords (platform admins)")
            .ProducesProblem(StatusCodes.Status409Conflict);
        return accounts;
    }

    static async Task<Results<Ok<AccountView[]>, ValidationProblem, ProblemHttpResult>> List(
        string? search, AccountState? state, Accounts accounts, Caller caller, CancellationToken ct)
    {
        if (search?.Length > PortalUser.MaxLength)
            return TypedResults.ValidationProblem(new Dictionary<string, string[]> { ["search"] = [$"Search for at most {PortalUser.MaxLength} characters."] });
        var outcome = await accounts.ListAsync(caller, search, ct);
        if (outcome.Failure is { } failure)
            return failure.ToProblem();
        return TypedResults.Ok(outcome.Value!.Where(a => state is null || a.State == state).Select(AccountView.From).ToArray());
    }

    static async Task<Results<Created<AccountCreatedView>, ProblemHttpResult>> Create(
        CreateAccountRequest request, HttpContext http, Accounts accounts, Caller caller, CancellationToken ct)
    {
        var outcome = await accounts.CreateAsync(
            caller, new NewAccount(request.UserName ?? "", request.DisplayName, request.Email, request.Invite ?? false), ct);
        return outcome.Answer(credential =>
        {
            var created = AccountCreatedView.From(credential, http.Request);
            return TypedResults.Created($"/api/v1/accounts/{Uri.EscapeDataString(created.Account.UserName)}", created);
        });
    }

    static async Task<Results<Ok<AccountView>, ProblemHttpResult>> Get(string userName, Accounts accounts, Caller caller, CancellationToken ct) =>
        Answer(await accounts.GetAsync(caller, userName, ct));

    static async Task<Results<Ok<AccountCreatedView>, ProblemHttpResult>> ResetPassword(
        string userName, ResetPasswordRequest? request, HttpContext http, Accounts accounts, Caller caller, CancellationToken ct) =>
        (await accounts.ResetPasswordAsync(caller, userName, request?.Invite ?? false, ct))
            .Answer(credential => TypedResults.Ok(AccountCreatedView.From(credential, http.Request)));

    static async Task<Results<Ok<AccountView>, ProblemHttpResult>> Disable(string userName, Accounts accounts, Caller caller, CancellationToken ct) =>
        Answer(await accounts.DisableAsync(caller, userName, ct));

    static async Task<Results<Ok<AccountView>, ProblemHttpResult>> Enable(string userName, Accounts accounts, Caller caller, CancellationToken ct) =>
        Answer(await accounts.EnableAsync(caller, userName, ct));

    static async Task<Results<Ok<AccountView>, ProblemHttpResult>> Unlock(string userName, Accounts accounts, Caller caller, CancellationToken ct) =>
        Answer(await accounts.UnlockAsync(caller, userName, ct));

    static Results<Ok<AccountView>, ProblemHttpResult> Answer(Portal.Core.Clusters.Outcome<Account> outcome) =>
        outcome.Answer(account => TypedResults.Ok(AccountView.From(account)));
}

/// <summary>A new built-in account.</summary>
/// <param name="UserName">What its holder types to sign in: 1 to 64 letters, digits or <c>. _ @ -</c>.</param>
/// <param name="DisplayName">Name shown across the portal; the user name when left out.</param>
/// <param name="Email">E-mail address, optional.</param>
/// <param name="Invite">True for an invitation link that expires instead of a one-time password.</param>
public sealed record CreateAccountRequest(string? UserName, string? DisplayName, string? Email, bool? Invite);

/// <summary>How to reset a password.</summary>
/// <param name="Invite">True for an invitation link instead of a one-time password.</param>
public sealed record ResetPasswordRequest(bool? Invite);

/// <summary>An account as the API shows it.</summary>
/// <param name="Subject">Stable user id: what memberships and tokens name.</param>
/// <param name="UserName">Sign-in name of a built-in account (the subject for a single sign-on user).</param>
/// <param name="Name">Display name.</param>
/// <param name="Email">E-mail address, when known.</param>
/// <param name="IdentityProvider"><c>local</c> for built-in accounts, <c>oidc</c> for single sign-on users.</param>
/// <param name="State">Whether and how the account can sign in.</param>
/// <param name="LockedOutUntil">End of a lockout after too many wrong passwords.</param>
/// <param name="InvitationExpiresAt">When a pending invitation link stops working.</param>
/// <param name="PlatformAdmin">A platform administrator.</param>
/// <param name="LastSignInAt">Latest interactive sign-in.</param>
public sealed record AccountView(
    string Subject, string UserName, string Name, string? Email, string IdentityProvider, AccountState State,
    DateTimeOffset? LockedOutUntil, DateTimeOffset? InvitationExpiresAt, bool PlatformAdmin, DateTimeOffset? LastSignInAt)
{
    internal static AccountView From(Account a) => new(
        a.Subject, a.UserName, a.DisplayName, a.Email, a.IdentityProvider, a.State, a.LockedOutUntil, a.InvitationExpiresAt,
        a.PlatformAdmin, a.LastSignInAt);
}

/// <summary>A created or reset account with what its holder needs, shown only in this answer.</summary>
/// <param name="Account">The account.</param>
/// <param name="OneTimePassword">Password for one sign-in, after which its holder chooses their own; null with an invitation.</param>
/// <param name="InvitationUrl">Link where the invited person chooses a password; null with a one-time password.</param>
/// <param name="InvitationExpiresAt">When the link stops working.</param>
public sealed record AccountCreatedView(AccountView Account, string? OneTimePassword, string? InvitationUrl, DateTimeOffset? InvitationExpiresAt)
{
    internal static AccountCreatedView From(AccountCredential credential, HttpRequest request) => new(
        AccountView.From(credential.Account), credential.OneTimePassword,
        credential.InvitationPath is { } path ? $"{request.Scheme}://{request.Host}{request.PathBase}{path}" : null,
        credential.InvitationExpiresAt);
}
