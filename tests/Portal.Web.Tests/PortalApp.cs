using System.Net.Http.Json;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Identity;
using Microsoft.AspNetCore.Mvc.Testing;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using Portal.Core.Audit;
using Portal.Core.Data;
using Portal.Core.Identity;
using Portal.Core.Tenants;
using Portal.Provisioning.Reconciler;
using Portal.Sandbox;
using Portal.Testing;
using Portal.Web.Features.Identity;

// Started before any PortalApp: see SandboxServer.
[assembly: AssemblyFixture(typeof(Portal.Testing.SandboxServer))]

namespace Portal.Web.Tests;

/// <summary>
/// The whole portal on the real HTTP pipeline, on a fresh PostgreSQL database per test class
/// (use as <c>IClassFixture&lt;PortalApp&gt;</c>). Clients authenticate with real personal access tokens:
/// <see cref="CreateClient(string, bool)"/> calls as another user, <see cref="CreateAnonymousClient"/> as nobody.
/// </summary>
public class PortalApp : WebApplicationFactory<Program>, IAsyncLifetime
{
    private readonly PostgresServer? _postgres;
    private readonly DirectoryInfo _dataDirectory = Directory.CreateTempSubdirectory("portal-web-tests-");
    private string? _connectionString;

    public PortalApp(PostgresServer postgres) => _postgres = postgres;

    /// <summary>For <see cref="SqlitePortalApp"/>: no PostgreSQL, so the portal falls back to its embedded SQLite file.</summary>
    protected PortalApp()
    {
    }

    /// <summary>
    /// Another replica of <paramref name="first"/>'s portal, as deploy/base runs two: the same database, its own data
    /// directory and process state. Dispose it before <paramref name="first"/>.
    /// </summary>
    public static PortalApp ReplicaOf(PortalApp first) => new Replica(first._connectionString
        ?? throw new InvalidOperationException("Replicas share a PostgreSQL database; initialize the first one."));

    private sealed class Replica : PortalApp
    {
        public Replica(string connectionString) => _connectionString = connectionString;
    }

    /// <summary>The PostgreSQL database of this fixture (null for SQLite), once initialized.</summary>
    protected string? ConnectionString => _connectionString;

    /// <summary>The portal's Portal:DataDirectory, a temporary directory of this fixture.</summary>
    public string DataDirectory => _dataDirectory.FullName;

    /// <summary>The user every request runs as unless a test says otherwise: a platform admin, admin of tenant default.</summary>
    public const string DevelopmentUser = "dev-user";

    /// <summary>The first administrator's password (Portal:Bootstrap:AdminPassword), so nothing is printed.</summary>
    public const string AdminPassword = "test-Admin-password-1";

    private bool _anonymous;

    public async ValueTask InitializeAsync()
    {
        if (_postgres is not null)
            _connectionString = await _postgres.CreateDatabaseAsync();
    }

    /// <summary>A client calling as <paramref name="subject"/>, who is a member only of tenants a test added them to.</summary>
    public HttpClient CreateClient(string subject, bool platformAdmin = false)
    {
        var client = CreateClient();
        client.DefaultRequestHeaders.Authorization = new("Bearer", TokenFor(subject, platformAdmin));
        return client;
    }

    /// <summary>A client without credentials.</summary>
    public HttpClient CreateAnonymousClient()
    {
        _anonymous = true;
        try
        {
            return CreateClient();
        }
        finally
        {
            _anonymous = false;
        }
    }

    /// <summary>
    /// Every client authenticates as <see cref="DevelopmentUser"/> unless <see cref="CreateClient(string, bool)"/>
    /// says otherwise; <see cref="CreateAnonymousClient"/> sends no credentials (and needs no database).
    /// </summary>
    protected override void ConfigureClient(HttpClient client)
    {
        base.ConfigureClient(client);
        if (_anonymous)
            return;
        client.DefaultRequestHeaders.Authorization = new("Bearer", TokenFor(DevelopmentUser, platformAdmin: true));
        JoinDefaultTenant(DevelopmentUser);
    }

    /// <summary>
    /// A personal access token of <paramref name="subject"/>, issued as the API would, for the real authentication
    /// path. A platform admin is a built-in account with that id in the PlatformAdmin role, as in production.
    /// </summary>
    public string TokenFor(string subject, bool platformAdmin = false, TokenRequest? request = null)
    {
        // Synchronous because HttpClient configuration is; the work is a few local database round trips.
        return TokenForAsync(subject, platformAdmin, request).GetAwaiter().GetResult();
    }

