using k8s;
using static Portal.Sandbox.Tests.Builders;
using static Portal.Sandbox.Tests.SparkBuilders;

namespace Portal.Sandbox.Tests;

public sealed class ServiceProxyTests : SparkTest
{
    [Fact]
    public async Task Proxying_to_an_unknown_service_returns_404_NotFound()
    {
        var (code, status) = await Refused(() => ProxyGet("http:nope:8080", "json/"));

        Assert.Equal((404, "NotFound", "services \"nope\" not found"), (code, status.Reason, status.Message));
    }

    [Fact]
    public async Task Proxying_to_a_service_without_ready_pods_returns_503_no_endpoints()
    {
        await Expose(AMasterService());

        var (code, status) = await Refused(() => ProxyGet("http:etl-master:8080", "json/"));

        Assert.Equal((503, "ServiceUnavailable", "no endpoints available for service \"etl-master\""), (code, status.Reason, status.Message));
    }

    [Fact]
    public async Task Proxying_to_a_port_nothing_serves_returns_503_connection_refused()
    {
        var web = AService("web", ("http", 80));
        web.Spec.Ports[0].TargetPort = 80;   // nginx declares no named port
        await Expose(web);
        await Client.AppsV1.CreateNamespacedDeploymentAsync(ADeployment("web").Build(), Ns, cancellationToken: Ct);
        await Until(() => AllRunning("web"), "the web pod runs");
        var ip = (await PodOf("web")).Status.PodIP;

        var (code, status) = await Refused(() => ProxyGet("web:80", ""));

        Assert.Equal((503, "ServiceUnavailable", $"error trying to reach service: dial tcp {ip}:80: connect: connection refused"), (code, status.Reason, status.Message));
    }

    [Fact]
    public async Task The_pod_proxy_reaches_the_master_web_ui_by_port_number()
    {
        await DeployMaster();
        var pod = await PodOf("etl-master");

        using var response = await Client.CoreV1.ConnectGetNamespacedPodProxyWithPathWithHttpMessagesAsync($"{pod.Metadata.Name}:8080", Ns, "json/", cancellationToken: Ct);
        using var reader = new StreamReader(response.Body);

        Assert.Contains($"\"url\": \"spark://{pod.Status.PodIP}:7077\"", await reader.ReadToEndAsync(Ct), StringComparison.Ordinal);
    }

    [Fact]
    public async Task A_service_port_named_in_the_request_reaches_the_same_daemon_as_its_number()
    {
        await DeployMaster();

        var byName = await ProxyJson("etl-master:ui", "json/");

        Assert.Equal((await MasterState()).GetProperty("url").GetString(), byName.GetProperty("url").GetString());
    }

    [Fact]
    public async Task Discovery_lists_the_service_and_pod_proxy_subresources()
    {
        var resources = await Client.CoreV1.GetAPIResourcesAsync(Ct);

        Assert.Equal(["pods/proxy", "services/proxy"], resources.Resources.Select(r => r.Name).Where(n => n.EndsWith("/proxy", StringComparison.Ordinal)).Order());
    }

    [Fact]
    public async Task An_unknown_path_on_a_spark_ui_is_jettys_404_page()
    {
        await DeployMaster();

        var e = await Assert.ThrowsAsync<k8s.Autorest.HttpOperationException>(() => ProxyGet("http:etl-master:8080", "nope"));

        Assert.Equal((404, true), ((int)e.Response.StatusCode, e.Response.Content.Contains("HTTP ERROR 404 Not Found", StringComparison.Ordinal)));
    }
}
