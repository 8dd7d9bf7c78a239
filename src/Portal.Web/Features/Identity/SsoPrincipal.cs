using Microsoft.AspNetCore.Authentication;
using Microsoft.Extensions.Caching.Memory;
using Portal.Core.Audit;

namespace Portal.Web.Features.Identity;

/// <summary>
/// Maps what the OpenID Connect provider says about a user (claim names from <see cref="OpenIdConnectSettings"/>)
/// onto <see cref="PortalClaims"/>, and applies the directory group mappings on the way in.
/// </summary>
internal static partial class SsoPrincipal
{
    // Access tokens arrive on every API call; memberships are synced once per subject and group set per window.
    static readonly TimeSpan AccessTokenSyncInterval = TimeSpan.FromMinutes(5);

    /// <summary>
    /// OIDC sign-in finished: sync memberships, record the user in the known-users directory (with whether their
    /// groups make them a platform administrator, which their personal access tokens then carry), audit, and keep
    /// only the portal's claims in the cookie.
    /// </summary>
    public static async Task OnTicketReceived(TicketReceivedContext context)
    {
        var services = context.HttpContext.RequestServices;
        var settings = services.GetRequiredService<IOptions<OpenIdConnectSettings>>().Value;
        var ct = context.HttpContext.RequestAborted;
        if (context.Principal?.FindFirstValue(settings.UserIdClaim) is not { Length: > 0 } subject)
        {
            context.Fail($"The identity provider sent no '{settings.UserIdClaim}' claim; check Authentication:OpenIdConnect:UserIdClaim.");
            return;
        }

        var groups = Groups(context.Principal, settings);
        var sync = services.GetRequiredService<DirectoryGroupSync>();
        await sync.ApplyAsync(subject, groups, ct);
        var isPlatformAdmin = sync.IsPlatformAdmin(groups);
        context.Principal = Normalize(context.Principal, settings, subject, groups, isPlatformAdmin, IdentityProviders.OpenIdConnect, PortalSchemes.OpenIdConnect);
        await services.GetRequiredService<SignInRecorder>().RecordAsync(
            new SignInProfile(
                subject,
                context.Principal.FindFirstValue(PortalClaims.Name) ?? subject,
                context.Principal.FindFirstValue(PortalClaims.Email),
                IdentityProviders.OpenIdConnect,
                isPlatformAdmin),
            ct);
        await services.GetRequiredService<SignInAudit>().RecordAsync("signin", subject, AuditOutcome.Succeeded, IdentityProviders.OpenIdConnect, ct);
    }

    /// <summary>
    /// An access token from the provider was validated: normalise it, syncing memberships and stored platform
    /// administration now and then.
    /// </summary>
    public static async Task OnAccessTokenValidated(Microsoft.AspNetCore.Authentication.JwtBearer.TokenValidatedContext context)
    {
        var services = context.HttpContext.RequestServices;
        var settings = services.GetRequiredService<IOptions<OpenIdConnectSettings>>().Value;
        if (context.Principal?.FindFirstValue(settings.UserIdClaim) is not { Length: > 0 } subject)
        {
            context.Fail($"The access token has no '{settings.UserIdClaim}' claim.");
            return;
        }

        var groups = Groups(context.Principal, settings);
        var sync = services.GetRequiredService<DirectoryGroupSync>();
        var cache = services.GetRequiredService<IMemoryCache>();
        var key = (nameof(SsoPrincipal), subject, string.Join('\n', groups.Order(StringComparer.Ordinal)));
        var isPlatformAdmin = sync.IsPlatformAdmin(groups);
        if (!cache.TryGetValue(key, out _))
        {
            await sync.ApplyAsync(subject, groups, context.HttpContext.RequestAborted);
            // As memberships follow the token's groups, so does the platform administration the user's personal
            // access tokens carry: someone dropped from the admin group loses it without signing in again.
            await services.GetRequiredService<SignInRecorder>().ObservePlatformAdminAsync(subject, isPlatformAdmin, context.HttpContext.RequestAborted);
            cache.Set(key, true, AccessTokenSyncInterval);
        }

        context.Principal = Normalize(context.Principal, settings, subject, groups, isPlatformAdmin, IdentityProviders.AccessToken, PortalSchemes.AccessToken);
    }

    /// <summary>The provider refused or the callback was bad: back to the sign-in page with a message, not a 500.</summary>
    public static Task OnRemoteFailure(RemoteFailureContext context)
    {
        var logger = context.HttpContext.RequestServices.GetRequiredService<ILoggerFactory>().CreateLogger(typeof(SsoPrincipal));
        SignInFailed(logger, context.Failure?.Message ?? "unknown");
        context.Response.Redirect("/signin?error=sso");
        context.HandleResponse();
        return Task.CompletedTask;
    }

    static List<string> Groups(ClaimsPrincipal principal, OpenIdConnectSettings settings) =>
        principal.FindAll(settings.GroupsClaim).Select(c => c.Value).Where(g => g.Length > 0).Distinct(StringComparer.Ordinal).ToList();

    static ClaimsPrincipal Normalize(
        ClaimsPrincipal source, OpenIdConnectSettings settings, string subject, List<string> groups, bool isPlatformAdmin,
        string provider, string authenticationType)
    {
        var identity = new ClaimsIdentity(authenticationType, PortalClaims.Name, PortalClaims.Role);
        identity.AddClaim(new Claim(PortalClaims.Subject, subject));
        identity.AddClaim(new Claim(PortalClaims.Name, source.FindFirstValue(settings.NameClaim) ?? source.FindFirstValue("preferred_username") ?? subject));
        if (source.FindFirstValue(settings.EmailClaim) is { Length: > 0 } email)
        {
            identity.AddClaim(new Claim(PortalClaims.Email, email));
        }

        identity.AddClaims(groups.Select(g => new Claim(PortalClaims.Group, g)));
        identity.AddClaim(new Claim(PortalClaims.IdentityProvider, provider));
        if (isPlatformAdmin)
        {
            identity.AddClaim(new Claim(PortalClaims.Role, PortalClaims.PlatformAdminRole));
        }

        return new ClaimsPrincipal(identity);
    }

    [LoggerMessage(LogLevel.Warning, "Failed single sign-on: {Reason}")]
    static partial void SignInFailed(ILogger logger, string reason);
}
