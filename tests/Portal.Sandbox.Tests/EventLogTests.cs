using System.Text.Json;
using k8s;
using k8s.Models;
using static Portal.Sandbox.Tests.SparkBuilders;
using static Portal.Sandbox.Tests.StorageBuilders;

namespace Portal.Sandbox.Tests;

/// <summary>
/// Spark event logs on a claim and the history server reading them, with the Connect server's container as the
/// portal builds it (Portal.Provisioning ClusterManifests.ConnectDeployment: tini -s, spark-submit, SPARK_CONF_DIR
/// from the cluster's ConfigMap).
/// </summary>
public sealed class EventLogTests : SparkTest
{
    const string Claim = "spark-events";
    const string EventsDir = "/mnt/spark-events";

    static V1Deployment AConnectServer(string conf, string? subPath = null, bool readOnly = false) =>
        SparkPod("etl-connect", "connect",
            ["/usr/bin/tini", "-s", "--", "/opt/spark/bin/spark-submit", "--class", "org.apache.spark.sql.connect.service.SparkConnectServer",
                "--name", "Spark Connect server", "--master", "spark://etl-master.spark-x.svc:7077", "--driver-memory", "1024m",
                "--conf", "spark.driver.host=$(POD_IP)", "--conf", "spark.dynamicAllocation.enabled=true"],
            [new V1ContainerPort { Name = "connect", ContainerPort = 15002 }, new V1ContainerPort { Name = "ui", ContainerPort = 4040 }],
            conf, new V1VolumeMount { Name = "events", MountPath = EventsDir, SubPath = subPath, ReadOnlyProperty = readOnly ? true : null });

    static V1Deployment AHistoryServer(string conf) =>
        SparkPod("etl-history", "history",
            ["/usr/bin/tini", "-s", "--", "/opt/spark/bin/spark-class", "org.apache.spark.deploy.history.HistoryServer"],
            [new V1ContainerPort { Name = "ui", ContainerPort = 18080 }],
            conf, new V1VolumeMount { Name = "events", MountPath = EventsDir, ReadOnlyProperty = true });

    static V1Deployment SparkPod(string name, string container, List<string> command, List<V1ContainerPort> ports, string conf, V1VolumeMount events) => new()
    {
        Metadata = new V1ObjectMeta { Name = name },
        Spec = new V1DeploymentSpec
        {
            Selector = new V1LabelSelector { MatchLabels = new Dictionary<string, string> { ["app"] = name } },
            Template = new V1PodTemplateSpec
            {
                Metadata = new V1ObjectMeta { Labels = new Dictionary<string, string> { ["app"] = name } },
                Spec = new V1PodSpec
                {
                    Containers =
                    [
                        new V1Container
                        {
                            Name = container,
                            Image = Image,
                            Command = command,
                            Env =
                            [
                                new V1EnvVar { Name = "POD_IP", ValueFrom = new V1EnvVarSource { FieldRef = new V1ObjectFieldSelector { FieldPath = "status.podIP" } } },
                                new V1EnvVar { Name = "SPARK_CONF_DIR", Value = "/etc/spark/conf" },
                            ],
                            Ports = ports,
                            VolumeMounts = [new V1VolumeMount { Name = "conf", MountPath = "/etc/spark/conf", ReadOnlyProperty = true }, events],
                        },
                    ],
                    Volumes = [new V1Volume { Name = "conf", ConfigMap = new V1ConfigMapVolumeSource { Name = conf } }, ClaimVolume("events", Claim)],
                },
            },
        },
    };

    async Task Prepare()
    {
        await Client.CoreV1.CreateNamespacedPersistentVolumeClaimAsync(AClaim(Claim).WithAccessMode("ReadWriteMany").Build(), Ns, cancellationToken: Ct);
        await Client.CoreV1.CreateNamespacedConfigMapAsync(ASparkDefaults("etl", "spark.eventLog.enabled true", $"spark.eventLog.dir file:{EventsDir}"), Ns, cancellationToken: Ct);
        await DeployMaster();
    }

    IEnumerable<string> EventLogFiles(string dir = "/") => Sandbox.Volumes.List(Ns, Claim, dir).Where(e => !e.IsDirectory).Select(e => e.Name);

    async Task<string> ConnectAppId()
    {
        await Until(async () => ActiveApps(await MasterState()).Any(), "the Connect server registers its application");
        return ActiveApps(await MasterState()).Single().GetProperty("id").GetString()!;
    }

