using System.Text.Json;
using k8s;
using static Portal.Sandbox.Tests.SparkBuilders;

namespace Portal.Sandbox.Tests;

public sealed class SparkSimulationTests : SparkTest
{
    async Task DeployCluster(params SparkDeploymentBuilder[] workers)
    {
        await DeployMaster();
        await Deploy(workers);
        await Until(async () => AliveWorkers(await MasterState()) == workers.Length, $"{workers.Length} workers are registered");
    }

    async Task DeployConnect(params string[] conf)
    {
        await Expose(AConnectService());
        await Deploy(ASparkConnect(conf: conf));
        await Until(async () => ActiveApps(await MasterState()).Any(a => a.GetProperty("name").GetString() == "Spark Connect server"), "the Connect server's app is registered");
    }

    static JsonElement ConnectApp(JsonElement state) => ActiveApps(state).Single(a => a.GetProperty("name").GetString() == "Spark Connect server");

    async Task<string> ConnectAppId() => (await ProxyJson("http:etl-connect:4040", "api/v1/applications"))[0].GetProperty("id").GetString()!;

    [Fact]
    public async Task Master_json_has_exactly_the_fields_of_sparks_writeMasterState()
    {
        await DeployMaster();

        var state = await MasterState();

        Assert.Equal(["url", "workers", "aliveworkers", "cores", "coresused", "memory", "memoryused", "resources", "resourcesused",
            "activeapps", "completedapps", "activedrivers", "completeddrivers", "status"], state.EnumerateObject().Select(p => p.Name));
    }

    [Fact]
    public async Task The_master_url_is_its_pod_ip_and_rpc_port()
    {
        await DeployMaster();

        var state = await MasterState();

        Assert.Equal($"spark://{(await PodOf("etl-master")).Status.PodIP}:7077", state.GetProperty("url").GetString());
    }

    [Fact]
    public async Task A_registered_worker_has_exactly_the_fields_of_sparks_writeWorkerInfo()
    {
        await DeployCluster(ASparkWorker());

        var worker = (await MasterState()).GetProperty("workers")[0];

        Assert.Equal(["id", "host", "port", "webuiaddress", "cores", "coresused", "coresfree", "memory", "memoryused", "memoryfree",
            "resources", "resourcesused", "resourcesfree", "state", "lastheartbeat"], worker.EnumerateObject().Select(p => p.Name));
    }

    [Fact]
    public async Task Worker_cores_and_memory_come_from_its_environment()
    {
        await DeployCluster(ASparkWorker().WithCores(3).WithMemory("1536m"));

        var worker = (await MasterState()).GetProperty("workers")[0];

        Assert.Equal((3, 1536, "ALIVE"), (worker.GetProperty("cores").GetInt32(), worker.GetProperty("memory").GetInt32(), worker.GetProperty("state").GetString()));
    }

    [Fact]
    public async Task A_worker_preferring_the_configured_master_address_rejoins_a_restarted_master()
    {
        await DeployCluster(ASparkWorker().PreferringConfiguredMasterAddress());

        await RestartMaster();

        await Until(async () => AliveWorkers(await MasterState()) == 1, "the worker joins the new master");
    }

    [Fact]
    public async Task Only_workers_preferring_the_configured_master_address_rejoin_a_restarted_master()
    {
        await DeployCluster(ASparkWorker("w-prefer").PreferringConfiguredMasterAddress(), ASparkWorker("w-plain"));
        var preferring = (await PodOf("w-prefer")).Status.PodIP;

        await RestartMaster();
        await Until(async () => AliveWorkers(await MasterState()) >= 1, "a worker joins the new master");

        // Both had the same delay to rejoin; the one dialling the old master's address never does.
        Assert.Equal([preferring], (await MasterState()).GetProperty("workers").EnumerateArray().Select(w => w.GetProperty("host").GetString()));
    }

    [Fact]
    public async Task The_worker_ui_reports_the_master_it_registered_with()
    {
        await DeployCluster(ASparkWorker());
        var master = (await MasterState()).GetProperty("url").GetString();

        var pod = await PodOf("etl-worker");
        using var response = await Client.CoreV1.ConnectGetNamespacedPodProxyWithPathWithHttpMessagesAsync($"{pod.Metadata.Name}:8081", Ns, "json/", cancellationToken: Ct);
        var state = await JsonDocument.ParseAsync(response.Body, cancellationToken: Ct);

        Assert.Equal(master, state.RootElement.GetProperty("masterurl").GetString());
    }

    [Fact]
    public async Task The_master_page_links_each_alive_worker_to_its_web_ui()
    {
        await DeployCluster(ASparkWorker());
        var ip = (await PodOf("etl-worker")).Status.PodIP;

        var html = await ProxyGet("http:etl-master:8080", "");

        Assert.Matches($"<a href=\"http://{ip.Replace(".", "\\.", StringComparison.Ordinal)}:8081\">worker-\\d{{14}}-{ip.Replace(".", "\\.", StringComparison.Ordinal)}-\\d+</a>", html);
    }

