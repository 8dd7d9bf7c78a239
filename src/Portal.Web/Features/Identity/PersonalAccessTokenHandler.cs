using System.Text.Encodings.Web;
using Microsoft.AspNetCore.Authentication;
using Microsoft.Net.Http.Headers;

namespace Portal.Web.Features.Identity;

/// <summary>Authenticates <c>Authorization: Bearer spk_…</c> requests as the token's owner, within the token's scope.</summary>
internal sealed partial class PersonalAccessTokenHandler(
    IOptionsMonitor<AuthenticationSchemeOptions> options,
    ILoggerFactory loggerFactory,
    UrlEncoder encoder,
    FailedAttemptLimiter limiter)
    : AuthenticationHandler<AuthenticationSchemeOptions>(options, loggerFactory, encoder)
{
    const string BearerPrefix = "Bearer ";

    bool _rateLimited;

    protected override async Task<AuthenticateResult> HandleAuthenticateAsync()
    {
        string header = Request.Headers.Authorization.ToString();
        if (!header.StartsWith(BearerPrefix, StringComparison.OrdinalIgnoreCase))
        {
            return AuthenticateResult.NoResult();
        }

        // The token is checked before any limit: a valid token is accepted whatever others sent from its address.
        var text = header[BearerPrefix.Length..].Trim();
        var tokens = Context.RequestServices.GetRequiredService<PersonalAccessTokens>();
        var result = await tokens.ValidateAsync(text, Context.RequestAborted);
        if (!result.IsValid || result.Token is not { } token)
        {
            var client = FailedAttemptLimiter.ClientOf(Context);
            var prefix = TokenText.TryParse(text, out var guessed, out _) ? guessed : null;
            if (limiter.IsBlocked(client, prefix))
            {
                // Past the allowance: no audit entry or log line, so an address or prefix causes at most its
                // allowance of each a minute.
                _rateLimited = true;
                return AuthenticateResult.Fail("Too many failed token attempts from this address or for this token.");
            }

            limiter.RecordFailure(client, prefix);
            Refused(Logger, result.Outcome, result.Token?.Id);
            await Context.RequestServices.GetRequiredService<SignInAudit>().RecordRefusedTokenAsync(result, Context.RequestAborted);
            // The same answer for every reason: whoever holds a guessed prefix learns nothing.
            return AuthenticateResult.Fail("The token is invalid, expired or revoked.");
        }

        var identity = new ClaimsIdentity(Scheme.Name, PortalClaims.Name, PortalClaims.Role);
        identity.AddClaim(new Claim(PortalClaims.Subject, token.Owner));
        identity.AddClaim(new Claim(PortalClaims.IdentityProvider, IdentityProviders.PersonalAccessToken));
        identity.AddClaim(new Claim(PortalClaims.TokenId, token.Id.ToString()));
        identity.AddClaim(new Claim(PortalClaims.TokenAccess, token.Access.ToString()));
        if (token.TenantId is { } tenant)
        {
            identity.AddClaim(new Claim(PortalClaims.TokenTenant, tenant.ToString()));
        }

        await AddOwnerClaimsAsync(identity, token);
        return AuthenticateResult.Success(new AuthenticationTicket(new ClaimsPrincipal(identity), Scheme.Name));
    }

    // A built-in account's name and platform role come from the user store; an SSO user's from the known-users
    // directory, as of their last sign-in (the provider isn't asked per request). Platform administration carries
    // over only to tokens not limited to one tenant: a tenant-scoped token is meant to reach that tenant and no more.
    async Task AddOwnerClaimsAsync(ClaimsIdentity identity, PersonalAccessToken token)
    {
        var users = Context.RequestServices.GetRequiredService<UserManager<IdentityUser>>();
        if (await users.FindByIdAsync(token.Owner) is { } account)
        {
            identity.AddClaim(new Claim(PortalClaims.Name, account.UserName ?? token.Owner));
            if (token.TenantId is null && await users.IsInRoleAsync(account, PortalClaims.PlatformAdminRole))
            {
                identity.AddClaim(new Claim(PortalClaims.Role, PortalClaims.PlatformAdminRole));
            }

            return;
        }

        var db = Context.RequestServices.GetRequiredService<PortalDb>();
        var known = await db.KnownUsers.AsNoTracking()
            .Where(u => u.Subject == token.Owner)
            .Select(u => new { u.DisplayName, u.Email, u.PlatformAdminFromDirectory })
            .SingleOrDefaultAsync(Context.RequestAborted);
        identity.AddClaim(new Claim(PortalClaims.Name, known?.DisplayName ?? token.Owner));
        if (known?.Email is { } email)
        {
            identity.AddClaim(new Claim(PortalClaims.Email, email));
        }

        if (token.TenantId is null && known?.PlatformAdminFromDirectory == true)
        {
            identity.AddClaim(new Claim(PortalClaims.Role, PortalClaims.PlatformAdminRole));
        }
    }

    protected override Task HandleChallengeAsync(AuthenticationProperties properties)
    {
        if (_rateLimited)
        {
            Response.StatusCode = StatusCodes.Status429TooManyRequests;
            Response.Headers.RetryAfter = ((int)FailedAttemptLimiter.Window.TotalSeconds).ToString(CultureInfo.InvariantCulture);
            return Task.CompletedTask;
        }

        Response.StatusCode = StatusCodes.Status401Unauthorized;
        Response.Headers.Append(HeaderNames.WWWAuthenticate, "Bearer error=\"invalid_token\"");
        return Task.CompletedTask;
    }

    [LoggerMessage(LogLevel.Information, "Refused personal access token {TokenId}: {Outcome}")]
    static partial void Refused(ILogger logger, TokenValidationOutcome outcome, Guid? tokenId);
}
