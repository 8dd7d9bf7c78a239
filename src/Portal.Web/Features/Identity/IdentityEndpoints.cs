using Microsoft.AspNetCore.Antiforgery;
using Microsoft.AspNetCore.Authentication;
using Microsoft.AspNetCore.Authentication.OpenIdConnect;
using Microsoft.AspNetCore.Mvc;
using Portal.Core.Audit;

namespace Portal.Web.Features.Identity;

/// <summary>Sign-in, single sign-on, sign-out and password change: server-rendered forms, no client script.</summary>
public static class IdentityEndpoints
{
    public const string SignInPath = "/signin";
    public const string SsoPath = "/signin/sso";
    public const string SignOutPath = "/signout";
    public const string ChangePasswordPath = "/account/password";

    /// <summary>Redirect URI to register at the provider: https://&lt;portal&gt;/signin-oidc.</summary>
    public const string OidcCallbackPath = "/signin-oidc";

    /// <summary>Post-logout redirect URI to register at the provider: https://&lt;portal&gt;/signout-callback-oidc.</summary>
    public const string OidcSignedOutCallbackPath = "/signout-callback-oidc";

    /// <summary>Maps the sign-in, SSO, sign-out and password pages, and the user directory's API (GET /api/v1/users).</summary>
    public static IEndpointRouteBuilder MapPortalIdentity(this IEndpointRouteBuilder endpoints)
    {
        ArgumentNullException.ThrowIfNull(endpoints);
        var pages = endpoints.MapGroup("").WithTags("Identity").ExcludeFromDescription();
        pages.MapGet(SignInPath, SignInForm).AllowAnonymous();
        // [FromForm] makes minimal APIs demand a valid antiforgery token (UseAntiforgery).
        pages.MapPost(SignInPath, SignIn).AllowAnonymous().RequireRateLimiting(AuthenticationSetup.SignInRateLimit);
        pages.MapGet(SsoPath, StartSso).AllowAnonymous();
        pages.MapPost(SignOutPath, SignOut).AllowAnonymous().WithMetadata(new RequireAntiforgeryTokenAttribute());
        pages.MapGet(Accounts.InvitationPage, InvitationForm).AllowAnonymous();
        pages.MapPost(Accounts.InvitationPage, AcceptInvitation).AllowAnonymous().RequireRateLimiting(AuthenticationSetup.SignInRateLimit);
        pages.MapGet(ChangePasswordPath, ChangePasswordForm).RequireAuthorization();
        pages.MapPost(ChangePasswordPath, ChangePassword).RequireAuthorization().RequireRateLimiting(AuthenticationSetup.SignInRateLimit);

        // GET /api/v1/users belongs to the API but comes with identity, which keeps the directory it reads.
        endpoints.MapGroup("/api/v1").MapUserDirectory();
        return endpoints;
    }

    static async Task<RazorComponentResult<SignInPage>> SignInForm(
        string? returnUrl, string? error, string? notice, string? userName, HttpContext http, IOptions<OpenIdConnectSettings> sso,
        IOptions<BuiltInAccountOptions> accounts, BootstrapAdministrator bootstrap)
    {
        var notices = notice switch
        {
            PasswordSetNotice => "Your password is set. Sign in with it.",
            _ => null,
        };
        var firstRun = await bootstrap.AwaitsFirstSignInAsync(http.RequestAborted) ? bootstrap.AdminUserName : null;
        return Page(http, sso.Value, accounts.Value, SafeReturnUrl(returnUrl), error switch
        {
            "sso" => "Single sign-on did not complete. Try again, or ask your administrator.",
            _ => null,
        }, KeptUserName(userName), notices, firstRun);
    }

