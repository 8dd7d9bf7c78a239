using System.Net;
using Microsoft.AspNetCore.Mvc.Testing;

namespace Portal.Web.Tests.Gateway;

/// <summary>The Spark UIs of a Running cluster at /spark/{tenant}/{cluster}/, behind the portal's sign-in.</summary>
[Collection(GatewayCollection.Name)]
public sealed class SparkUiProxyTests(GatewayFixture app)
{
    private const string MasterUi = $"/spark/default/{GatewayFixture.Cluster}/";

    private static CancellationToken Ct => TestContext.Current.CancellationToken;

    [Fact]
    public async Task A_member_gets_the_master_page_with_its_links_under_the_portal_path()
    {
        using var member = app.CreateClient(GatewayFixture.Member);

        var page = await member.GetStringAsync(MasterUi, Ct);

        Assert.Contains($"href=\"/spark/default/{GatewayFixture.Cluster}/proxy/worker-", page, StringComparison.Ordinal);
    }

    [Fact]
    public async Task A_viewer_may_look_at_the_spark_ui()
    {
        using var viewer = app.CreateClient(GatewayFixture.Viewer);

        var response = await viewer.GetAsync(MasterUi, Ct);

        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
    }

    [Fact]
    public async Task An_anonymous_browser_is_sent_to_sign_in()
    {
        using var anonymous = app.CreateClient(new WebApplicationFactoryClientOptions { AllowAutoRedirect = false });
        anonymous.DefaultRequestHeaders.Authorization = null;

        var response = await anonymous.GetAsync(MasterUi, Ct);

        Assert.Equal((HttpStatusCode.Redirect, "/signin"), (response.StatusCode, response.Headers.Location?.AbsolutePath));
    }

    [Fact]
    public async Task A_member_of_another_tenant_gets_not_found()
    {
        using var stranger = app.CreateClient(GatewayFixture.Stranger);

        var response = await stranger.GetAsync(MasterUi, Ct);

        Assert.Equal(HttpStatusCode.NotFound, response.StatusCode);
    }

    [Fact]
    public async Task Spark_s_pages_are_sandboxed_away_from_the_portal_s_origin()
    {
        using var member = app.CreateClient(GatewayFixture.Member);

        var response = await member.GetAsync(MasterUi, Ct);

        Assert.StartsWith("sandbox ", response.Headers.GetValues("Content-Security-Policy").Single(), StringComparison.Ordinal);
    }

    [Fact]
    public async Task The_ui_root_without_its_slash_redirects_to_it()
    {
        using var member = app.CreateClient(new WebApplicationFactoryClientOptions { AllowAutoRedirect = false });
        member.DefaultRequestHeaders.Authorization = new("Bearer", app.TokenFor(GatewayFixture.Member));

        var response = await member.GetAsync(MasterUi.TrimEnd('/'), Ct);

        Assert.Equal(MasterUi, response.Headers.Location?.OriginalString);
    }
}
