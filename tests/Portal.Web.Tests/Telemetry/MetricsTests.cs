using System.Net;
using System.Net.Http.Json;
using Microsoft.EntityFrameworkCore;
using Portal.Core.Clusters;
using Portal.Core.Tenants;
using Portal.Web.Tests.Clusters;
using Portal.Testing;

namespace Portal.Web.Tests.Telemetry;

/// <summary>What an operator's Prometheus sees on the scrape port after people have used the portal.</summary>
public sealed class MetricsTests(MeteredPortalApp app) : IClassFixture<MeteredPortalApp>
{
    private static CancellationToken Ct => TestContext.Current.CancellationToken;

    [Fact]
    public async Task A_scrape_after_a_cluster_ran_shows_clusters_by_tenant_and_phase_reconciles_and_time_to_running()
    {
        var tenant = await app.CreateTenantAsync((PortalApp.DevelopmentUser, TenantRole.Member));
        var client = app.CreateClient();
        await CreateAsync(client, tenant.Slug, "metered");
        await UntilRunningAsync(client, tenant.Slug, "metered");

        var samples = await app.ScrapeAsync();

        Assert.Multiple(
            () => Assert.Contains(samples, s => s.Name == "portal_clusters" && s.Labels.GetValueOrDefault("tenant") == tenant.Slug && s.Labels.GetValueOrDefault("phase") == "Running" && s.Value == 1),
            () => Assert.Contains(samples, s => s.Name == "portal_cluster_time_to_running_seconds_count" && s.Labels.GetValueOrDefault("tenant") == tenant.Slug && s.Value >= 1),
            () => Assert.Contains(samples, s => s.Name == "portal_reconcile_passes_total" && s.Labels.GetValueOrDefault("kind") == "cluster" && s.Labels.ContainsKey("pass") && s.Labels.ContainsKey("outcome")),
            () => Assert.Contains(samples, s => s.Name == "portal_reconcile_queue_depth" && s.Labels.GetValueOrDefault("kind") == "tenant"),
            // The framework's own: ASP.NET Core's request duration, by route template.
            () => Assert.Contains(samples, s => s.Name.StartsWith("http_server_request_duration_seconds", StringComparison.Ordinal)));
    }

    [Fact]
    public async Task A_quota_refusal_is_counted_by_tenant_and_reason()
    {
        var tenant = await app.CreateTenantAsync((PortalApp.DevelopmentUser, TenantRole.Member));
        await using (var db = app.Db())
        {
            var row = await db.Tenants.SingleAsync(t => t.Id == tenant.Id, Ct);
            row.Quota = row.Quota with { MaxClusters = 1 };
            await db.SaveChangesAsync(Ct);
        }

        var client = app.CreateClient();
        await CreateAsync(client, tenant.Slug, "first");
        var refused = await client.PostAsync($"/api/v1/tenants/{tenant.Slug}/clusters", Json.Body(new { name = "second" }), Ct);
        Assert.Equal(HttpStatusCode.Conflict, refused.StatusCode);

        var samples = await app.ScrapeAsync();

        Assert.Contains(samples, s => s.Name == "portal_admission_refusals_total"
            && s.Labels.GetValueOrDefault("tenant") == tenant.Slug && s.Labels.GetValueOrDefault("reason") == "quota.clusters" && s.Value == 1);
    }

    [Fact]
    public async Task Metrics_answer_on_the_scrape_port_only()
    {
        using var portalPort = app.CreateAnonymousClient();

        var response = await portalPort.GetAsync("/metrics", Ct);

        Assert.Equal(HttpStatusCode.NotFound, response.StatusCode);
    }

    private static async Task CreateAsync(HttpClient client, string tenant, string name) =>
        (await client.PostAsync($"/api/v1/tenants/{tenant}/clusters", Json.Body(new { name, workers = 1 }), Ct)).EnsureSuccessStatusCode();

    private static async Task UntilRunningAsync(HttpClient client, string tenant, string name)
    {
        // Generous: the sandbox starts pods on timers, and this machine is shared with other builds.
        ClusterDto? cluster = null;
        await Eventually.HoldsAsync(async () =>
            {
                cluster = await client.GetFromJsonAsync<ClusterDto>($"/api/v1/tenants/{tenant}/clusters/{name}", Json.Options, Ct);
                return cluster?.Status.Phase == ClusterPhase.Running;
            },
            () => $"cluster {tenant}/{name} Running (it stayed {cluster?.Status.Phase}: {cluster?.Status.Message})",
            within: TimeSpan.FromSeconds(120), every: TimeSpan.FromMilliseconds(200), ct: Ct);
    }
}
