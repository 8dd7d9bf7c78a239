using System.Net.Http.Json;
using Microsoft.EntityFrameworkCore;

namespace Portal.Web.Tests.Clusters;

/// <summary>The embedded default: with no connection string the portal runs on SQLite, and clusters work there too.</summary>
public sealed class SqliteClusterTests(SqlitePortalApp app) : IClassFixture<SqlitePortalApp>
{
    private readonly HttpClient _client = app.CreateClient();

    private static CancellationToken Ct => TestContext.Current.CancellationToken;

    [Fact]
    public async Task The_portal_falls_back_to_SQLite_without_a_connection_string()
    {
        await using var db = app.Db();

        Assert.Equal("Microsoft.EntityFrameworkCore.Sqlite", db.Database.ProviderName);
    }

    [Fact]
    public async Task A_cluster_created_on_SQLite_is_listed()
    {
        var created = await _client.PostAsync("/api/v1/tenants/default/clusters", Json.Raw("""{"name": "etl", "workers": 2}"""), Ct);
        created.EnsureSuccessStatusCode();

        var page = await _client.GetFromJsonAsync<ClusterPageDto>("/api/v1/tenants/default/clusters?phase=Requested", Json.Options, Ct);

        Assert.Equal(["etl"], page!.Items.Select(c => c.Name));
    }

    [Fact]
    public async Task Simultaneous_creates_on_SQLite_admit_only_what_the_quota_has_room_for()
    {
        var tenant = await app.CreateTenantAsync((PortalApp.DevelopmentUser, Core.Tenants.TenantRole.Member));
        await using (var db = app.Db())
        {
            await db.Tenants.Where(t => t.Id == tenant.Id)
                .ExecuteUpdateAsync(set => set.SetProperty(t => t.Quota.MaxClusters, 3), Ct);
        }

        var answers = await Task.WhenAll(Enumerable.Range(0, 20).Select(async i =>
        {
            using var response = await _client.PostAsync($"/api/v1/tenants/{tenant.Slug}/clusters", Json.Raw($$"""{"name": "c{{i}}", "workers": 1}"""), Ct);
            return response.StatusCode;
        }));

        Assert.Equal(3, answers.Count(a => a == System.Net.HttpStatusCode.Accepted));
    }
}
