using System.Text.Json;
using k8s;
using k8s.Autorest;
using static Portal.Sandbox.Tests.SparkBuilders;

namespace Portal.Sandbox.Tests;

/// <summary>
/// The simulated master under Spark's reverse proxy (spark.ui.reverseProxy, spark.ui.reverseProxyUrl): it links
/// workers and applications under the proxy URL and serves their UIs at /proxy/{id}/, as Spark's master does.
/// </summary>
public sealed class ReverseProxyTests : SparkTest
{
    const string ProxyUrl = "https://portal.example/spark/acme/etl/";

    /// <summary>A master, a worker and a Connect server whose spark-defaults.conf turns the reverse proxy on, as the portal's ConfigMap does.</summary>
    async Task<JsonElement> DeployBehindTheProxy(params string[] conf)
    {
        await Client.CoreV1.CreateNamespacedConfigMapAsync(ASparkDefaults("etl-conf", conf.Length > 0 ? conf : ["spark.ui.reverseProxy=true", $"spark.ui.reverseProxyUrl={ProxyUrl}"]), Ns, cancellationToken: Ct);
        await Expose(AMasterService(), AConnectService());
        await Deploy(ASparkMaster().WithSparkDefaultsFrom("etl-conf"), ASparkWorker().WithSparkDefaultsFrom("etl-conf"), ASparkConnect().WithSparkDefaultsFrom("etl-conf"));
        await Until(async () => await TryMasterState() is { } s && AliveWorkers(s) == 1 && ActiveApps(s).Any(), "the worker and the Connect app are registered");
        return await MasterState();
    }

    static string WorkerId(JsonElement state) => state.GetProperty("workers")[0].GetProperty("id").GetString()!;

    static string AppId(JsonElement state) => ActiveApps(state).Single().GetProperty("id").GetString()!;

    [Fact]
    public async Task The_master_page_links_workers_and_applications_under_the_proxy_url()
    {
        var state = await DeployBehindTheProxy();

        var page = await ProxyGet("http:etl-master:8080", "");

        Assert.Equal((true, true), (page.Contains($"href=\"https://portal.example/spark/acme/etl/proxy/{WorkerId(state)}\"", StringComparison.Ordinal),
            page.Contains($"href=\"https://portal.example/spark/acme/etl/proxy/{AppId(state)}\"", StringComparison.Ordinal)));
    }

    [Fact]
    public async Task A_workers_ui_is_served_by_the_master_at_proxy_and_its_id()
    {
        var state = await DeployBehindTheProxy();

        var worker = await ProxyJson("http:etl-master:8080", $"proxy/{WorkerId(state)}/json/");

        Assert.Equal(WorkerId(state), worker.GetProperty("id").GetString());
    }

    [Fact]
    public async Task The_connect_drivers_ui_is_served_by_the_master_at_proxy_and_the_app_id()
    {
        var state = await DeployBehindTheProxy();

        var apps = await ProxyJson("http:etl-master:8080", $"proxy/{AppId(state)}/api/v1/applications");

        Assert.Equal(AppId(state), apps[0].GetProperty("id").GetString());
    }

    [Fact]
    public async Task A_worker_behind_the_proxy_links_back_to_the_master_at_the_proxy_url()
    {
        var state = await DeployBehindTheProxy();

        var page = await ProxyGet("http:etl-master:8080", $"proxy/{WorkerId(state)}/");

        Assert.Contains($"<a href=\"{ProxyUrl}\">Back to Master</a>", page, StringComparison.Ordinal);
    }

    [Fact]
    public async Task An_id_the_master_does_not_know_is_refused_with_403()
    {
        await DeployBehindTheProxy();

        var e = await Assert.ThrowsAsync<HttpOperationException>(() => ProxyGet("http:etl-master:8080", "proxy/app-19700101000000-9999/"));

        Assert.Equal(System.Net.HttpStatusCode.Forbidden, e.Response.StatusCode);
    }

    [Fact]
    public async Task The_reverse_proxy_can_be_turned_on_through_SPARK_MASTER_OPTS()
    {
        await Expose(AMasterService());
        await Deploy(ASparkMaster().WithEnv("SPARK_MASTER_OPTS", "-Dspark.ui.reverseProxy=true"), ASparkWorker());
        await Until(async () => await TryMasterState() is { } s && AliveWorkers(s) == 1, "the worker is registered");

        var page = await ProxyGet("http:etl-master:8080", "");

        // Without spark.ui.reverseProxyUrl, spark.ui.proxyBase is unset and links are root-relative.
        Assert.Contains($"href=\"/proxy/{WorkerId(await MasterState())}\"", page, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Without_the_reverse_proxy_the_master_links_the_workers_own_address_and_serves_no_proxy()
    {
        await Expose(AMasterService());
        await Deploy(ASparkMaster(), ASparkWorker());
        await Until(async () => await TryMasterState() is { } s && AliveWorkers(s) == 1, "the worker is registered");
        var state = await MasterState();

        var page = await ProxyGet("http:etl-master:8080", "");
        var e = await Assert.ThrowsAsync<HttpOperationException>(() => ProxyGet("http:etl-master:8080", $"proxy/{WorkerId(state)}/json/"));

        Assert.Equal((true, System.Net.HttpStatusCode.NotFound),
            (page.Contains($"href=\"{state.GetProperty("workers")[0].GetProperty("webuiaddress").GetString()}\"", StringComparison.Ordinal), e.Response.StatusCode));
    }

    [Fact]
    public async Task The_proxied_worker_ui_is_reachable_over_the_pod_network_too()
    {
        var state = await DeployBehindTheProxy();
        var master = await PodOf("etl-master");
        using var http = new HttpClient(new SocketsHttpHandler { ConnectCallback = (_, ct) => Sandbox.PodNetwork.DialAsync(Ns, master.Metadata.Name, 8080, ct) });

        var worker = JsonDocument.Parse(await http.GetStringAsync($"http://{master.Status.PodIP}:8080/proxy/{WorkerId(state)}/json/", Ct)).RootElement;

        Assert.Equal(WorkerId(state), worker.GetProperty("id").GetString());
    }
}
