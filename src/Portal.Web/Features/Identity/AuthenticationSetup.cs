using System.Threading.RateLimiting;
using Microsoft.AspNetCore.Authentication;
using Microsoft.AspNetCore.Authentication.Cookies;
using Microsoft.AspNetCore.Authentication.JwtBearer;
using Microsoft.AspNetCore.Authentication.OpenIdConnect;
using Microsoft.AspNetCore.DataProtection;
using Microsoft.AspNetCore.DataProtection.EntityFrameworkCore;
using Microsoft.Extensions.DependencyInjection.Extensions;
using Microsoft.IdentityModel.Protocols.OpenIdConnect;
using MudBlazor.Services;

namespace Portal.Web.Features.Identity;

/// <summary>Start-up wiring of sign-in, tokens and the caller: services, middleware and endpoints.</summary>
public static class AuthenticationSetup
{
    /// <summary>Rate-limiting policy of the sign-in form.</summary>
    public const string SignInRateLimit = "signin";

    /// <summary>Authorization policy: platform administrators only.</summary>
    public const string PlatformAdminPolicy = "PlatformAdmin";

    /// <inheritdoc cref="AddPortalAuthentication{TUsersDb}(WebApplicationBuilder)"/>
    public static WebApplicationBuilder AddPortalAuthentication(this WebApplicationBuilder builder) =>
        builder.AddPortalAuthentication<PortalDb>();

    /// <summary>
    /// Registers the session cookie (Secure, HttpOnly, SameSite=Lax) and the data-protection key ring behind it (in
    /// <typeparamref name="TUsersDb"/>), built-in accounts (ASP.NET Core Identity, stored in <typeparamref name="TUsersDb"/>), personal access tokens, and, when Authentication:OpenIdConnect:Authority
    /// is set, single sign-on (authorization code + PKCE) and the provider's access tokens (JwtBearer); a default
    /// scheme that picks among them per request; the sign-in rate limit; the first administrator's bootstrap; and
    /// the caller seam. Every option class is validated at start.
    /// </summary>
    /// <typeparam name="TUsersDb">Context holding the Identity tables: PortalDb in the portal, a test context in tests.</typeparam>
    public static WebApplicationBuilder AddPortalAuthentication<TUsersDb>(this WebApplicationBuilder builder)
        where TUsersDb : DbContext, IDataProtectionKeyContext
    {
        ArgumentNullException.ThrowIfNull(builder);
        var services = builder.Services;

        // Start-up code may read configuration: whether SSO exists decides which schemes are registered at all.
        var sso = builder.Configuration.GetSection(OpenIdConnectSettings.Section).Get<OpenIdConnectSettings>() ?? new();
        var limits = builder.Configuration.GetSection(SignInLimitOptions.Section).Get<SignInLimitOptions>() ?? new();

        services.AddValidatedOptions<OpenIdConnectSettings>(OpenIdConnectSettings.Section);
        services.AddValidatedOptions<GroupMappingOptions>(GroupMappingOptions.Section);
        services.AddValidatedOptions<BuiltInAccountOptions>(BuiltInAccountOptions.Section)
            .Validate(accounts => accounts.Enabled || sso.Enabled,
                "Authentication:BuiltInAccounts:Enabled is false and Authentication:OpenIdConnect:Authority is empty: nobody could sign in.");
        services.AddValidatedOptions<BootstrapOptions>(BootstrapOptions.Section);
        services.AddValidatedOptions<SignInLimitOptions>(SignInLimitOptions.Section);
        services.AddValidatedOptions<PersonalAccessTokenOptions>(PersonalAccessTokenOptions.Section);

        // Sign-in cookies, antiforgery tokens and circuits are protected with these keys. They live in the portal
        // database, so every replica unprotects what another protected (a cookie issued by one replica signs the
        // user in on all of them) and a restarted pod keeps its users signed in.
        services.AddDataProtection().SetApplicationName("spark-portal").PersistKeysToDbContext<TUsersDb>();

        // The antiforgery cookie is Secure whenever the page was served over HTTPS; plain http stays possible for
        // loopback development and tests. (The session cookie is always Secure: browsers allow that on localhost.)
        services.AddAntiforgery(antiforgery => antiforgery.Cookie.SecurePolicy = CookieSecurePolicy.SameAsRequest);
        services.TryAddSingleton(TimeProvider.System);
        services.AddMemoryCache();
        services.AddScoped<PersonalAccessTokens>();
        services.AddScoped<DirectoryGroupSync>();
        services.AddScoped<SignInAudit>();
        services.AddScoped<SignInRecorder>();
        services.AddScoped<UserDirectory>();
        services.AddScoped<Accounts>();
        services.AddSingleton<FailedAttemptLimiter>();
        services.AddSingleton<UnknownUserPassword>();
        services.AddPortalCaller();
        services.AddRazorComponents();
        // The static sign-in pages render MudBlazor's theme provider for the portal's colours.
        services.AddMudServices();
        services.AddOpenApiBearerSecurity();

        services.AddIdentityCore<IdentityUser>(identity =>
            {
                identity.Password.RequiredLength = BuiltInAccounts.MinPasswordLength;
                identity.Lockout.MaxFailedAccessAttempts = limits.MaxFailedPasswords;
                identity.Lockout.DefaultLockoutTimeSpan = TimeSpan.FromMinutes(limits.LockoutMinutes);
                identity.ClaimsIdentity.UserIdClaimType = PortalClaims.Subject;
                identity.ClaimsIdentity.UserNameClaimType = PortalClaims.Name;
                identity.ClaimsIdentity.EmailClaimType = PortalClaims.Email;
                identity.ClaimsIdentity.RoleClaimType = PortalClaims.Role;
            })
            .AddRoles<IdentityRole>()
            .AddEntityFrameworkStores<TUsersDb>()
            .AddSignInManager<PortalSignInManager>()
            .AddClaimsPrincipalFactory<BuiltInAccountClaims>();
        // One instance for start-up and the token command, which runs it before issuing a token on a fresh install.
        services.AddSingleton<BootstrapAdministrator>();
        services.AddHostedService(sp => sp.GetRequiredService<BootstrapAdministrator>());

        var authentication = services.AddAuthentication(PortalSchemes.Default)
            .AddPolicyScheme(PortalSchemes.Default, "Cookie, access token or personal access token", policy =>
                policy.ForwardDefaultSelector = context => SelectScheme(context, sso.Enabled))
            .AddCookie(PortalSchemes.Cookie, ConfigureCookie)
            .AddScheme<AuthenticationSchemeOptions, PersonalAccessTokenHandler>(PortalSchemes.PersonalAccessToken, null);

        if (sso.Enabled)
        {
            authentication
                .AddOpenIdConnect(PortalSchemes.OpenIdConnect, sso.DisplayName, options => ConfigureOpenIdConnect(options, sso))
                .AddJwtBearer(PortalSchemes.AccessToken, options => ConfigureAccessTokens(options, sso));
        }

        services.AddAuthorizationBuilder()
            .AddPolicy(PlatformAdminPolicy, policy => policy.RequireAuthenticatedUser().RequireClaim(PortalClaims.Role, PortalClaims.PlatformAdminRole));

        services.AddRateLimiter(options =>
        {
            options.RejectionStatusCode = StatusCodes.Status429TooManyRequests;
            options.AddPolicy(SignInRateLimit, context => RateLimitPartition.GetFixedWindowLimiter(
                FailedAttemptLimiter.ClientOf(context),
                _ => new FixedWindowRateLimiterOptions { PermitLimit = limits.SignInsPerMinute, Window = TimeSpan.FromMinutes(1), QueueLimit = 0 }));
        });
        return builder;
    }

