using System.Net;
using System.Text.Json;
using Microsoft.EntityFrameworkCore;

namespace Portal.Web.Tests.Host;

/// <summary>Probes, OpenAPI, the Blazor shell and the static web root, through the real pipeline.</summary>
public sealed class HostTests(PortalApp app) : IClassFixture<PortalApp>
{
    private readonly HttpClient _client = app.CreateClient();

    private static CancellationToken Ct => TestContext.Current.CancellationToken;

    [Fact]
    public async Task Healthz_answers_healthy()
    {
        var response = await _client.GetAsync("/healthz", Ct);

        Assert.Equal("Healthy", await response.EnsureSuccessStatusCode().Content.ReadAsStringAsync(Ct));
    }

    [Fact]
    public async Task Readyz_answers_healthy_once_the_database_is_migrated()
    {
        var response = await _client.GetAsync("/readyz", Ct);

        using var body = JsonDocument.Parse(await response.EnsureSuccessStatusCode().Content.ReadAsStringAsync(Ct));
        Assert.Equal("Healthy", body.RootElement.GetProperty("status").GetString());
    }

    [Fact]
    public async Task Readyz_names_how_the_portal_reaches_kubernetes()
    {
        var response = await _client.GetAsync("/readyz", Ct);

        using var body = JsonDocument.Parse(await response.EnsureSuccessStatusCode().Content.ReadAsStringAsync(Ct));
        var kubernetes = body.RootElement.GetProperty("checks").GetProperty("kubernetes");
        // PortalApp points the portal at the test run's sandbox through Kubernetes:Kubeconfig.
        Assert.Equal("ExplicitKubeconfig", kubernetes.GetProperty("data").GetProperty("mode").GetString());
    }

    [Fact]
    public async Task The_OpenAPI_document_describes_the_cluster_paths()
    {
        var response = await _client.GetAsync("/openapi/v1.json", Ct);

        using var document = JsonDocument.Parse(await response.EnsureSuccessStatusCode().Content.ReadAsStringAsync(Ct));
        var paths = document.RootElement.GetProperty("paths");
        Assert.True(paths.TryGetProperty("/api/v1/tenants/{tenant}/clusters/{name}", out _));
    }

    [Fact]
    public async Task The_OpenAPI_document_names_the_configured_create_defaults()
    {
        var response = await _client.GetAsync("/openapi/v1.json", Ct);

        using var document = JsonDocument.Parse(await response.EnsureSuccessStatusCode().Content.ReadAsStringAsync(Ct));
        var description = document.RootElement.GetProperty("paths").GetProperty("/api/v1/tenants/{tenant}/clusters")
            .GetProperty("post").GetProperty("description").GetString();
        Assert.Contains("image `apache/spark:4.0.3-scala2.13-java17-python3-ubuntu` (Spark 4.0.3), workers 2, workerCores `1`, workerMemory `2Gi`", description, StringComparison.Ordinal);
    }

    [Fact]
    public async Task The_API_reference_page_is_served()
    {
        var response = await _client.GetAsync("/scalar/v1", Ct);

        Assert.Equal("text/html", response.EnsureSuccessStatusCode().Content.Headers.ContentType?.MediaType);
    }

    [Fact]
    public async Task The_root_serves_the_Blazor_shell()
    {
        var html = await (await _client.GetAsync("/", Ct)).EnsureSuccessStatusCode().Content.ReadAsStringAsync(Ct);

        Assert.Contains("_framework/blazor.web", html, StringComparison.Ordinal);
    }

    [Fact]
    public async Task The_clusters_page_lists_the_clusters_of_the_default_tenant()
    {
        await _client.PostAsync("/api/v1/tenants/default/clusters", Json.Body(new { name = "shown-in-ui", workers = 1 }), Ct);

        var html = await (await _client.GetAsync("/clusters", Ct)).EnsureSuccessStatusCode().Content.ReadAsStringAsync(Ct);

        Assert.Contains("shown-in-ui", html, StringComparison.Ordinal);
    }

    [Fact]
    public async Task The_clusters_page_says_so_when_the_tenant_has_none()
    {
        var tenant = await app.CreateTenantAsync((PortalApp.DevelopmentUser, Portal.Core.Tenants.TenantRole.Viewer));

        var html = await (await _client.GetAsync($"/tenants/{tenant.Slug}/clusters", Ct)).Content.ReadAsStringAsync(Ct);

        Assert.Contains("No clusters in this tenant yet", html, StringComparison.Ordinal);
    }

    [Fact]
    public async Task The_clusters_page_of_a_tenant_the_user_is_not_in_shows_the_error_state()
    {
        var html = await (await _client.GetAsync("/tenants/not-mine/clusters", Ct)).Content.ReadAsStringAsync(Ct);

        Assert.Contains("No tenant &#x27;not-mine&#x27; you are a member of.", html, StringComparison.Ordinal);
    }

    [Fact]
    public async Task A_stylesheet_from_the_top_level_wwwroot_is_served()
    {
        var response = await _client.GetAsync("/css/portal.css", Ct);

        Assert.Contains(".portal-logo", await response.EnsureSuccessStatusCode().Content.ReadAsStringAsync(Ct), StringComparison.Ordinal);
    }

    [Fact]
    public async Task The_favicon_from_the_top_level_wwwroot_is_served()
    {
        var response = await _client.GetAsync("/favicon.ico", Ct);

        Assert.Equal("image/x-icon", response.EnsureSuccessStatusCode().Content.Headers.ContentType?.MediaType);
    }

    [Fact]
    public async Task A_browser_asking_for_an_unknown_page_gets_the_not_found_page()
    {
        using var request = new HttpRequestMessage(HttpMethod.Get, "/no-such-page");
        request.Headers.Accept.ParseAdd("text/html");

        var response = await _client.SendAsync(request, Ct);

        Assert.Equal((HttpStatusCode.NotFound, true),
            (response.StatusCode, (await response.Content.ReadAsStringAsync(Ct)).Contains("There is nothing at this address", StringComparison.Ordinal)));
    }

    [Fact]
    public async Task Data_protection_keys_are_kept_in_the_portal_database()
    {
        // Rendering a page issues an antiforgery token, which needs a key.
        await _client.GetAsync("/", Ct);

        await using var db = app.Db();
        Assert.NotEmpty(await db.DataProtectionKeys.ToListAsync(Ct));
    }

    [Fact]
    public async Task An_unknown_path_is_a_404_problem()
    {
        var response = await _client.GetAsync("/api/v1/no-such-thing", Ct);

        Assert.Equal(HttpStatusCode.NotFound, (HttpStatusCode)(await response.ProblemAsync()).Status);
    }
}
