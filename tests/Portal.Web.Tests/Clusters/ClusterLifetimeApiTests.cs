using System.Net;
using System.Net.Http.Json;
using Portal.Core.Tenants;

namespace Portal.Web.Tests.Clusters;

/// <summary>POST /api/v1/tenants/{tenant}/clusters/{name}/extend: a notebook asks for more time.</summary>
public sealed class ClusterLifetimeApiTests(PortalApp app) : IClassFixture<PortalApp>, IAsyncLifetime
{
    private readonly HttpClient _client = app.CreateClient();
    private string _tenant = "";

    public async ValueTask InitializeAsync() =>
        _tenant = (await app.CreateTenantAsync((PortalApp.DevelopmentUser, TenantRole.Member))).Slug;

    public ValueTask DisposeAsync() => ValueTask.CompletedTask;

    private static CancellationToken Ct => TestContext.Current.CancellationToken;

    private async Task<ClusterDto> CreatedAsync()
    {
        var name = $"etl-{Guid.NewGuid():N}"[..20];
        var response = await _client.PostAsync($"/api/v1/tenants/{_tenant}/clusters", Json.Body(new { name, workers = 1 }), Ct);
        return (await response.EnsureSuccessStatusCode().Content.ReadFromJsonAsync<ClusterDto>(Json.Options, Ct))!;
    }

    private Task<HttpResponseMessage> ExtendAsync(ClusterDto cluster, object body) =>
        _client.PostAsync($"/api/v1/tenants/{_tenant}/clusters/{cluster.Name}/extend", Json.Body(body), Ct);

    [Fact]
    public async Task Extending_moves_the_expiry_later_by_the_requested_duration()
    {
        var cluster = await CreatedAsync();

        var response = await ExtendAsync(cluster, new { by = "02:00:00" });

        var extended = await response.EnsureSuccessStatusCode().Content.ReadFromJsonAsync<ClusterDto>(Json.Options, Ct);
        Assert.Equal(cluster.ExpiresAt + TimeSpan.FromHours(2), extended!.ExpiresAt);
    }

    [Fact]
    public async Task Extending_beyond_the_tenants_maximum_lifetime_answers_400_naming_the_field()
    {
        var cluster = await CreatedAsync();

        // The default policy allows seven days.
        var response = await ExtendAsync(cluster, new { by = "30.00:00:00" });

        var problem = await response.ProblemAsync();
        Assert.Equal((400, true), (problem.Status, problem.Errors?.ContainsKey("by") ?? false));
    }

    [Fact]
    public async Task Extending_without_a_duration_answers_400_naming_the_field()
    {
        var cluster = await CreatedAsync();

        var response = await ExtendAsync(cluster, new { });

        var problem = await response.ProblemAsync();
        Assert.Equal((400, true), (problem.Status, problem.Errors?.ContainsKey("by") ?? false));
    }

    [Fact]
    public async Task Extending_a_cluster_being_deleted_answers_409()
    {
        var cluster = await CreatedAsync();
        (await _client.DeleteAsync($"/api/v1/tenants/{_tenant}/clusters/{cluster.Name}", Ct)).EnsureSuccessStatusCode();

        var response = await ExtendAsync(cluster, new { by = "01:00:00" });

        Assert.Equal(HttpStatusCode.Conflict, response.StatusCode);
    }
}
