using System.Net;
using Microsoft.AspNetCore.Hosting.Server;
using Microsoft.AspNetCore.Hosting.Server.Features;
using Microsoft.AspNetCore.Http.Features;
using Microsoft.Data.Sqlite;
using Microsoft.EntityFrameworkCore;
using Portal.Core.Data;
using Portal.Core.Tenants;
using Portal.Web.Features.Identity;

namespace Portal.E2E;

/// <summary>
/// A minimal portal host on http://127.0.0.1:&lt;free port&gt; wired as Program.cs is for identity
/// (AddPortalAuthentication, UsePortalAuthentication, UseAntiforgery, MapPortalIdentity), plus two probe
/// endpoints that echo the caller: /me (a page) and /api/me (the API; POST too, to test read-only tokens).
/// The database, built-in accounts included, is the portal's own SQLite schema (migrated) in a throwaway file,
/// with the tenants below.
/// </summary>
public sealed class PortalTestApp : IAsyncDisposable
{
    public const string TenantSlug = "team-a";
    public const string OtherTenantSlug = "team-b";

    /// <summary>The tenant the data layer seeds on an empty database.</summary>
    public const string DefaultTenantSlug = "default";

    readonly WebApplication _app;
    readonly string _directory;

    PortalTestApp(WebApplication app, string directory)
    {
        _app = app;
        _directory = directory;
    }

    public Uri BaseAddress { get; private set; } = null!;

    public IServiceProvider Services => _app.Services;

    public WebApplication App => _app;

    /// <summary>Builds and starts the host with <paramref name="settings"/> as its whole configuration.</summary>
    public static async Task<PortalTestApp> StartAsync(IDictionary<string, string?> settings)
    {
        var directory = Directory.CreateTempSubdirectory("portal-e2e-").FullName;
        var builder = WebApplication.CreateBuilder(new WebApplicationOptions
        {
            // The web project's name: its static web assets and Razor components are found by it.
            ApplicationName = typeof(AuthenticationSetup).Assembly.GetName().Name,
            EnvironmentName = Environments.Production,
        });
        builder.WebHost.UseKestrel(kestrel => kestrel.Listen(IPAddress.Loopback, 0));
        builder.Logging.ClearProviders();
        builder.Configuration.Sources.Clear();
        builder.Configuration.AddInMemoryCollection(settings);

        builder.Services.AddDbContext<SqlitePortalDb>(o => SqlitePortalDb.Configure(o, ConnectionString(directory, "portal.db")));
        builder.Services.AddScoped<PortalDb>(sp => sp.GetRequiredService<SqlitePortalDb>());
        builder.AddPortalAuthentication();

        var app = builder.Build();
        app.UsePortalAuthentication();
        app.UseAntiforgery();
        app.MapPortalIdentity();
        app.MapGet("/", () => "home");
        app.MapGet("/me", (PortalPrincipal me) => me).RequireAuthorization();
        app.MapGet("/api/me", (PortalPrincipal me) => me).RequireAuthorization();
        app.MapPost("/api/me", (PortalPrincipal me) => me).RequireAuthorization();
        app.MapGet("/api/tenants/{tenant}", (string tenant) => tenant).RequireAuthorization();
        app.MapGroup("/api/v1").MapPersonalAccessTokens();

        await using (var scope = app.Services.CreateAsyncScope())
        {
            var portal = scope.ServiceProvider.GetRequiredService<SqlitePortalDb>();
            await portal.Database.MigrateAsync();
            portal.Tenants.AddRange(Tenant(DefaultTenantSlug), Tenant(TenantSlug), Tenant(OtherTenantSlug));
            await portal.SaveChangesAsync();
        }

        var testApp = new PortalTestApp(app, directory);
        try
        {
            await app.StartAsync();
        }
        catch
        {
            // Start-up validation failures are what some tests expect: leave no files behind.
            await testApp.DisposeAsync();
            throw;
        }

        var address = app.Services.GetRequiredService<IServer>().Features.GetRequiredFeature<IServerAddressesFeature>().Addresses.Single();
        testApp.BaseAddress = new Uri(address.TrimEnd('/') + "/");
        // The first render of the sign-in page JIT-compiles its components: paid here, outside browser timeouts.
        using var warmUp = testApp.CreateClient();
        (await warmUp.GetAsync("signin")).EnsureSuccessStatusCode();
        return testApp;
    }

    /// <summary>
    /// Starts a single sign-on once, so the portal fetches the provider's discovery document and keys (and both
    /// JIT-compile their handlers) here rather than inside a test's first browser sign-in.
    /// </summary>
    /// <remarks>
    /// A few tries: on a loaded machine the very first challenge, cold in both processes, has answered 500 now and then
    /// (a first-use timeout inside the handler) while every later one redirects. A portal whose single sign-on is
    /// really broken fails every try, and the message carries its last answer.
    /// </remarks>
    public async Task WarmUpSingleSignOnAsync()
    {
        using var client = CreateClient();
        var last = "";
        for (var attempt = 1; attempt <= 5; attempt++)
        {
            using var challenge = await client.GetAsync("signin/sso");
            if (challenge.StatusCode == HttpStatusCode.Redirect)
            {
                return;
            }

            var body = await challenge.Content.ReadAsStringAsync();
            last = $"{(int)challenge.StatusCode}: {body[..Math.Min(body.Length, 2000)]}";
        }

        throw new InvalidOperationException($"Starting single sign-on did not redirect to the provider in 5 tries; it last answered {last}");
    }

    /// <summary>An HTTP client for the host that does not follow redirects, so tests see them.</summary>
    public HttpClient CreateClient(string? bearer = null)
    {
        var client = new HttpClient(new HttpClientHandler { AllowAutoRedirect = false, UseCookies = false }) { BaseAddress = BaseAddress };
        if (bearer is not null)
        {
            client.DefaultRequestHeaders.Authorization = new("Bearer", bearer);
        }

        return client;
    }

    /// <summary>Runs <paramref name="work"/> with a fresh scope's <see cref="PortalDb"/>.</summary>
    public async Task<T> WithDbAsync<T>(Func<PortalDb, Task<T>> work)
    {
        await using var scope = _app.Services.CreateAsyncScope();
        return await work(scope.ServiceProvider.GetRequiredService<PortalDb>());
    }

    /// <summary>Runs <paramref name="work"/> in a fresh scope.</summary>
    public async Task<T> InScopeAsync<T>(Func<IServiceProvider, Task<T>> work)
    {
        await using var scope = _app.Services.CreateAsyncScope();
        return await work(scope.ServiceProvider);
    }

    static Tenant Tenant(string slug) => new() { Slug = slug, DisplayName = slug, Namespace = $"spark-{slug}" };

    static string ConnectionString(string directory, string file) =>
        new SqliteConnectionStringBuilder { DataSource = Path.Combine(directory, file), Pooling = false }.ToString();

    public async ValueTask DisposeAsync()
    {
        await _app.DisposeAsync();
        Directory.Delete(_directory, recursive: true);
    }
}