    /// <summary>
    /// Adds authentication, authorization, the sign-in rate limiter and the must-change-password gate. Call
    /// before UseAntiforgery (antiforgery tokens are bound to the signed-in user) and before mapping endpoints.
    /// </summary>
    public static WebApplication UsePortalAuthentication(this WebApplication app)
    {
        ArgumentNullException.ThrowIfNull(app);
        app.UseAuthentication();
        app.UseAuthorization();
        app.UseRateLimiter();
        app.UseMiddleware<TokenScopeGate>();
        return app;
    }

    /// <summary>Which scheme authenticates <paramref name="context"/>: a Bearer token (personal or provider-issued) or the cookie.</summary>
    internal static string SelectScheme(HttpContext context, bool ssoEnabled)
    {
        var header = context.Request.Headers.Authorization.ToString();
        if (!header.StartsWith("Bearer ", StringComparison.OrdinalIgnoreCase))
        {
            return PortalSchemes.Cookie;
        }

        // Without SSO every bearer token is ours to judge (and refuse), so a stray JWT still gets a clean 401.
        return !ssoEnabled || TokenText.HasMarker(header.AsSpan("Bearer ".Length).TrimStart())
            ? PortalSchemes.PersonalAccessToken
            : PortalSchemes.AccessToken;
    }

    static void ConfigureCookie(CookieAuthenticationOptions options)
    {
        options.Cookie.Name = "portal.session";
        options.Cookie.SecurePolicy = CookieSecurePolicy.Always;
        options.Cookie.HttpOnly = true;
        // Lax, not Strict: the provider's redirect back to /signin-oidc is a cross-site top-level navigation.
        options.Cookie.SameSite = SameSiteMode.Lax;
        options.ExpireTimeSpan = TimeSpan.FromHours(8);
        options.SlidingExpiration = true;
        options.LoginPath = IdentityEndpoints.SignInPath;
        options.LogoutPath = IdentityEndpoints.SignOutPath;
        options.AccessDeniedPath = IdentityEndpoints.SignInPath;
        options.ReturnUrlParameter = "returnUrl";

        // A built-in account's session ends when its security stamp changes (new password, reset, deletion). SSO
        // sessions have no stamp here: the provider decides, at the next sign-in.
        options.Events.OnValidatePrincipal = RevalidateBuiltInSession;

        // The API answers with status codes; only pages redirect to the sign-in form.
        options.Events.OnRedirectToLogin = context => RedirectOrStatus(context, StatusCodes.Status401Unauthorized);
        options.Events.OnRedirectToAccessDenied = context => RedirectOrStatus(context, StatusCodes.Status403Forbidden);
    }

