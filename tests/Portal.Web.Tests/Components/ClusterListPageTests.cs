using Bunit;
using Portal.Core.Tenants;
using Portal.Testing;
using Portal.Web.Features.Clusters;

namespace Portal.Web.Tests.Components;

/// <summary>The cluster list's layout on narrower screens.</summary>
public sealed class ClusterListPageTests(PortalApp app) : IClassFixture<PortalApp>, IAsyncDisposable
{
    private ComponentHost? _host;

    public ValueTask DisposeAsync() => _host?.DisposeAsync() ?? ValueTask.CompletedTask;

    [Fact]
    public async Task At_tablet_width_the_list_stays_a_table_without_its_Spark_and_Age_columns()
    {
        var member = $"member-{Guid.NewGuid():N}";
        var tenant = await app.CreateTenantAsync((member, TenantRole.Member));
        await using (var db = app.Db())
        {
            db.Clusters.Add(Builders.ASparkCluster().In(tenant).Named("etl").Build());
            await db.SaveChangesAsync(Xunit.TestContext.Current.CancellationToken);
        }

        _host = new ComponentHost(app, member);
        var page = _host.Context.Render<ClusterList>(p => p.Add(c => c.Tenant, tenant.Slug));
        await page.WaitForElementAsync("[data-testid=cluster-etl]");

        // MudBlazor turns rows into cards below the table's breakpoint (mud-sm-table: under 960 px; mud-xs-table: under
        // 600 px); d-md-table-cell shows a cell from 960 px up only.
        var table = page.Find("[data-testid=clusters-table]");
        Assert.Equal(
            (true, false, "Spark, Age"),
            (table.ClassList.Contains("mud-xs-table"), table.ClassList.Contains("mud-sm-table"),
             string.Join(", ", table.QuerySelectorAll("th.d-none.d-md-table-cell").Select(th => th.TextContent.Trim()))));
    }
}