    [Fact]
    public async Task The_master_page_is_titled_with_the_master_url()
    {
        await DeployMaster();
        var url = (await MasterState()).GetProperty("url").GetString();

        var html = await ProxyGet("http:etl-master:8080", "");

        Assert.Contains($"<title>Spark Master at {url}</title>", html, StringComparison.Ordinal);
    }

    [Fact]
    public async Task The_connect_server_registers_its_application_with_the_master()
    {
        await DeployCluster(ASparkWorker());

        await DeployConnect();

        Assert.Equal(await ConnectAppId(), ConnectApp(await MasterState()).GetProperty("id").GetString());
    }

    [Fact]
    public async Task The_connect_application_has_exactly_the_fields_of_sparks_writeApplicationInfo()
    {
        await DeployCluster(ASparkWorker());
        await DeployConnect();

        var app = ConnectApp(await MasterState());

        Assert.Equal(["id", "starttime", "name", "cores", "user", "memoryperexecutor", "memoryperslave", "resourcesperexecutor",
            "resourcesperslave", "submitdate", "state", "duration"], app.EnumerateObject().Select(p => p.Name));
    }

    [Fact]
    public async Task The_driver_lists_one_unfinished_attempt_in_sparks_date_format()
    {
        await DeployCluster(ASparkWorker());
        await DeployConnect();

        var attempt = (await ProxyJson("http:etl-connect:4040", "api/v1/applications"))[0].GetProperty("attempts")[0];

        Assert.Equal((false, -1L, true), (attempt.GetProperty("completed").GetBoolean(), attempt.GetProperty("endTimeEpoch").GetInt64(),
            System.Text.RegularExpressions.Regex.IsMatch(attempt.GetProperty("startTime").GetString()!, @"^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}GMT$")));
    }

    [Fact]
    public async Task The_driver_reports_the_spark_version_of_its_image()
    {
        await DeployCluster(ASparkWorker());
        await DeployConnect();

        var version = await ProxyJson("http:etl-connect:4040", "api/v1/version");

        Assert.Equal("4.0.1", version.GetProperty("spark").GetString());
    }

    [Fact]
    public async Task An_unknown_app_id_gets_sparks_404_text()
    {
        await DeployCluster(ASparkWorker());
        await DeployConnect();

        var e = await Assert.ThrowsAsync<k8s.Autorest.HttpOperationException>(() => ProxyGet("http:etl-connect:4040", "api/v1/applications/app-nope"));

        Assert.Equal((404, "unknown app: app-nope"), ((int)e.Response.StatusCode, e.Response.Content));
    }

    [Fact]
    public async Task Driver_jobs_are_listed_newest_first()
    {
        await DeployCluster(ASparkWorker());
        await DeployConnect();
        var first = Sandbox.Spark.StartConnectJob(Ns, "etl-connect");
        var second = Sandbox.Spark.StartConnectJob(Ns, "etl-connect");

        var jobs = await ProxyJson("http:etl-connect:4040", $"api/v1/applications/{await ConnectAppId()}/jobs");

        Assert.Equal([second, first], jobs.EnumerateArray().Select(j => j.GetProperty("jobId").GetInt32()));
    }

    [Fact]
    public async Task The_jobs_status_filter_keeps_only_jobs_in_that_state()
    {
        await DeployCluster(ASparkWorker());
        await DeployConnect();
        var done = Sandbox.Spark.StartConnectJob(Ns, "etl-connect");
        var running = Sandbox.Spark.StartConnectJob(Ns, "etl-connect");
        Sandbox.Spark.FinishConnectJob(Ns, "etl-connect", done);

        var jobs = await ProxyJson("http:etl-connect:4040", $"api/v1/applications/{await ConnectAppId()}/jobs?status=running");

        Assert.Equal([running], jobs.EnumerateArray().Select(j => j.GetProperty("jobId").GetInt32()));
    }

    [Fact]
    public async Task Without_dynamic_allocation_the_connect_app_takes_every_free_core()
    {
        await DeployCluster(ASparkWorker("w1").WithCores(2), ASparkWorker("w2").WithCores(3));

        await DeployConnect();

        Assert.Equal(5, ConnectApp(await MasterState()).GetProperty("cores").GetInt32());
    }

    [Fact]
    public async Task Spark_cores_max_caps_the_connect_app()
    {
        await DeployCluster(ASparkWorker().WithCores(4));

        await DeployConnect("spark.cores.max=2");

        Assert.Equal(2, (await MasterState()).GetProperty("coresused").GetInt32());
    }

    [Fact]
    public async Task Under_dynamic_allocation_the_connect_app_holds_no_cores_while_idle()
    {
        await DeployCluster(ASparkWorker().WithCores(4));

        await DeployConnect("spark.dynamicAllocation.enabled=true");

        Assert.Equal(0, (await MasterState()).GetProperty("coresused").GetInt32());
    }