    [Fact]
    public async Task A_connect_server_logging_to_a_claim_writes_an_in_progress_event_log()
    {
        await Prepare();
        await Client.AppsV1.CreateNamespacedDeploymentAsync(AConnectServer("etl"), Ns, cancellationToken: Ct);
        var appId = await ConnectAppId();

        await Until(() => Task.FromResult(EventLogFiles().Contains($"{appId}.inprogress")), "the in-progress event log appears");

        var first = JsonDocument.Parse(Sandbox.Volumes.ReadText(Ns, Claim, $"/{appId}.inprogress")!.Split('\n')[0]).RootElement;
        Assert.Equal(("SparkListenerLogStart", "4.0.1"), (first.GetProperty("Event").GetString(), first.GetProperty("Spark Version").GetString()));
    }

    [Fact]
    public async Task The_event_log_loses_its_in_progress_suffix_when_the_connect_server_ends()
    {
        await Prepare();
        await Client.AppsV1.CreateNamespacedDeploymentAsync(AConnectServer("etl"), Ns, cancellationToken: Ct);
        var appId = await ConnectAppId();
        await Until(() => Task.FromResult(EventLogFiles().Contains($"{appId}.inprogress")), "the in-progress event log appears");

        await Client.AppsV1.DeleteNamespacedDeploymentAsync("etl-connect", Ns, cancellationToken: Ct);

        await Until(() => Task.FromResult(EventLogFiles().SequenceEqual([appId])), "the event log is renamed to the application id");
    }

    [Fact]
    public async Task A_sub_path_mount_creates_the_event_log_directory_on_the_claim()
    {
        await Client.CoreV1.CreateNamespacedPersistentVolumeClaimAsync(AClaim(Claim).Build(), Ns, cancellationToken: Ct);
        await Client.CoreV1.CreateNamespacedConfigMapAsync(ASparkDefaults("etl", "spark.eventLog.enabled true", $"spark.eventLog.dir file://{EventsDir}"), Ns, cancellationToken: Ct);
        await DeployMaster();
        await Client.AppsV1.CreateNamespacedDeploymentAsync(AConnectServer("etl", subPath: "event-logs"), Ns, cancellationToken: Ct);
        var appId = await ConnectAppId();

        await Until(() => Task.FromResult(EventLogFiles("/event-logs").Contains($"{appId}.inprogress")), "the event log is written under the sub path");
    }

    [Fact]
    public async Task A_connect_server_whose_event_log_dir_does_not_exist_crash_loops_with_sparks_error()
    {
        await Prepare();
        await Client.CoreV1.ReplaceNamespacedConfigMapAsync(ASparkDefaults("etl", "spark.eventLog.enabled true", $"spark.eventLog.dir file:{EventsDir}/missing"), "etl", Ns, cancellationToken: Ct);
        await Client.AppsV1.CreateNamespacedDeploymentAsync(AConnectServer("etl"), Ns, cancellationToken: Ct);

        await Until(async () => await WaitingReason("etl-connect") == "CrashLoopBackOff", "the container crash-loops");

        var log = await Client.CoreV1.ReadNamespacedPodLogAsync((await PodOf("etl-connect")).Metadata.Name, Ns, cancellationToken: Ct);
        using var reader = new StreamReader(log);
        Assert.Contains($"java.io.FileNotFoundException: File file:{EventsDir}/missing does not exist", await reader.ReadToEndAsync(Ct), StringComparison.Ordinal);
    }

    [Fact]
    public async Task A_history_server_on_the_same_claim_lists_the_finished_application_as_completed()
    {
        await Prepare();
        await Client.CoreV1.CreateNamespacedConfigMapAsync(ASparkDefaults("history", $"spark.history.fs.logDirectory file:{EventsDir}", "spark.history.ui.port 18080"), Ns, cancellationToken: Ct);
        await Client.AppsV1.CreateNamespacedDeploymentAsync(AConnectServer("etl"), Ns, cancellationToken: Ct);
        var appId = await ConnectAppId();
        await Until(() => Task.FromResult(EventLogFiles().Contains($"{appId}.inprogress")), "the in-progress event log appears");
        await Expose(AService("etl-history", ("ui", 18080)));
        await Client.AppsV1.CreateNamespacedDeploymentAsync(AHistoryServer("history"), Ns, cancellationToken: Ct);

        await Client.AppsV1.DeleteNamespacedDeploymentAsync("etl-connect", Ns, cancellationToken: Ct);

        await Until(async () => await TryApplications() is { } apps && apps.Any(a => a.GetProperty("id").GetString() == appId && Attempt(a).GetProperty("completed").GetBoolean()),
            "the history server lists the application as completed");
        var app = (await TryApplications())!.Single(a => a.GetProperty("id").GetString() == appId);
        Assert.Equal(("Spark Connect server", "4.0.1"), (app.GetProperty("name").GetString(), Attempt(app).GetProperty("appSparkVersion").GetString()));
    }

