using System.Net;
using System.Net.Http.Json;
using Microsoft.EntityFrameworkCore;
using Portal.Core.Clusters;
using Portal.Core.Tenants;

namespace Portal.Web.Tests.Clusters;

/// <summary>A notebook that recreates "etl" every morning must not collide with yesterday's deleted cluster.</summary>
public sealed class ClusterNameReuseTests(PortalApp app) : IClassFixture<PortalApp>, IAsyncLifetime
{
    private readonly HttpClient _client = app.CreateClient();
    private string _tenant = "";

    public async ValueTask InitializeAsync() =>
        _tenant = (await app.CreateTenantAsync((PortalApp.DevelopmentUser, TenantRole.Member))).Slug;

    public ValueTask DisposeAsync() => ValueTask.CompletedTask;

    private static CancellationToken Ct => TestContext.Current.CancellationToken;

    private Task<HttpResponseMessage> CreateAsync(int workers) =>
        _client.PostAsync($"/api/v1/tenants/{_tenant}/clusters", Json.Body(new { name = "etl", workers }), Ct);

    /// <summary>Creates "etl", deletes it, and marks it Deleted as the reconciler does once its objects are gone.</summary>
    private async Task CreateAndFinishDeletingAsync()
    {
        (await CreateAsync(workers: 2)).EnsureSuccessStatusCode();
        (await _client.DeleteAsync($"/api/v1/tenants/{_tenant}/clusters/etl", Ct)).EnsureSuccessStatusCode();
        await using var db = app.Db();
        var cluster = await db.Clusters.SingleAsync(c => c.Name == "etl" && c.Status.Phase == ClusterPhase.Deleting, Ct);
        cluster.Status = cluster.Status with { Phase = ClusterPhase.Deleted };
        await db.SaveChangesAsync(Ct);
    }

    [Fact]
    public async Task The_name_of_a_deleted_cluster_can_be_used_again()
    {
        await CreateAndFinishDeletingAsync();

        var response = await CreateAsync(workers: 3);

        Assert.Equal(HttpStatusCode.Accepted, response.StatusCode);
    }

    [Fact]
    public async Task Getting_a_reused_name_returns_the_live_cluster()
    {
        await CreateAndFinishDeletingAsync();
        (await CreateAsync(workers: 3)).EnsureSuccessStatusCode();

        var cluster = await _client.GetFromJsonAsync<ClusterDto>($"/api/v1/tenants/{_tenant}/clusters/etl", Json.Options, Ct);

        Assert.Equal((ClusterPhase.Requested, 3), (cluster!.Status.Phase, cluster.Spec.Workers));
    }
}
