using System.Net.Http.Headers;
using System.Net.Http.Json;
using System.Security.Cryptography.X509Certificates;
using Grpc.Core;
using Grpc.Net.Client;
using Microsoft.AspNetCore.Identity;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Options;
using Microsoft.Playwright;
using Portal.Core.Data;
using Portal.Core.Identity;
using Portal.Testing;
using Spark.Connect;

namespace Portal.E2E.Ui;

/// <summary>
/// The portal started as the README starts it, with an HTTPS endpoint (Development: its self-signed loopback
/// certificate) and one Running cluster <c>etl</c> with Spark Connect in tenant default.
/// </summary>
public sealed class GatewayPortal : RunningPortal
{
    public const string Cluster = "etl";

    protected override string Urls => "https://127.0.0.1:0;http://127.0.0.1:0";

    /// <summary>A personal access token of the first administrator (admin of tenant default).</summary>
    public string AdminToken { get; private set; } = "";

    public override async ValueTask InitializeAsync()
    {
        await base.InitializeAsync();
        AdminToken = await TokenForAsync(AdminUserName);
        using var api = Api(AdminToken);
        (await api.PostAsJsonAsync("api/v1/tenants/default/clusters", new { name = Cluster, workers = 1, sparkConnect = true })).EnsureSuccessStatusCode();
        await Eventually.HoldsAsync(
            async () => (await api.GetFromJsonAsync<ClusterAnswer>($"api/v1/tenants/default/clusters/{Cluster}"))!.Status.Phase == "Running",
            $"cluster {Cluster} Running", TimeSpan.FromMinutes(3), TimeSpan.FromMilliseconds(250));
    }

    public HttpClient Api(string token)
    {
        var client = new HttpClient { BaseAddress = BaseAddress, Timeout = TimeSpan.FromMinutes(1) };
        client.DefaultRequestHeaders.Authorization = new AuthenticationHeaderValue("Bearer", token);
        return client;
    }

    /// <summary>A personal access token of the built-in account <paramref name="userName"/>, issued as the API would.</summary>
    public async Task<string> TokenForAsync(string userName)
    {
        var services = new ServiceCollection()
            .AddLogging()
            .AddSingleton(TimeProvider.System)
            .AddDbContext<PostgresPortalDb>(options => PostgresPortalDb.Configure(options, ConnectionString));
        services.AddScoped<PortalDb>(sp => sp.GetRequiredService<PostgresPortalDb>());
        services.AddSingleton(Options.Create(new PersonalAccessTokenOptions()));
        services.AddScoped<PersonalAccessTokens>();
        services.AddIdentityCore<IdentityUser>().AddEntityFrameworkStores<PostgresPortalDb>();
        await using var provider = services.BuildServiceProvider();
        await using var scope = provider.CreateAsyncScope();
        var user = await scope.ServiceProvider.GetRequiredService<UserManager<IdentityUser>>().FindByNameAsync(userName)
            ?? throw new InvalidOperationException($"No account {userName}.");
        var created = await scope.ServiceProvider.GetRequiredService<PersonalAccessTokens>()
            .CreateAsync(new TokenRequest(user.Id, "gateway-e2e"), user.Id, CancellationToken.None);
        return created.Plaintext;
    }

    /// <summary>A Spark Connect client over TLS to the portal's HTTPS endpoint, trusting the certificate the portal wrote.</summary>
    public GrpcChannel Channel()
    {
        var certificate = X509CertificateLoader.LoadCertificateFromFile(Path.Combine(DataDirectory, "localhost-https.crt"));
        var handler = new SocketsHttpHandler();
        handler.SslOptions.RemoteCertificateValidationCallback = (_, presented, _, _) =>
            presented is not null && presented.GetCertHashString() == certificate.GetCertHashString();
        return GrpcChannel.ForAddress(HttpsAddress ?? throw new InvalidOperationException("The portal reported no HTTPS address."),
            new GrpcChannelOptions { HttpHandler = handler });
    }

    private sealed record ClusterAnswer(StatusAnswer Status);

    private sealed record StatusAnswer(string Phase);
}

/// <summary>
/// The "done": on the embedded defaults a notebook's Spark Connect client with a personal access token reaches
/// a Running cluster through the portal and gets its Spark version; a signed-in browser opens the master UI through the
/// portal; neither works for a member of another tenant.
/// </summary>
[Collection(BrowserUi.Name)]
public sealed class GatewayJourneyTests(GatewayPortal portal, Browser browser) : IClassFixture<GatewayPortal>
{
    private const string Route = $"default/{GatewayPortal.Cluster}";

    private static AnalyzePlanRequest Version() => new()
    {
        SessionId = Guid.NewGuid().ToString(),
        UserContext = new UserContext { UserId = "notebook" },
        SparkVersion = new AnalyzePlanRequest.Types.SparkVersion(),
    };

    private static Metadata Headers(string token) => new()
    {
        { "authorization", $"Bearer {token}" },
        { "x-spark-portal-cluster", Route },
    };

    [Fact]
    public async Task A_notebook_with_a_token_gets_the_cluster_s_spark_version_through_the_portal_over_tls()
    {
        using var channel = portal.Channel();

        var answer = await new SparkConnectService.SparkConnectServiceClient(channel).AnalyzePlanAsync(Version(), Headers(portal.AdminToken), cancellationToken: TestContext.Current.CancellationToken);

        Assert.Equal("4.0.3", answer.SparkVersion.Version);
    }

    [Fact]
    public async Task A_member_of_another_tenant_gets_not_found_from_the_gateway()
    {
        var stranger = await StrangerTokenAsync();
        using var channel = portal.Channel();

        var refused = await Assert.ThrowsAsync<RpcException>(() =>
            new SparkConnectService.SparkConnectServiceClient(channel).AnalyzePlanAsync(Version(), Headers(stranger), cancellationToken: TestContext.Current.CancellationToken).ResponseAsync);

        Assert.Equal(StatusCode.NotFound, refused.StatusCode);
    }

    [Fact]
    public async Task A_signed_in_member_opens_the_master_ui_through_the_portal()
    {
        var page = await browser.NewPageAsync();
        await portal.SignInAsync(page);

        await page.GotoAsync(portal.Url($"spark/default/{GatewayPortal.Cluster}/"));

        await Assertions.Expect(page.Locator("body")).ToContainTextAsync("Spark Master at");
    }

    [Fact]
    public async Task A_member_of_another_tenant_gets_not_found_for_the_master_ui()
    {
        var stranger = await StrangerTokenAsync();
        using var api = portal.Api(stranger);

        var response = await api.GetAsync($"spark/default/{GatewayPortal.Cluster}/", TestContext.Current.CancellationToken);

        Assert.Equal(System.Net.HttpStatusCode.NotFound, response.StatusCode);
    }

    /// <summary>A built-in account that is a member (admin) of tenant <c>other</c> only.</summary>
    private async Task<string> StrangerTokenAsync()
    {
        var userName = $"stranger-{Guid.NewGuid():N}"[..20];
        var subject = await portal.CreateUserAsync(userName, "Stranger-password-1");
        using var admin = portal.Api(portal.AdminToken);
        var slug = $"other-{Guid.NewGuid():N}"[..16];
        (await admin.PostAsJsonAsync("api/v1/tenants", new { slug, displayName = "Other team" })).EnsureSuccessStatusCode();
        (await admin.PutAsJsonAsync($"api/v1/tenants/{slug}/members/{subject}", new { role = "Admin" })).EnsureSuccessStatusCode();
        return await portal.TokenForAsync(userName);
    }
}