    // Identity's own SecurityStampValidator also signs out of its two-factor cookie, which the portal doesn't have.
    static async Task RevalidateBuiltInSession(CookieValidatePrincipalContext context)
    {
        if (context.Principal?.FindFirstValue(PortalClaims.IdentityProvider) != IdentityProviders.Local)
        {
            return;
        }

        var services = context.HttpContext.RequestServices;
        var interval = TimeSpan.FromSeconds(services.GetRequiredService<IOptions<BuiltInAccountOptions>>().Value.RevalidateSeconds);
        if (context.Properties.IssuedUtc is { } issued && services.GetRequiredService<TimeProvider>().GetUtcNow() - issued < interval)
        {
            return;
        }

        var signIn = services.GetRequiredService<SignInManager<IdentityUser>>();
        if (await signIn.ValidateSecurityStampAsync(context.Principal) is not { } user)
        {
            context.RejectPrincipal();
            await context.HttpContext.SignOutAsync(PortalSchemes.Cookie);
            return;
        }

        // Fresh claims (a new role, a cleared one-time-password flag) and a new issue time for the next interval.
        context.ReplacePrincipal(await signIn.CreateUserPrincipalAsync(user));
        context.ShouldRenew = true;
    }

    static Task RedirectOrStatus(RedirectContext<CookieAuthenticationOptions> context, int status)
    {
        if (context.Request.Path.StartsWithSegments("/api"))
        {
            context.Response.StatusCode = status;
        }
        else
        {
            context.Response.Redirect(context.RedirectUri);
        }

        return Task.CompletedTask;
    }

    static void ConfigureOpenIdConnect(OpenIdConnectOptions options, OpenIdConnectSettings sso)
    {
        options.Authority = sso.Authority;
        options.ClientId = sso.ClientId;
        options.ClientSecret = string.IsNullOrEmpty(sso.ClientSecret) ? null : sso.ClientSecret;
        options.RequireHttpsMetadata = sso.RequireHttpsMetadata;
        options.ResponseType = OpenIdConnectResponseType.Code;
        options.UsePkce = true;
        options.Scope.Clear();
        foreach (var scope in sso.Scopes)
        {
            options.Scope.Add(scope);
        }

        options.SignInScheme = PortalSchemes.Cookie;
        options.SignOutScheme = PortalSchemes.Cookie;
        options.CallbackPath = IdentityEndpoints.OidcCallbackPath;
        options.SignedOutCallbackPath = IdentityEndpoints.OidcSignedOutCallbackPath;
        options.RemoteSignOutPath = "/signout-oidc";

        // Claim names exactly as the provider sends them, not renamed to WS-Federation URIs; the configured
        // names are looked up as-is. The ID token is kept for the id_token_hint of the provider's sign-out.
        options.MapInboundClaims = false;
        options.SaveTokens = true;
        options.GetClaimsFromUserInfoEndpoint = sso.GetClaimsFromUserInfoEndpoint;
        options.ClaimActions.MapUniqueJsonKey(sso.NameClaim, sso.NameClaim);
        options.ClaimActions.MapUniqueJsonKey(sso.EmailClaim, sso.EmailClaim);
        options.ClaimActions.MapJsonKey(sso.GroupsClaim, sso.GroupsClaim);
        options.TokenValidationParameters.NameClaimType = sso.NameClaim;
        options.TokenValidationParameters.RoleClaimType = PortalClaims.Role;

        options.Events.OnTicketReceived = SsoPrincipal.OnTicketReceived;
        options.Events.OnRemoteFailure = SsoPrincipal.OnRemoteFailure;
    }

    static void ConfigureAccessTokens(JwtBearerOptions options, OpenIdConnectSettings sso)
    {
        options.Authority = sso.Authority;
        options.Audience = sso.EffectiveAudience;
        options.RequireHttpsMetadata = sso.RequireHttpsMetadata;
        options.MapInboundClaims = false;
        options.TokenValidationParameters.NameClaimType = sso.NameClaim;
        options.TokenValidationParameters.RoleClaimType = PortalClaims.Role;
        options.Events = new JwtBearerEvents { OnTokenValidated = SsoPrincipal.OnAccessTokenValidated };
    }
}