    private async Task<string> TokenForAsync(string subject, bool platformAdmin, TokenRequest? request)
    {
        await using var scope = Services.CreateAsyncScope();
        if (platformAdmin)
        {
            var users = scope.ServiceProvider.GetRequiredService<UserManager<IdentityUser>>();
            if (await users.FindByIdAsync(subject) is null)
            {
                var user = new IdentityUser(subject) { Id = subject };
                Assert.True((await users.CreateAsync(user)).Succeeded);
                Assert.True((await users.AddToRoleAsync(user, PortalClaims.PlatformAdminRole)).Succeeded);
            }
        }

        var tokens = scope.ServiceProvider.GetRequiredService<PersonalAccessTokens>();
        var created = await tokens.CreateAsync(request ?? new TokenRequest(subject, "test"), "test", CancellationToken.None);
        return created.Plaintext;
    }

    private void JoinDefaultTenant(string subject)
    {
        using var db = Db();
        var tenant = db.Tenants.Single(t => t.Slug == "default");
        if (!db.Memberships.Any(m => m.TenantId == tenant.Id && m.Subject == subject))
        {
            db.Memberships.Add(new Membership { TenantId = tenant.Id, Subject = subject, Role = TenantRole.Admin });
            db.SaveChanges();
        }
    }

    /// <summary>Creates a tenant directly in the database with <paramref name="members"/> as members.</summary>
    public async Task<Tenant> CreateTenantAsync(params (string Subject, TenantRole Role)[] members)
    {
        var tenant = Builders.ATenant().Build();
        await using var db = Db();
        db.Tenants.Add(tenant);
        foreach (var (subject, role) in members)
            db.Memberships.Add(new Membership { TenantId = tenant.Id, Subject = subject, Role = role });
        await db.SaveChangesAsync();
        return tenant;
    }

    /// <summary>The audit log, oldest first.</summary>
    public async Task<List<AuditEntry>> AuditLogAsync()
    {
        await using var db = Db();
        return await db.AuditLog.AsNoTracking().OrderBy(a => a.Id).ToListAsync();
    }

    /// <summary>A context on the app's database, for arranging and inspecting state.</summary>
    public PortalDb Db() => Services.GetRequiredService<IDbContextFactory<PortalDb>>().CreateDbContext();

    /// <summary>Whether the provisioning service runs (off unless a fixture needs clusters to reach Running).</summary>
    protected virtual bool Provisions => false;

    protected override void ConfigureWebHost(IWebHostBuilder builder)
    {
        // Test-only: a fresh PostgreSQL database per test class (or, without one, SQLite in a temporary directory).
        if (_connectionString is not null)
            builder.UseSetting("ConnectionStrings:Portal", _connectionString);
        // Test-only: keep everything the portal writes locally out of the developer's home directory.
        builder.UseSetting("Portal:DataDirectory", _dataDirectory.FullName);
        // Test-only: the assembly's sandbox, so the portal doesn't start its own (see SandboxServer).
        builder.UseSetting("Kubernetes:Kubeconfig", SandboxServer.Kubeconfig);

        // Test-only: a known first administrator password, so nothing is printed.
        builder.UseSetting("Portal:Bootstrap:AdminPassword", AdminPassword);

        // Test-only: warnings and errors only, so a failing run's log shows what matters. The test server has no
        // request body size feature, so routing warns on every request that has a body limit: noise here.
        builder.ConfigureLogging(logging => logging
            .SetMinimumLevel(LogLevel.Warning)
            .AddFilter("Microsoft.AspNetCore.Routing.EndpointRoutingMiddleware", LogLevel.Error));

        // Test-only: no reconciler unless the fixture needs clusters to reach Running (see RemoveProvisioning).
        if (!Provisions)
            builder.ConfigureServices(services => services.RemoveProvisioning());
    }

    public override async ValueTask DisposeAsync()
    {
        await base.DisposeAsync();
        // SQLite's pooled connections hold the file open until cleared.
        Microsoft.Data.Sqlite.SqliteConnection.ClearAllPools();
        _dataDirectory.Delete(recursive: true);
        GC.SuppressFinalize(this);
    }
}

/// <summary>The portal on its embedded default: no connection string, so SQLite in the data directory.</summary>
public sealed class SqlitePortalApp : PortalApp
{
}

/// <summary>Reads problem+json answers.</summary>
public static class ProblemExtensions
{
    public static async Task<ProblemBody> ProblemAsync(this HttpResponseMessage response)
    {
        Assert.Equal("application/problem+json", response.Content.Headers.ContentType?.MediaType);
        return (await response.Content.ReadFromJsonAsync<ProblemBody>(Json.Options))!;
    }
}

/// <summary>The RFC 9457 fields the tests look at, plus validation errors keyed by JSON field name.</summary>
public sealed record ProblemBody(int Status, string? Title, string? Detail, Dictionary<string, string[]>? Errors)
{
    /// <summary>Members beyond RFC 9457's (code, limit, quota, …).</summary>
    [System.Text.Json.Serialization.JsonExtensionData]
    public Dictionary<string, System.Text.Json.JsonElement>? Extensions { get; init; }

    /// <summary>A string extension member, or null.</summary>
    public string? Extension(string name) => Extensions?.TryGetValue(name, out var value) == true ? value.GetString() : null;
}
