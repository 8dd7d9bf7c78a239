using Bunit;
using Microsoft.AspNetCore.Components;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.DependencyInjection;
using MudBlazor;
using Portal.Core.Clusters;
using Portal.Core.Tenants;
using Portal.Testing;
using Portal.Web.Features.Clusters;

namespace Portal.Web.Tests.Components;

/// <summary>
/// "Create again" on the cluster page: a Deleted or Failed cluster opens the new-cluster dialog filled with its name
/// and spec, and what the dialog creates goes through the same ClusterService create as any other.
/// </summary>
public sealed class ClusterDetailCreateAgainTests(PortalApp app) : IClassFixture<PortalApp>, IAsyncDisposable
{
    private ComponentHost? _host;
    private IRenderedComponent<MudDialogProvider> _dialogs = null!;
    private Tenant _tenant = null!;

    public ValueTask DisposeAsync() => _host?.DisposeAsync() ?? ValueTask.CompletedTask;

    private static CancellationToken Ct => Xunit.TestContext.Current.CancellationToken;

    /// <summary>Yesterday's etl: three workers of 500m and 3Gi, a bigger master, one Spark setting.</summary>
    private static Cluster AnEtlCluster(Tenant tenant, ClusterPhase phase)
    {
        var cluster = Builders.ASparkCluster().In(tenant).Named("etl").WithWorkers(3)
            .WithConf("spark.sql.shuffle.partitions", "12")
            .WithStatus(new ClusterStatus { Phase = phase }).Build();
        cluster.Spec = cluster.Spec with { WorkerCores = "500m", WorkerMemory = "3Gi", MasterMemory = "1536Mi", WorkerScratch = "5Gi" };
        return cluster;
    }

    private async Task<IRenderedComponent<ClusterDetail>> RenderAsync(ClusterPhase phase)
    {
        var subject = $"member-{Guid.NewGuid():N}";
        _tenant = await app.CreateTenantAsync((subject, TenantRole.Member));
        await using (var db = app.Db())
        {
            db.Clusters.Add(AnEtlCluster(_tenant, phase));
            await db.SaveChangesAsync(Ct);
        }

        _host = new ComponentHost(app, subject);
        _dialogs = _host.Context.Render<MudDialogProvider>();
        var page = _host.Context.Render<ClusterDetail>(p => p.Add(c => c.Tenant, _tenant.Slug).Add(c => c.Name, "etl"));
        await page.WaitForAssertionAsync(() => Assert.NotEmpty(page.FindAll("[data-testid=cluster-phase]")), TimeSpan.FromSeconds(30));
        return page;
    }

    private async Task OpenCreateAgainAsync(IRenderedComponent<ClusterDetail> page)
    {
        // The portal's change feed re-renders the page after the cluster was inserted, so the click is found and
        // dispatched in one step.
        await page.StartClickAsync("[data-testid=create-again]");
        await _dialogs.WaitForElementAsync("[data-testid=new-cluster-dialog]", TimeSpan.FromSeconds(30));
    }

    private string Value(string testId) => _dialogs.Find($"[data-testid={testId}]").GetAttribute("value") ?? "";

    private async Task<Cluster?> LiveClusterAsync(string name)
    {
        await using var db = app.Db();
        return await db.Clusters.AsNoTracking()
            .SingleOrDefaultAsync(c => c.TenantId == _tenant.Id && c.Name == name && c.Status.Phase != ClusterPhase.Deleted, Ct);
    }

    [Fact]
    public async Task Create_again_on_a_deleted_cluster_opens_the_dialog_filled_with_its_name_and_size()
    {
        var page = await RenderAsync(ClusterPhase.Deleted);

        await OpenCreateAgainAsync(page);

        Assert.Equal(("etl", "3", "500m", "3Gi"),
            (Value("field-name"), Value("field-workers"), Value("field-worker-cores"), Value("field-worker-memory")));
    }

    [Fact]
    public async Task Creating_from_the_filled_dialog_asks_for_the_same_spec()
    {
        var page = await RenderAsync(ClusterPhase.Deleted);
        var deleted = AnEtlCluster(_tenant, ClusterPhase.Deleted);
        await OpenCreateAgainAsync(page);

        await _dialogs.ClickAsync("[data-testid=create-cluster]");

        await page.WaitForAssertionAsync(() => Assert.Empty(_dialogs.FindAll("[data-testid=new-cluster-dialog]")), TimeSpan.FromSeconds(30));
        Assert.Equivalent(deleted.Spec, (await LiveClusterAsync("etl"))?.Spec, strict: true);
    }

    [Fact]
    public async Task Creating_again_under_a_new_name_opens_the_new_clusters_page()
    {
        var page = await RenderAsync(ClusterPhase.Failed);
        await OpenCreateAgainAsync(page);
        _dialogs.Find("[data-testid=field-name]").Input("etl-2");

        await _dialogs.ClickAsync("[data-testid=create-cluster]");

        var navigation = _host!.Context.Services.GetRequiredService<NavigationManager>();
        await page.WaitForAssertionAsync(
            () => Assert.EndsWith($"/tenants/{_tenant.Slug}/clusters/etl-2", navigation.Uri, StringComparison.Ordinal), TimeSpan.FromSeconds(30));
    }

    [Fact]
    public async Task A_deleted_cluster_whose_name_a_new_cluster_took_is_shown_by_its_id()
    {
        var subject = $"member-{Guid.NewGuid():N}";
        _tenant = await app.CreateTenantAsync((subject, TenantRole.Member));
        var yesterday = AnEtlCluster(_tenant, ClusterPhase.Deleted);
        await using (var db = app.Db())
        {
            db.Clusters.AddRange(yesterday, Builders.ASparkCluster().In(_tenant).Named("etl").WithWorkers(7).Build());
            await db.SaveChangesAsync(Ct);
        }

        _host = new ComponentHost(app, subject);
        var page = _host.Context.Render<ClusterDetail>(p => p.Add(c => c.Tenant, _tenant.Slug).Add(c => c.Id, yesterday.Id));

        await page.WaitForAssertionAsync(() => Assert.StartsWith("0 / 3 registered", page.Find("[data-testid=workers]").TextContent.Trim(),
            StringComparison.Ordinal), TimeSpan.FromSeconds(30));
    }
}