    [Fact]
    public async Task The_history_server_lists_a_running_application_as_not_completed()
    {
        await Prepare();
        await Client.CoreV1.CreateNamespacedConfigMapAsync(ASparkDefaults("history", $"spark.history.fs.logDirectory file:{EventsDir}"), Ns, cancellationToken: Ct);
        await Client.AppsV1.CreateNamespacedDeploymentAsync(AConnectServer("etl"), Ns, cancellationToken: Ct);
        var appId = await ConnectAppId();
        await Expose(AService("etl-history", ("ui", 18080)));
        await Client.AppsV1.CreateNamespacedDeploymentAsync(AHistoryServer("history"), Ns, cancellationToken: Ct);

        await Until(async () => await TryApplications() is { } apps && apps.Any(a => a.GetProperty("id").GetString() == appId), "the history server lists the application");

        var app = (await TryApplications())!.Single(a => a.GetProperty("id").GetString() == appId);
        Assert.Equal((false, -1), (Attempt(app).GetProperty("completed").GetBoolean(), Attempt(app).GetProperty("endTimeEpoch").GetInt64()));
    }

    [Fact]
    public async Task The_history_servers_links_carry_the_proxy_base()
    {
        await Prepare();
        await Client.CoreV1.CreateNamespacedConfigMapAsync(ASparkDefaults("history", $"spark.history.fs.logDirectory file:{EventsDir}", "spark.ui.proxyBase /portal/history/etl"), Ns, cancellationToken: Ct);
        await Client.AppsV1.CreateNamespacedDeploymentAsync(AConnectServer("etl"), Ns, cancellationToken: Ct);
        var appId = await ConnectAppId();
        await Client.AppsV1.DeleteNamespacedDeploymentAsync("etl-connect", Ns, cancellationToken: Ct);
        await Until(() => Task.FromResult(EventLogFiles().Contains(appId)), "the event log is complete");
        await Expose(AService("etl-history", ("ui", 18080)));
        await Client.AppsV1.CreateNamespacedDeploymentAsync(AHistoryServer("history"), Ns, cancellationToken: Ct);
        await Until(async () => await TryApplications() is { Count: > 0 }, "the history server lists the application");

        var page = await ProxyGet("http:etl-history:18080", "");

        Assert.Contains($"href=\"/portal/history/etl/history/{appId}/jobs/\"", page, StringComparison.Ordinal);
    }

    [Fact]
    public async Task A_history_server_whose_log_directory_does_not_exist_crash_loops()
    {
        await Client.CoreV1.CreateNamespacedPersistentVolumeClaimAsync(AClaim(Claim).Build(), Ns, cancellationToken: Ct);
        await Client.CoreV1.CreateNamespacedConfigMapAsync(ASparkDefaults("history", $"spark.history.fs.logDirectory file:{EventsDir}/none"), Ns, cancellationToken: Ct);
        await Client.AppsV1.CreateNamespacedDeploymentAsync(AHistoryServer("history"), Ns, cancellationToken: Ct);

        await Until(async () => await WaitingReason("etl-history") == "CrashLoopBackOff", "the history server crash-loops");

        var log = await Client.CoreV1.ReadNamespacedPodLogAsync((await PodOf("etl-history")).Metadata.Name, Ns, cancellationToken: Ct);
        using var reader = new StreamReader(log);
        Assert.Contains($"java.io.FileNotFoundException: Log directory specified does not exist: file:{EventsDir}/none", await reader.ReadToEndAsync(Ct), StringComparison.Ordinal);
    }

    /// <summary>Why the app's container waits, once its Deployment has made the pod.</summary>
    async Task<string?> WaitingReason(string app) =>
        (await Client.CoreV1.ListNamespacedPodAsync(Ns, labelSelector: $"app={app}", cancellationToken: Ct)).Items
            .FirstOrDefault()?.Status?.ContainerStatuses?.FirstOrDefault()?.State?.Waiting?.Reason;

    static JsonElement Attempt(JsonElement app) => app.GetProperty("attempts")[0];

    async Task<List<JsonElement>?> TryApplications()
    {
        try
        {
            return [.. (await ProxyJson("http:etl-history:18080", "api/v1/applications")).EnumerateArray()];
        }
        catch (k8s.Autorest.HttpOperationException)
        {
            return null;
        }
    }
}
