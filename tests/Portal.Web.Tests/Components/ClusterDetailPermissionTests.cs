using Bunit;
using Portal.Core.Clusters;
using Portal.Core.Tenants;
using Portal.Testing;
using Portal.Web.Features.Clusters;

namespace Portal.Web.Tests.Components;

/// <summary>What the cluster page offers depends on the caller's role in the tenant, as the service enforces it.</summary>
public sealed class ClusterDetailPermissionTests(PortalApp app) : IClassFixture<PortalApp>, IAsyncDisposable
{
    private ComponentHost? _host;

    public ValueTask DisposeAsync() => _host?.DisposeAsync() ?? ValueTask.CompletedTask;

    /// <summary>The builder's clusters belong to "alice".</summary>
    private const string Owner = "alice";

    private async Task<IRenderedComponent<ClusterDetail>> RenderAsAsync(TenantRole role, string? subject = null)
    {
        subject ??= $"{role}-{Guid.NewGuid():N}".ToLowerInvariant();
        var tenant = await app.CreateTenantAsync((subject, role));
        await using (var db = app.Db())
        {
            db.Clusters.Add(Builders.ASparkCluster().In(tenant).Named("etl").Build());
            await db.SaveChangesAsync(Xunit.TestContext.Current.CancellationToken);
        }

        _host = new ComponentHost(app, subject);
        var page = _host.Context.Render<ClusterDetail>(p => p
            .Add(c => c.Tenant, tenant.Slug)
            .Add(c => c.Name, "etl"));
        await page.WaitForAssertionAsync(() => Assert.NotEmpty(page.FindAll("[data-testid=cluster-phase]")));
        return page;
    }

    [Fact]
    public async Task A_viewer_sees_no_delete_button()
    {
        var page = await RenderAsAsync(TenantRole.Viewer);

        Assert.Empty(page.FindAll("[data-testid=delete]"));
    }

    [Fact]
    public async Task A_member_sees_the_delete_button_on_their_own_cluster()
    {
        var page = await RenderAsAsync(TenantRole.Member, Owner);

        Assert.Single(page.FindAll("[data-testid=delete]"));
    }

    [Fact]
    public async Task A_member_sees_no_delete_button_on_another_members_cluster()
    {
        var page = await RenderAsAsync(TenantRole.Member);

        Assert.Empty(page.FindAll("[data-testid=delete]"));
    }

    [Fact]
    public async Task A_tenant_admin_sees_the_delete_button_on_any_cluster()
    {
        var page = await RenderAsAsync(TenantRole.Admin);

        Assert.Single(page.FindAll("[data-testid=delete]"));
    }

    [Fact]
    public async Task A_viewer_sees_no_scale_control()
    {
        var page = await RenderAsAsync(TenantRole.Viewer);

        Assert.Empty(page.FindAll("[data-testid=scale]"));
    }
}
