using System.Collections.Immutable;
using System.Net;
using System.Security.Claims;
using System.Text;
using System.Text.Encodings.Web;
using Microsoft.AspNetCore;
using Microsoft.AspNetCore.Authentication;
using Microsoft.AspNetCore.Hosting.Server;
using Microsoft.AspNetCore.Hosting.Server.Features;
using Microsoft.AspNetCore.Http.Features;
using Microsoft.Data.Sqlite;
using Microsoft.EntityFrameworkCore;
using OpenIddict.Abstractions;
using OpenIddict.Server.AspNetCore;
using static OpenIddict.Abstractions.OpenIddictConstants;

namespace Portal.E2E;

/// <summary>A user the test provider knows.</summary>
public sealed record TestUser(string Subject, string UserName, string Password, string Name, string Email, params string[] Groups);

/// <summary>
/// A real OpenID Connect provider for tests: OpenIddict on Kestrel at http://127.0.0.1:&lt;free port&gt;, with
/// discovery, JWKS, authorization code + PKCE (a plain login form for <see cref="TestUser"/>s), token, userinfo
/// and end-session endpoints. Access tokens are signed, unencrypted JWTs for <see cref="Audience"/>. The password
/// grant is on too, so tests can get an access token without a browser. Clients and tokens are stored through
/// OpenIddict's EF Core stores in a throwaway SQLite file.
/// </summary>
public sealed class OidcTestProvider : IAsyncDisposable
{
    readonly WebApplication _app;
    readonly string _databasePath;
    readonly Dictionary<string, TestUser> _users;
    int _endSessions;

    OidcTestProvider(WebApplication app, string databasePath, IEnumerable<TestUser> users, string audience)
    {
        _app = app;
        _databasePath = databasePath;
        _users = users.ToDictionary(u => u.UserName, StringComparer.Ordinal);
        Audience = audience;
    }

    /// <summary>The issuer, e.g. http://127.0.0.1:41234/.</summary>
    public Uri Issuer { get; private set; } = null!;

    /// <summary>The "aud" of every access token issued.</summary>
    public string Audience { get; }

    /// <summary>How many times the end-session endpoint was called.</summary>
    public int EndSessions => Volatile.Read(ref _endSessions);

    /// <summary>Starts a provider that knows <paramref name="users"/> and issues access tokens for <paramref name="audience"/>.</summary>
    public static async Task<OidcTestProvider> StartAsync(IEnumerable<TestUser> users, string audience = "portal-api")
    {
        var databasePath = Path.Combine(Path.GetTempPath(), $"oidc-test-{Guid.NewGuid():N}.db");
        var builder = WebApplication.CreateSlimBuilder();
        builder.WebHost.UseKestrel(kestrel => kestrel.Listen(IPAddress.Loopback, 0));
        builder.Logging.ClearProviders();

        var connectionString = new SqliteConnectionStringBuilder { DataSource = databasePath, Pooling = false }.ToString();
        builder.Services.AddDbContext<DbContext>(options => options.UseSqlite(connectionString).UseOpenIddict());
        builder.Services.AddOpenIddict()
            .AddCore(core => core.UseEntityFrameworkCore().UseDbContext<DbContext>())
            .AddServer(server =>
            {
                server.SetAuthorizationEndpointUris("connect/authorize")
                    .SetTokenEndpointUris("connect/token")
                    .SetUserInfoEndpointUris("connect/userinfo")
                    .SetEndSessionEndpointUris("connect/endsession");
                server.AllowAuthorizationCodeFlow().RequireProofKeyForCodeExchange();
                server.AllowPasswordFlow();
                server.RegisterScopes(Scopes.OpenId, Scopes.Profile, Scopes.Email, "groups");
                server.AddEphemeralEncryptionKey().AddEphemeralSigningKey();
                // Resource servers validate access tokens with the JWKS alone, as they would with Keycloak or Entra.
                server.DisableAccessTokenEncryption();
                server.UseAspNetCore()
                    .EnableAuthorizationEndpointPassthrough()
                    .EnableTokenEndpointPassthrough()
                    .EnableUserInfoEndpointPassthrough()
                    .EnableEndSessionEndpointPassthrough()
                    // Test-only: plain HTTP on loopback, no certificate to trust.
                    .DisableTransportSecurityRequirement();
            });

        var app = builder.Build();
        var provider = new OidcTestProvider(app, databasePath, users, audience);
        app.MapMethods("/connect/authorize", ["GET", "POST"], (Delegate)provider.AuthorizeAsync);
        app.MapPost("/connect/token", (Delegate)provider.TokenAsync);
        app.MapMethods("/connect/userinfo", ["GET", "POST"], (Delegate)UserInfoAsync);
        app.MapMethods("/connect/endsession", ["GET", "POST"], provider.EndSession);

        await using (var scope = app.Services.CreateAsyncScope())
        {
            await scope.ServiceProvider.GetRequiredService<DbContext>().Database.EnsureCreatedAsync();
        }

        await app.StartAsync();
        var address = app.Services.GetRequiredService<IServer>().Features.GetRequiredFeature<IServerAddressesFeature>().Addresses.Single();
        provider.Issuer = new Uri(address.TrimEnd('/') + "/");
        return provider;
    }

