using System.Net.Http.Json;

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
}
