using Bunit;
using Microsoft.Extensions.DependencyInjection;
using Portal.Core.Clusters;
using Portal.Core.Tenants;
using Portal.Testing;
using Portal.Web.Features.Home;
using Portal.Web.Features.Shell;

namespace Portal.Web.Tests.Components;

/// <summary>The start page: the tenant's usage and the caller's most recent clusters, on the real services.</summary>
public sealed class HomePageTests(PortalApp app) : IClassFixture<PortalApp>, IAsyncDisposable
{
    /// <summary>The builder's clusters belong to "alice".</summary>
    private const string Owner = "alice";

    private static readonly DateTimeOffset Start = new(2026, 11, 1, 9, 0, 0, TimeSpan.Zero);

    private ComponentHost? _host;

    public ValueTask DisposeAsync() => _host?.DisposeAsync() ?? ValueTask.CompletedTask;

    private static CancellationToken Ct => Xunit.TestContext.Current.CancellationToken;

    /// <summary>A tenant of alice's holding <paramref name="clusters"/> (each built in it).</summary>
    private async Task<Tenant> TenantWithAsync(params Func<Tenant, Cluster>[] clusters)
    {
        var tenant = await app.CreateTenantAsync((Owner, TenantRole.Member));
        await using var db = app.Db();
        db.Clusters.AddRange(clusters.Select(build => build(tenant)));
        await db.SaveChangesAsync(Ct);
        return tenant;
    }

    /// <summary>Live cluster "c00", "c01", … created a minute apart, the higher the newer.</summary>
    private static Func<Tenant, Cluster> Live(int i) =>
        tenant => Builders.ASparkCluster().In(tenant).Named($"c{i:00}").CreatedAt(Start.AddMinutes(i)).Build();

    private static Func<Tenant, Cluster>[] LiveClusters(int count) => Enumerable.Range(0, count).Select(Live).ToArray();

    private async Task<IRenderedComponent<Home>> RenderAsync(Tenant tenant)
    {
        _host = new ComponentHost(app, Owner);
        // alice is a member of every test's tenant; the header's choice is this one.
        _host.Context.Services.GetRequiredService<CurrentTenant>().Select(tenant.Slug);
        var page = _host.Context.Render<Home>();
        await page.WaitForElementAsync("[data-testid=usage]");
        return page;
    }

    private static List<string> CardNames(IRenderedComponent<Home> page) =>
        page.FindAll("[data-testid=home-cluster] a").Select(a => a.TextContent.Trim()).ToList();

    [Fact]
    public async Task Of_many_clusters_the_page_shows_only_the_six_created_last()
    {
        var tenant = await TenantWithAsync(LiveClusters(20));

        var page = await RenderAsync(tenant);

        Assert.Equal(["c19", "c18", "c17", "c16", "c15", "c14"], CardNames(page));
    }

    [Fact]
    public async Task The_clusters_left_out_are_counted_with_a_link_to_the_cluster_list()
    {
        var tenant = await TenantWithAsync(LiveClusters(20));

        var page = await RenderAsync(tenant);

        var more = page.Find("[data-testid=home-more]");
        Assert.Equal(
            (true, $"tenants/{tenant.Slug}/clusters"),
            (more.TextContent.Contains("14 more", StringComparison.Ordinal), more.QuerySelector("a")?.GetAttribute("href")));
    }

    [Fact]
    public async Task Live_clusters_come_before_a_deleted_one_that_changed_last()
    {
        var tenant = await TenantWithAsync([.. LiveClusters(6), t =>
        {
            var deleted = Builders.ASparkCluster().In(t).Named("gone").CreatedAt(Start.AddHours(1))
                .WithStatus(new ClusterStatus { Phase = ClusterPhase.Deleted, PhaseChangedAt = Start.AddHours(2) }).Build();
            deleted.DeletionRequestedAt = Start.AddHours(2);
            return deleted;
        }]);

        var page = await RenderAsync(tenant);

        Assert.Equal(["c05", "c04", "c03", "c02", "c01", "c00"], CardNames(page));
    }

    [Fact]
    public async Task A_cluster_that_changed_phase_lately_counts_as_recent()
    {
        var tenant = await TenantWithAsync([.. LiveClusters(7), t => Builders.ASparkCluster().In(t).Named("old").CreatedAt(Start.AddDays(-1))
            .WithStatus(new ClusterStatus { Phase = ClusterPhase.Running, PhaseChangedAt = Start.AddHours(1) }).Build()]);

        var page = await RenderAsync(tenant);

        Assert.Equal("old", CardNames(page)[0]);
    }

    [Fact]
    public async Task An_empty_tenants_gauges_read_zero_percent_instead_of_an_empty_ring()
    {
        var tenant = await TenantWithAsync();

        var page = await RenderAsync(tenant);

        Assert.Equal(["0%", "0%", "0%", "0%"], page.FindAll("[data-testid=gauge-percent]").Select(g => g.TextContent.Trim()));
    }
}