    [Fact]
    public async Task Under_dynamic_allocation_each_running_job_takes_an_executor()
    {
        await DeployCluster(ASparkWorker().WithCores(4));
        await DeployConnect("spark.dynamicAllocation.enabled=true", "spark.executor.cores=2");

        Sandbox.Spark.StartConnectJob(Ns, "etl-connect");

        Assert.Equal(2, ConnectApp(await MasterState()).GetProperty("cores").GetInt32());
    }

    [Fact]
    public async Task A_lost_driver_without_a_liveness_probe_refuses_connections()
    {
        await DeployCluster(ASparkWorker().PreferringConfiguredMasterAddress());
        await DeployConnect();

        await RestartMaster();

        var (code, status) = await Refused(() => ProxyGet("http:etl-connect:4040", "api/v1/applications"));
        Assert.Equal((503, true), (code, status.Message.EndsWith(":4040: connect: connection refused", StringComparison.Ordinal)));
    }

    [Fact]
    public async Task The_kubelet_restarts_a_lost_driver_whose_liveness_probe_fails()
    {
        await DeployCluster(ASparkWorker().PreferringConfiguredMasterAddress());
        await Expose(AConnectService());
        await Deploy(ASparkConnect().WithLivenessProbe());
        await Until(async () => ActiveApps(await MasterState()).Any(), "the Connect app is registered");

        await RestartMaster();

        await Until(async () => (await PodOf("etl-connect")).Status.ContainerStatuses[0].RestartCount == 1, "the connect container restarts");
    }

    [Fact]
    public async Task A_liveness_restart_is_recorded_as_unhealthy_and_killing_events()
    {
        await DeployCluster(ASparkWorker().PreferringConfiguredMasterAddress());
        await Expose(AConnectService());
        await Deploy(ASparkConnect().WithLivenessProbe());
        await Until(async () => ActiveApps(await MasterState()).Any(), "the Connect app is registered");
        var pod = (await PodOf("etl-connect")).Metadata.Name;

        await RestartMaster();

        await Until(async () => (await Client.CoreV1.ListNamespacedEventAsync(Ns, fieldSelector: $"involvedObject.name={pod}", cancellationToken: Ct)).Items
            .Select(e => e.Reason).ToHashSet() is var reasons && reasons.Contains("Unhealthy") && reasons.Contains("Killing"), "Unhealthy and Killing events are recorded");
    }

    [Fact]
    public async Task A_restarted_driver_registers_with_the_new_master()
    {
        await DeployCluster(ASparkWorker().PreferringConfiguredMasterAddress());
        await Expose(AConnectService());
        await Deploy(ASparkConnect().WithLivenessProbe());
        await Until(async () => ActiveApps(await MasterState()).Any(), "the Connect app is registered");

        await RestartMaster();

        await Until(async () => await TryMasterState() is { } s && ActiveApps(s).Any(a => a.GetProperty("name").GetString() == "Spark Connect server"), "the restarted driver registers");
    }

    [Fact]
    public async Task An_application_started_through_the_hook_is_listed_as_active()
    {
        await DeployCluster(ASparkWorker());

        var id = Sandbox.Spark.StartApplication(Ns, "etl-master", "notebook");

        Assert.Equal(("notebook", "RUNNING"), ActiveApps(await MasterState()).Where(a => a.GetProperty("id").GetString() == id)
            .Select(a => (a.GetProperty("name").GetString(), a.GetProperty("state").GetString())).Single());
    }

    [Fact]
    public async Task A_finished_application_moves_to_completedapps()
    {
        await DeployCluster(ASparkWorker());
        var id = Sandbox.Spark.StartApplication(Ns, "etl-master");

        Sandbox.Spark.FinishApplication(Ns, id);

        var completed = (await MasterState()).GetProperty("completedapps").EnumerateArray().Single();
        Assert.Equal((id, "FINISHED"), (completed.GetProperty("id").GetString(), completed.GetProperty("state").GetString()));
    }

    [Fact]
    public async Task Starting_an_application_without_a_master_up_is_refused()
    {
        await Expose(AMasterService());

        var e = Assert.Throws<InvalidOperationException>(() => Sandbox.Spark.StartApplication(Ns, "etl-master"));

        Assert.Contains("etl-master", e.Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task The_http_hook_starts_an_application_on_the_master()
    {
        await DeployCluster(ASparkWorker());
        using var http = new HttpClient { BaseAddress = Sandbox.BaseAddress };

        using var response = await http.PostAsync($"/sandbox/spark/namespaces/{Ns}/services/etl-master/applications", new StringContent("""{"name":"etl job","maxCores":1}"""), Ct);
        var id = JsonDocument.Parse(await response.Content.ReadAsStringAsync(Ct)).RootElement.GetProperty("id").GetString();

        Assert.Equal(1, ActiveApps(await MasterState()).Single(a => a.GetProperty("id").GetString() == id).GetProperty("cores").GetInt32());
    }
}