    static async Task<IResult> SignIn(
        [FromForm] SignInRequest form,
        HttpContext http,
        SignInManager<IdentityUser> signIn,
        SignInAudit audit,
        SignInRecorder recorder,
        IOptions<OpenIdConnectSettings> sso,
        IOptions<BuiltInAccountOptions> accounts)
    {
        if (!accounts.Value.Enabled)
        {
            return TypedResults.NotFound();
        }

        var returnUrl = SafeReturnUrl(form.ReturnUrl);
        var userName = (form.UserName ?? "").Trim();
        var result = await signIn.PasswordSignInAsync(userName, form.Password ?? "", isPersistent: false, lockoutOnFailure: true);

        // The audit actor is the name typed, which may be anything: keep it within the column.
        var actor = userName.Length > 256 ? userName[..256] : userName;
        await audit.RecordAsync("signin", actor, result.Succeeded ? AuditOutcome.Succeeded : AuditOutcome.Denied, IdentityProviders.Local, http.RequestAborted);
        if (result.Succeeded)
        {
            // Into the known-users directory, so member lists show the account's name. Platform administration of a
            // built-in account is its Identity role, never the directory's.
            if (await signIn.UserManager.FindByNameAsync(userName) is { } user)
            {
                var displayName = (await signIn.UserManager.GetClaimsAsync(user)).FirstOrDefault(c => c.Type == Accounts.DisplayNameClaim)?.Value;
                await recorder.RecordAsync(
                    new SignInProfile(user.Id, displayName ?? user.UserName ?? userName, user.Email, IdentityProviders.Local, PlatformAdminFromDirectory: false),
                    http.RequestAborted);
            }

            return TypedResults.LocalRedirect(returnUrl);
        }

        var page = Page(http, sso.Value, accounts.Value, returnUrl, await RefusalAsync(signIn.UserManager, userName, form.Password ?? "", result),
            KeptUserName(userName));
        page.StatusCode = StatusCodes.Status400BadRequest;
        return page;
    }

    // A disabled account is a lockout without end: say so, but only to whoever knows its password, so the form
    // tells a guesser no more than before.
    static async Task<string> RefusalAsync(UserManager<IdentityUser> users, string userName, string password, Microsoft.AspNetCore.Identity.SignInResult result)
    {
        if (!result.IsLockedOut)
            return "Wrong user name or password.";
        if (await users.FindByNameAsync(userName) is { } user && Accounts.IsDisabled(user) && await users.CheckPasswordAsync(user, password))
            return "This account is disabled. Ask a platform administrator to enable it.";
        return "Too many failed attempts: this account is locked for a few minutes.";
    }

    // Kept in the form after a refusal, so only the password needs typing again; a name no account could have is dropped.
    static string? KeptUserName(string? userName) =>
        string.IsNullOrWhiteSpace(userName) || userName.Length > 256 || !Portal.Core.UserText.IsPlain(userName) ? null : userName.Trim();

    /// <summary>The sign-in page's <c>notice</c> after an invitation's password was set.</summary>
    public const string PasswordSetNotice = "password-set";

    static async Task<RazorComponentResult<InvitationPage>> InvitationForm(
        [FromQuery(Name = "user")] string? user, string? code, Accounts accounts, CancellationToken ct) =>
        new(new { UserName = await accounts.InvitedUserNameAsync(user, code, ct), AccountId = user, Code = code });

    static async Task<IResult> AcceptInvitation([FromForm] InvitationRequest form, Accounts accounts, CancellationToken ct)
    {
        var userName = await accounts.InvitedUserNameAsync(form.User, form.Code, ct);
        IReadOnlyList<string> problems = userName is null ? [] : form.NewPassword != form.ConfirmPassword
            ? ["The two passwords differ."]
            : await accounts.AcceptInvitationAsync(form.User, form.Code, form.NewPassword ?? "", ct);
        if (userName is not null && problems.Count == 0)
            return TypedResults.LocalRedirect($"{SignInPath}?notice={PasswordSetNotice}&userName={Uri.EscapeDataString(userName)}");

        return new RazorComponentResult<InvitationPage>(new { UserName = userName, AccountId = form.User, Code = form.Code, Error = string.Join(" ", problems) })
        {
            StatusCode = StatusCodes.Status400BadRequest,
        };
    }

    static IResult StartSso(string? returnUrl, IOptions<OpenIdConnectSettings> sso) =>
        sso.Value.Enabled
            ? TypedResults.Challenge(new AuthenticationProperties { RedirectUri = SafeReturnUrl(returnUrl) }, [PortalSchemes.OpenIdConnect])
            : TypedResults.NotFound();

    static async Task<IResult> SignOut(HttpContext http, SignInAudit audit, IOptions<OpenIdConnectSettings> sso)
    {
        // Checked here because minimal APIs enforce antiforgery only on endpoints that bind a form: without it any
        // site could sign a user out.
        if (http.Features.Get<IAntiforgeryValidationFeature>() is not { IsValid: true })
        {
            return TypedResults.Problem(statusCode: StatusCodes.Status400BadRequest, title: "The form is missing its antiforgery token.");
        }

        var principal = PortalPrincipal.From(http.User);
        if (principal is null)
        {
            return TypedResults.LocalRedirect(SignInPath);
        }

        await audit.RecordAsync("signout", principal.Subject, AuditOutcome.Succeeded, principal.IdentityProvider, http.RequestAborted);
        var done = new AuthenticationProperties { RedirectUri = SignInPath };
        if (principal.IdentityProvider == IdentityProviders.OpenIdConnect && sso.Value.Enabled && await ProviderEndsSessionsAsync(http))
        {
            // Cookie first, then the provider: its handler redirects to end_session_endpoint, which comes back
            // through /signout-callback-oidc to the sign-in page.
            return TypedResults.SignOut(done, [PortalSchemes.Cookie, PortalSchemes.OpenIdConnect]);
        }

        await http.SignOutAsync(PortalSchemes.Cookie);
        return TypedResults.LocalRedirect(SignInPath);
    }

