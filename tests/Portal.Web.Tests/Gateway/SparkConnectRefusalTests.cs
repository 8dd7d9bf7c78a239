using System.Net.Http.Json;
using Grpc.Core;
using Portal.Core.Identity;
using Portal.Core.Tenants;
using Portal.Web.Tests.Clusters;

namespace Portal.Web.Tests.Gateway;

/// <summary>
/// What the gateway answers a Spark Connect client it won't forward, as gRPC statuses with a message a notebook user
/// can act on. No reconciler runs here, so a new cluster stays Requested.
/// </summary>
public sealed class SparkConnectRefusalTests(PortalApp app) : IClassFixture<PortalApp>, IAsyncLifetime, IDisposable
{
    private const string Member = "refusal-member";
    private readonly GatewayClient _client = new(app);
    private string _tenant = "";

    private static CancellationToken Ct => TestContext.Current.CancellationToken;

    public async ValueTask InitializeAsync()
    {
        _tenant = (await app.CreateTenantAsync((Member, TenantRole.Member))).Slug;
        using var http = app.CreateClient(Member);
        (await http.PostAsync($"/api/v1/tenants/{_tenant}/clusters", Json.Body(new { name = "waiting", workers = 1 }), Ct)).EnsureSuccessStatusCode();
        (await http.PostAsync($"/api/v1/tenants/{_tenant}/clusters", Json.Body(new { name = "plain", workers = 1, sparkConnect = false }), Ct)).EnsureSuccessStatusCode();
    }

    private async Task<RpcException> RefusedAsync(string? token, string? route)
    {
        var call = _client.Spark.ConfigAsync(GatewayClient.GetConf(Guid.NewGuid().ToString(), "spark.app.name"),
            GatewayClient.Headers(token, route), cancellationToken: Ct);
        return await Assert.ThrowsAsync<RpcException>(() => call.ResponseAsync);
    }

    private string MemberToken() => app.TokenFor(Member);

    [Fact]
    public async Task A_call_without_a_token_is_unauthenticated_and_says_how_to_add_one()
    {
        var refused = await RefusedAsync(null, $"{_tenant}/waiting");

        Assert.Equal((StatusCode.Unauthenticated, true), (refused.StatusCode, refused.Status.Detail.Contains(";token=", StringComparison.Ordinal)));
    }

    [Fact]
    public async Task A_call_with_a_made_up_token_is_unauthenticated()
    {
        var refused = await RefusedAsync("spk_madeup_0000000000000000000000000000", $"{_tenant}/waiting");

        Assert.Equal(StatusCode.Unauthenticated, refused.StatusCode);
    }

    [Fact]
    public async Task A_call_with_a_revoked_token_is_unauthenticated()
    {
        var token = app.TokenFor(Member, request: new TokenRequest(Member, "to-revoke"));
        using (var http = app.CreateClient(Member))
        {
            var mine = await http.GetFromJsonAsync<List<TokenItem>>("/api/v1/tokens", Json.Options, Ct);
            var revoked = Assert.Single(mine!, t => t.Name == "to-revoke");
            (await http.DeleteAsync($"/api/v1/tokens/{revoked.Id}", Ct)).EnsureSuccessStatusCode();
        }

        var refused = await RefusedAsync(token, $"{_tenant}/waiting");

        Assert.Equal(StatusCode.Unauthenticated, refused.StatusCode);
    }

    [Fact]
    public async Task A_call_without_the_routing_header_is_an_invalid_argument_naming_it()
    {
        var refused = await RefusedAsync(MemberToken(), null);

        Assert.Equal((StatusCode.InvalidArgument, true), (refused.StatusCode, refused.Status.Detail.Contains("x-spark-portal-cluster", StringComparison.Ordinal)));
    }

    [Theory]
    [InlineData("just-a-name")]
    [InlineData("a/b/c")]
    [InlineData("/etl")]
    [InlineData("default/")]
    public async Task A_malformed_routing_header_is_an_invalid_argument(string route)
    {
        var refused = await RefusedAsync(MemberToken(), route);

        Assert.Equal(StatusCode.InvalidArgument, refused.StatusCode);
    }

    [Fact]
    public async Task An_unknown_cluster_is_not_found()
    {
        var refused = await RefusedAsync(MemberToken(), $"{_tenant}/no-such-cluster");

        Assert.Equal(StatusCode.NotFound, refused.StatusCode);
    }

    [Fact]
    public async Task A_cluster_that_is_not_running_is_unavailable_naming_its_phase()
    {
        var refused = await RefusedAsync(MemberToken(), $"{_tenant}/waiting");

        Assert.Equal((StatusCode.Unavailable, true), (refused.StatusCode, refused.Status.Detail.Contains("Requested", StringComparison.Ordinal)));
    }

    [Fact]
    public async Task A_cluster_without_spark_connect_is_a_failed_precondition()
    {
        var refused = await RefusedAsync(MemberToken(), $"{_tenant}/plain");

        Assert.Equal(StatusCode.FailedPrecondition, refused.StatusCode);
    }

    [Fact]
    public async Task The_routing_header_may_come_percent_encoded_as_in_the_connection_string()
    {
        var refused = await RefusedAsync(MemberToken(), $"{_tenant}%2Fwaiting");

        Assert.Equal(StatusCode.Unavailable, refused.StatusCode);
    }

    [Fact]
    public async Task The_cluster_answer_gives_the_gateway_connection_string_with_a_token_placeholder()
    {
        using var http = app.CreateClient(Member);

        var cluster = await http.GetFromJsonAsync<ClusterDto>($"/api/v1/tenants/{_tenant}/clusters/waiting", Json.Options, Ct);

        Assert.Equal($"sc://localhost:80/;use_ssl=false;token=<personal access token>;x-spark-portal-cluster={_tenant}%2Fwaiting", cluster!.Connect!.Url);
    }

    private sealed record TokenItem(Guid Id, string Name);

    public ValueTask DisposeAsync() => ValueTask.CompletedTask;

    public void Dispose() => _client.Dispose();
}
