using System.Net.Http.Json;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Mvc.Testing;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.DependencyInjection;
using Portal.Core.Audit;
using Portal.Core.Data;
using Portal.Core.Tenants;
using Portal.Testing;
using Portal.Web.Features.Callers;

namespace Portal.Web.Tests;

/// <summary>
/// The whole portal on the real HTTP pipeline, on a fresh PostgreSQL database per test class
/// (use as <c>IClassFixture&lt;PortalApp&gt;</c>). <see cref="CreateClient(string, bool)"/> calls as another user.
/// </summary>
public class PortalApp : WebApplicationFactory<Program>, IAsyncLifetime
{
    /// <summary>Test-only header naming the caller's subject; see <see cref="ConfigureWebHost"/>.</summary>
    public const string UserHeader = "X-Test-User";

    /// <summary>Test-only header making the caller a platform admin.</summary>
    public const string PlatformAdminHeader = "X-Test-Platform-Admin";

    private readonly PostgresServer? _postgres;
    private readonly DirectoryInfo _dataDirectory = Directory.CreateTempSubdirectory("portal-web-tests-");
    private string? _connectionString;

    public PortalApp(PostgresServer postgres) => _postgres = postgres;

    /// <summary>For <see cref="SqlitePortalApp"/>: no PostgreSQL, so the portal falls back to its embedded SQLite file.</summary>
    protected PortalApp()
    {
    }

    /// <summary>The portal's Portal:DataDirectory, a temporary directory of this fixture.</summary>
    public string DataDirectory => _dataDirectory.FullName;

    /// <summary>The user every request runs as unless a test says otherwise: the development user.</summary>
    public static string DevelopmentUser => CallerExtensions.DevelopmentSubject;

    public async ValueTask InitializeAsync()
    {
        if (_postgres is not null)
            _connectionString = await _postgres.CreateDatabaseAsync();
    }

    /// <summary>A client calling as <paramref name="subject"/>, who is a member only of tenants a test added them to.</summary>
    public HttpClient CreateClient(string subject, bool platformAdmin = false)
    {
        var client = CreateClient();
        client.DefaultRequestHeaders.Add(UserHeader, subject);
        client.DefaultRequestHeaders.Add(PlatformAdminHeader, platformAdmin ? "true" : "false");
        return client;
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

    protected override void ConfigureWebHost(IWebHostBuilder builder)
    {
        // Test-only: a fresh PostgreSQL database per test class (or, without one, SQLite in a temporary directory).
        if (_connectionString is not null)
            builder.UseSetting("ConnectionStrings:Portal", _connectionString);
        // Test-only: keep everything the portal writes locally out of the developer's home directory.
        builder.UseSetting("Portal:DataDirectory", _dataDirectory.FullName);

        builder.ConfigureServices(services =>
        {
            // Test-only: replaces the development caller seam so tests can call as other users. Without the header
            // a request runs as the development user, exactly as in the real app.
            services.AddHttpContextAccessor();
            services.AddScoped(sp => CallerFrom(sp.GetRequiredService<IHttpContextAccessor>().HttpContext));
        });
    }

    private static Caller CallerFrom(HttpContext? context)
    {
        var subject = context?.Request.Headers[UserHeader].ToString();
        if (string.IsNullOrEmpty(subject))
            return CallerExtensions.DevelopmentUser;
        return new Caller(subject, context!.Request.Headers[PlatformAdminHeader] == "true");
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
public sealed record ProblemBody(int Status, string? Title, string? Detail, Dictionary<string, string[]>? Errors);