    /// <summary>Registers a confidential client that may use the code flow (with PKCE) and the password grant.</summary>
    public async Task RegisterClientAsync(string clientId, string clientSecret, Uri baseAddress)
    {
        await using var scope = _app.Services.CreateAsyncScope();
        var applications = scope.ServiceProvider.GetRequiredService<IOpenIddictApplicationManager>();
        var client = new OpenIddictApplicationDescriptor
        {
            ClientId = clientId,
            ClientSecret = clientSecret,
            ClientType = ClientTypes.Confidential,
            RedirectUris = { new Uri(baseAddress, "signin-oidc") },
            PostLogoutRedirectUris = { new Uri(baseAddress, "signout-callback-oidc") },
            Permissions =
            {
                Permissions.Endpoints.Authorization, Permissions.Endpoints.Token, Permissions.Endpoints.EndSession,
                Permissions.GrantTypes.AuthorizationCode, Permissions.GrantTypes.Password, Permissions.ResponseTypes.Code,
                Permissions.Scopes.Profile, Permissions.Scopes.Email, Permissions.Prefixes.Scope + "groups",
            },
            Requirements = { Requirements.Features.ProofKeyForCodeExchange },
        };
        await applications.CreateAsync(client);
    }

    /// <summary>An access token for <paramref name="user"/> from the token endpoint (password grant).</summary>
    public async Task<string> GetAccessTokenAsync(TestUser user, string clientId, string clientSecret)
    {
        using var http = new HttpClient { BaseAddress = Issuer };
        using var response = await http.PostAsync("connect/token", new FormUrlEncodedContent(new Dictionary<string, string>
        {
            ["grant_type"] = GrantTypes.Password,
            ["client_id"] = clientId,
            ["client_secret"] = clientSecret,
            ["username"] = user.UserName,
            ["password"] = user.Password,
            ["scope"] = "openid profile email groups",
        }));
        response.EnsureSuccessStatusCode();
        var body = await response.Content.ReadFromJsonAsync<Dictionary<string, object>>();
        return body!["access_token"].ToString()!;
    }

    async Task<IResult> AuthorizeAsync(HttpContext context)
    {
        var request = context.GetOpenIddictServerRequest() ?? throw new InvalidOperationException("Not an OpenID Connect request.");
        string? error = null;
        if (HttpMethods.IsPost(context.Request.Method) && await context.Request.ReadFormAsync() is { } form && form.ContainsKey("username"))
        {
            if (_users.TryGetValue(form["username"].ToString(), out var user) && user.Password == form["password"])
            {
                return Results.SignIn(PrincipalFor(user, request.GetScopes()), authenticationScheme: OpenIddictServerAspNetCoreDefaults.AuthenticationScheme);
            }

            error = "Unknown user or wrong password.";
        }

        return Results.Content(LoginForm(request, error), "text/html", Encoding.UTF8);
    }

