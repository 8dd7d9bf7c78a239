using System.Net;
using System.Net.Sockets;
using Microsoft.AspNetCore.Builder;
using Portal.Web.Features.Gateway;

namespace Portal.Web.Tests.Gateway;

/// <summary>
/// The cleartext gateway endpoint on a real Kestrel (the gateway's other tests run on the test server, which has no
/// sockets): HTTP/2 with prior knowledge, gateway paths only, beside the portal's own endpoint.
/// </summary>
public sealed class GatewayListenerTests
{
    static CancellationToken Ct => TestContext.Current.CancellationToken;

    [Fact]
    public async Task The_cleartext_endpoint_serves_the_gateway_over_HTTP2_and_the_portal_endpoint_keeps_its_pages()
    {
        var (portalPort, gatewayPort) = (FreePort(), FreePort());
        var builder = WebApplication.CreateBuilder(new WebApplicationOptions { EnvironmentName = "Production" });
        builder.Configuration["urls"] = $"http://127.0.0.1:{portalPort}";
        builder.Configuration["Gateway:PlaintextUrl"] = $"http://127.0.0.1:{gatewayPort}";
        builder.AddGatewayListener();
        await using var app = builder.Build();
        app.UseSparkConnectGateway();
        app.MapGet("/", () => "a page");
        await app.StartAsync(Ct);

        using var h2c = new HttpClient { DefaultRequestVersion = HttpVersion.Version20, DefaultVersionPolicy = HttpVersionPolicy.RequestVersionExact };
        // Not gRPC (no application/grpc content type): the gateway's own answer, so it was reached, over HTTP/2.
        using var call = await h2c.PostAsync($"http://127.0.0.1:{gatewayPort}{SparkConnectGateway.ServicePath}/Config", new StringContent("x"), Ct);
        using var page = await h2c.GetAsync($"http://127.0.0.1:{gatewayPort}/", Ct);
        using var http = new HttpClient();
        var portalPage = await http.GetStringAsync($"http://127.0.0.1:{portalPort}/", Ct);

        Assert.Equal((HttpStatusCode.UnsupportedMediaType, HttpVersion.Version20), (call.StatusCode, call.Version));
        Assert.Equal(HttpStatusCode.NotFound, page.StatusCode);
        Assert.Equal("a page", portalPage);
    }

    static int FreePort()
    {
        using var probe = new TcpListener(IPAddress.Loopback, 0);
        probe.Start();
        return ((IPEndPoint)probe.LocalEndpoint).Port;
    }
}
