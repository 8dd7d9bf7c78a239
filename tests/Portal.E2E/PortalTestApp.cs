using System.Net;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Hosting.Server;
using Microsoft.AspNetCore.Hosting.Server.Features;
using Microsoft.AspNetCore.Http.Features;
using Microsoft.AspNetCore.Mvc.Testing;
using Microsoft.EntityFrameworkCore;
using Portal.Core.Data;
using Portal.Core.Tenants;
using Portal.Testing;

[assembly: AssemblyFixture(typeof(SandboxServer))]

namespace Portal.E2E;

/// <summary>
/// The portal as Program.cs composes it, on a real Kestrel at http://127.0.0.1:&lt;free port&gt;, with the given
/// settings over its appsettings.json, its embedded SQLite database in a throwaway data directory, and the tenants
/// below besides the default one. Test-only: the assembly's sandbox as its Kubernetes (see
/// <see cref="SandboxServer"/>), and no provisioning, since these tests are about who is calling.
/// </summary>
public sealed class PortalTestApp : IAsyncDisposable
{
    public const string TenantSlug = "team-a";
    public const string OtherTenantSlug = "team-b";

    /// <summary>The tenant the data layer seeds on an empty database.</summary>
    public const string DefaultTenantSlug = "default";

    readonly Factory _factory;

    PortalTestApp(Factory factory) => _factory = factory;

    public Uri BaseAddress { get; private set; } = null!;

    public IServiceProvider Services => _factory.Services;

    /// <summary>The running host, for the portal's commands.</summary>
    public IHost Host => _factory.Host ?? throw new InvalidOperationException("The portal has not started.");

    /// <summary>Builds and starts the portal with <paramref name="settings"/> on top of its own configuration.</summary>
    public static async Task<PortalTestApp> StartAsync(IDictionary<string, string?> settings)
    {
        var factory = new Factory(settings);
        var testApp = new PortalTestApp(factory);
        try
        {
            factory.UseKestrel(kestrel => kestrel.Listen(IPAddress.Loopback, 0));
            factory.StartServer();
        }
        catch
        {
            // Start-up validation failures are what some tests expect: leave no files behind.
            await testApp.DisposeAsync();
            throw;
        }

        var address = factory.Services.GetRequiredService<IServer>().Features.GetRequiredFeature<IServerAddressesFeature>().Addresses.Single();
        testApp.BaseAddress = new Uri(address.TrimEnd('/') + "/");
        await testApp.WithDbAsync(db =>
        {
            db.Tenants.AddRange(Tenant(TenantSlug), Tenant(OtherTenantSlug));
            return db.SaveChangesAsync();
        });

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
        await using var scope = Services.CreateAsyncScope();
        return await work(scope.ServiceProvider.GetRequiredService<PortalDb>());
    }

    /// <summary>Runs <paramref name="work"/> in a fresh scope.</summary>
    public async Task<T> InScopeAsync<T>(Func<IServiceProvider, Task<T>> work)
    {
        await using var scope = Services.CreateAsyncScope();
        return await work(scope.ServiceProvider);
    }

    static Tenant Tenant(string slug) => new() { Slug = slug, DisplayName = slug, Namespace = $"spark-{slug}" };

    public async ValueTask DisposeAsync()
    {
        await _factory.DisposeAsync();
        // SQLite's pooled connections hold the file open until cleared.
        Microsoft.Data.Sqlite.SqliteConnection.ClearAllPools();
        _factory.DataDirectory.Delete(recursive: true);
    }

    sealed class Factory(IDictionary<string, string?> settings) : WebApplicationFactory<Program>
    {
        public DirectoryInfo DataDirectory { get; } = Directory.CreateTempSubdirectory("portal-e2e-");

        public IHost? Host { get; private set; }

        protected override void ConfigureWebHost(IWebHostBuilder builder)
        {
            builder.UseEnvironment(Environments.Production);
            // Test-only: everything the portal writes (its SQLite database, keys) in a throwaway directory.
            builder.UseSetting("Portal:DataDirectory", DataDirectory.FullName);
            builder.UseSetting("Kubernetes:Kubeconfig", SandboxServer.Kubeconfig);
            foreach (var (key, value) in settings)
            {
                builder.UseSetting(key, value);
            }

            builder.ConfigureLogging(logging => logging.ClearProviders());
            builder.ConfigureServices(services => services.RemoveProvisioning());
        }

        protected override IHost CreateHost(IHostBuilder builder) => Host = base.CreateHost(builder);
    }
}