    async Task<IResult> TokenAsync(HttpContext context)
    {
        var request = context.GetOpenIddictServerRequest() ?? throw new InvalidOperationException("Not an OpenID Connect request.");
        if (request.IsAuthorizationCodeGrantType())
        {
            // OpenIddict has already checked the code, the client, the redirect URI and the PKCE verifier.
            var code = await context.AuthenticateAsync(OpenIddictServerAspNetCoreDefaults.AuthenticationScheme);
            return Results.SignIn(code.Principal!, authenticationScheme: OpenIddictServerAspNetCoreDefaults.AuthenticationScheme);
        }

        if (request.IsPasswordGrantType() && request.Username is { } name && _users.TryGetValue(name, out var user) && user.Password == request.Password)
        {
            return Results.SignIn(PrincipalFor(user, request.GetScopes()), authenticationScheme: OpenIddictServerAspNetCoreDefaults.AuthenticationScheme);
        }

        return Results.Forbid(
            new AuthenticationProperties(new Dictionary<string, string?>
            {
                [OpenIddictServerAspNetCoreConstants.Properties.Error] = Errors.InvalidGrant,
            }),
            [OpenIddictServerAspNetCoreDefaults.AuthenticationScheme]);
    }

    static async Task<IResult> UserInfoAsync(HttpContext context)
    {
        var principal = (await context.AuthenticateAsync(OpenIddictServerAspNetCoreDefaults.AuthenticationScheme)).Principal!;
        return Results.Json(new Dictionary<string, object?>
        {
            [Claims.Subject] = principal.GetClaim(Claims.Subject),
            [Claims.Name] = principal.GetClaim(Claims.Name),
            [Claims.Email] = principal.GetClaim(Claims.Email),
            ["groups"] = principal.GetClaims("groups"),
        });
    }

    IResult EndSession()
    {
        Interlocked.Increment(ref _endSessions);
        // OpenIddict redirects to the request's post_logout_redirect_uri once it has checked it is registered.
        return Results.SignOut(new AuthenticationProperties { RedirectUri = "/" }, [OpenIddictServerAspNetCoreDefaults.AuthenticationScheme]);
    }

    ClaimsPrincipal PrincipalFor(TestUser user, ImmutableArray<string> scopes)
    {
        var identity = new ClaimsIdentity(OpenIddictServerAspNetCoreDefaults.AuthenticationScheme, Claims.Name, Claims.Role);
        identity.SetClaim(Claims.Subject, user.Subject)
            .SetClaim(Claims.Name, user.Name)
            .SetClaim(Claims.PreferredUsername, user.UserName)
            .SetClaim(Claims.Email, user.Email)
            .SetClaims("groups", [.. user.Groups]);
        identity.SetScopes(scopes);
        identity.SetResources(Audience);
        identity.SetDestinations(_ => [Destinations.AccessToken, Destinations.IdentityToken]);
        return new ClaimsPrincipal(identity);
    }

    static string LoginForm(OpenIddictRequest request, string? error)
    {
        var html = new StringBuilder("<!DOCTYPE html><html><head><title>Test provider</title></head><body><h1>Test provider sign-in</h1>");
        if (error is not null)
        {
            html.Append("<p id=\"error\">").Append(HtmlEncoder.Default.Encode(error)).Append("</p>");
        }

        // The original authorization request rides along as hidden fields, so the POST is a complete request.
        html.Append("<form method=\"post\" action=\"/connect/authorize\">");
        foreach (var (name, value) in request.GetParameters())
        {
            if (name is "username" or "password")
            {
                continue;
            }

            html.Append("<input type=\"hidden\" name=\"").Append(HtmlEncoder.Default.Encode(name))
                .Append("\" value=\"").Append(HtmlEncoder.Default.Encode(value.ToString() ?? "")).Append("\"/>");
        }

        html.Append("<input id=\"username\" name=\"username\"/><input id=\"password\" name=\"password\" type=\"password\"/>")
            .Append("<button id=\"login\" type=\"submit\">Sign in</button></form></body></html>");
        return html.ToString();
    }

    public async ValueTask DisposeAsync()
    {
        await _app.StopAsync();
        await _app.DisposeAsync();
        File.Delete(_databasePath);
    }
}
