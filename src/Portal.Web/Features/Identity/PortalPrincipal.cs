using Microsoft.AspNetCore.Components.Authorization;

namespace Portal.Web.Features.Identity;

/// <summary>
/// Who is calling, read from an authenticated principal of any of the portal's schemes.
/// </summary>
/// <param name="Subject">Stable user id, matched against <see cref="Membership.Subject"/>.</param>
/// <param name="Name">Display name; the subject when the scheme carries none.</param>
/// <param name="Email">E-mail address, when known.</param>
/// <param name="IsPlatformAdmin">Platform administrator: every tenant, quotas, policies, the audit log.</param>
/// <param name="IdentityProvider">One of <see cref="IdentityProviders"/>.</param>
/// <param name="Token">The personal access token's limits, when one authenticated the request.</param>
public sealed record PortalPrincipal(
    string Subject, string Name, string? Email, bool IsPlatformAdmin, string IdentityProvider, TokenScope? Token)
{
    /// <summary>The caller seam's view: subject, platform administration, and the token's one tenant if it has one.</summary>
    public Caller ToCaller() => new(Subject, IsPlatformAdmin, Token?.TenantId);

    /// <summary>False when a read-only token authenticated the request.</summary>
    public bool MayWrite => Token is not { Access: TokenAccess.Read };

    /// <summary>
    /// The portal identity in <paramref name="principal"/>, or null when it is anonymous or lacks a subject
    /// (which no portal scheme produces).
    /// </summary>
    public static PortalPrincipal? From(ClaimsPrincipal? principal)
    {
        if (principal?.Identity?.IsAuthenticated != true || principal.FindFirstValue(PortalClaims.Subject) is not { Length: > 0 } subject)
        {
            return null;
        }

        TokenScope? token = null;
        if (Guid.TryParse(principal.FindFirstValue(PortalClaims.TokenId), out var tokenId))
        {
            token = new TokenScope(
                tokenId,
                Guid.TryParse(principal.FindFirstValue(PortalClaims.TokenTenant), out var tenant) ? tenant : null,
                Enum.TryParse<TokenAccess>(principal.FindFirstValue(PortalClaims.TokenAccess), out var access) ? access : TokenAccess.Read);
        }

        return new PortalPrincipal(
            subject,
            principal.FindFirstValue(PortalClaims.Name) ?? subject,
            principal.FindFirstValue(PortalClaims.Email),
            principal.HasClaim(PortalClaims.Role, PortalClaims.PlatformAdminRole),
            principal.FindFirstValue(PortalClaims.IdentityProvider) ?? IdentityProviders.Local,
            token);
    }
}

/// <summary>The limits a personal access token puts on its owner's rights.</summary>
/// <param name="TokenId">The token's id.</param>
/// <param name="TenantId">The only tenant it reaches, or null for all of its owner's.</param>
/// <param name="Access">Read-only or read-write.</param>
public sealed record TokenScope(Guid TokenId, Guid? TenantId, TokenAccess Access);

/// <summary>Registers the <see cref="Caller"/> of each request or Blazor circuit from its authenticated user.</summary>
public static class CallerRegistration
{
    /// <summary>
    /// Replaces the development caller: a scoped <see cref="Caller"/> and <see cref="PortalPrincipal"/> read from
    /// the request's user (API, static pages) or, inside an interactive circuit where there is no request, from
    /// the circuit's authentication state. Resolving either for an anonymous user throws: endpoints that use
    /// them must require authorization.
    /// </summary>
    public static IServiceCollection AddPortalCaller(this IServiceCollection services)
    {
        services.AddHttpContextAccessor();
        services.AddCascadingAuthenticationState();
        services.AddScoped(sp =>
        {
            var user = sp.GetRequiredService<IHttpContextAccessor>().HttpContext?.User
                // The server's provider completes synchronously: the circuit's state is set when it starts.
                ?? sp.GetRequiredService<AuthenticationStateProvider>().GetAuthenticationStateAsync().GetAwaiter().GetResult().User;
            return PortalPrincipal.From(user)
                ?? throw new InvalidOperationException("No authenticated user: require authorization on this endpoint or page.");
        });
        services.AddScoped(sp => sp.GetRequiredService<PortalPrincipal>().ToCaller());
        return services;
    }
}