    static async Task<bool> ProviderEndsSessionsAsync(HttpContext http)
    {
        var options = http.RequestServices.GetRequiredService<IOptionsMonitor<OpenIdConnectOptions>>().Get(PortalSchemes.OpenIdConnect);
        var configuration = await options.ConfigurationManager!.GetConfigurationAsync(http.RequestAborted);
        return !string.IsNullOrEmpty(configuration.EndSessionEndpoint);
    }

    static RazorComponentResult<ChangePasswordPage> ChangePasswordForm(HttpContext http) =>
        new(new { Required = http.User.HasClaim(c => c.Type == PortalClaims.PasswordChangeRequired) });

    static async Task<IResult> ChangePassword(
        [FromForm] ChangePasswordRequest form,
        HttpContext http,
        UserManager<IdentityUser> users,
        SignInManager<IdentityUser> signIn)
    {
        var required = http.User.HasClaim(c => c.Type == PortalClaims.PasswordChangeRequired);
        if (await users.GetUserAsync(http.User) is not { } user)
        {
            // A single sign-on user has no password here.
            return TypedResults.NotFound();
        }

        string? error = null;
        if (form.NewPassword != form.ConfirmPassword)
        {
            error = "The two new passwords differ.";
        }
        else if (form.NewPassword == form.CurrentPassword)
        {
            error = "Choose a password different from the current one.";
        }
        else
        {
            var changed = await users.ChangePasswordAsync(user, form.CurrentPassword ?? "", form.NewPassword ?? "");
            error = changed.Succeeded ? null : string.Join(" ", changed.Errors.Select(e => e.Description));
        }

        if (error is not null)
        {
            return new RazorComponentResult<ChangePasswordPage>(new { Required = required, Error = error })
            {
                StatusCode = StatusCodes.Status400BadRequest,
            };
        }

        foreach (var claim in (await users.GetClaimsAsync(user)).Where(c => c.Type == PortalClaims.PasswordChangeRequired))
        {
            await users.RemoveClaimAsync(user, claim);
        }

        // A new session without the one-time-password claim, and with the new security stamp.
        await signIn.RefreshSignInAsync(user);
        return TypedResults.LocalRedirect("/");
    }

    static RazorComponentResult<SignInPage> Page(
        HttpContext http, OpenIdConnectSettings sso, BuiltInAccountOptions accounts, string returnUrl, string? error, string? userName,
        string? notice = null, string? firstRunAdmin = null) => new(new Dictionary<string, object?>
    {
        ["Notice"] = notice,
        ["FirstRunAdmin"] = firstRunAdmin,
        ["ReturnUrl"] = returnUrl,
        ["Error"] = error,
        ["UserName"] = userName,
        ["SsoName"] = sso.Enabled ? sso.DisplayName : null,
        ["PasswordForm"] = accounts.Enabled,
        ["SignedInAs"] = http.User.Identity?.IsAuthenticated == true ? http.User.FindFirstValue(PortalClaims.Name) : null,
    });

    // Only paths on this site: an absolute or protocol-relative URL would make the form an open redirector.
    static string SafeReturnUrl(string? returnUrl) =>
        returnUrl is { Length: > 0 } && returnUrl[0] == '/' && !returnUrl.StartsWith("//", StringComparison.Ordinal)
            && !returnUrl.StartsWith("/\\", StringComparison.Ordinal)
            ? returnUrl
            : "/";
}

/// <summary>The sign-in form's fields.</summary>
public sealed record SignInRequest(string? UserName, string? Password, string? ReturnUrl);

/// <summary>The invitation form's fields.</summary>
public sealed record InvitationRequest(string? User, string? Code, string? NewPassword, string? ConfirmPassword);

/// <summary>The password form's fields.</summary>
public sealed record ChangePasswordRequest(string? CurrentPassword, string? NewPassword, string? ConfirmPassword);
