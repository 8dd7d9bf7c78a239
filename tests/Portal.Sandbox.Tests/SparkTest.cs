using System.Text.Json;
using k8s;
using k8s.Models;
using static Portal.Sandbox.Tests.SparkBuilders;

namespace Portal.Sandbox.Tests;

/// <summary>
/// Base for tests of the simulated Spark daemons: a namespace <c>spark-x</c>, helpers that deploy a cluster as the
/// portal does and read Spark's answers through the service proxy, parsed as JSON the way the portal parses Spark's.
/// Registration takes 200 ms instead of 1 s, to keep the suite fast.
/// </summary>
public abstract class SparkTest : SandboxTest
{
    protected const string Ns = "spark-x";

    protected override SandboxOptions Options() => new()
    {
        PodStartDelay = TimeSpan.FromMilliseconds(100),
        SparkRegistrationDelay = TimeSpan.FromMilliseconds(200),
    };

    public override async ValueTask InitializeAsync()
    {
        await base.InitializeAsync();
        await CreateNamespace(Ns);
    }

    private protected async Task Deploy(params SparkDeploymentBuilder[] deployments)
    {
        foreach (var d in deployments) await Client.AppsV1.CreateNamespacedDeploymentAsync(d.Build(), Ns, cancellationToken: Ct);
    }

    protected async Task Expose(params V1Service[] services)
    {
        foreach (var s in services) await Client.CoreV1.CreateNamespacedServiceAsync(s, Ns, cancellationToken: Ct);
    }

    /// <summary>A master and its Service, returned once the master answers /json/.</summary>
    protected async Task DeployMaster()
    {
        await Expose(AMasterService());
        await Deploy(ASparkMaster());
        await Until(async () => await TryMasterState() is not null, "the master answers /json/");
    }

    /// <summary>GET through the service proxy, as the portal's status reader calls it.</summary>
    protected async Task<string> ProxyGet(string service, string path)
    {
        using var response = await Client.CoreV1.ConnectGetNamespacedServiceProxyWithPathWithHttpMessagesAsync(service, Ns, path, cancellationToken: Ct);
        using var reader = new StreamReader(response.Body);
        return await reader.ReadToEndAsync(Ct);
    }

    protected async Task<JsonElement> ProxyJson(string service, string path) => JsonDocument.Parse(await ProxyGet(service, path)).RootElement.Clone();

    protected Task<JsonElement> MasterState() => ProxyJson("http:etl-master:8080", "json/");

    protected async Task<JsonElement?> TryMasterState()
    {
        try
        {
            return await MasterState();
        }
        catch (k8s.Autorest.HttpOperationException)
        {
            return null;
        }
    }

    protected async Task<V1Pod> PodOf(string app) =>
        (await Client.CoreV1.ListNamespacedPodAsync(Ns, labelSelector: $"app={app}", cancellationToken: Ct)).Items.Single(p => p.Metadata.DeletionTimestamp is null);

    protected async Task<bool> AllRunning(params string[] apps)
    {
        var pods = (await Client.CoreV1.ListNamespacedPodAsync(Ns, cancellationToken: Ct)).Items;
        return apps.All(a => pods.Any(p => p.Metadata.Labels["app"] == a && p.Status?.Phase == "Running"));
    }

    /// <summary>Replaces the master's pod (its Deployment brings up a new one) and waits for the new master to answer.</summary>
    protected async Task RestartMaster()
    {
        var old = await PodOf("etl-master");
        await Client.CoreV1.DeleteNamespacedPodAsync(old.Metadata.Name, Ns, cancellationToken: Ct);
        await Until(async () => await TryMasterState() is { } s && s.GetProperty("url").GetString() != $"spark://{old.Status.PodIP}:7077", "a new master answers");
    }

    protected static int AliveWorkers(JsonElement state) => state.GetProperty("aliveworkers").GetInt32();

    protected static IEnumerable<JsonElement> ActiveApps(JsonElement state) => state.GetProperty("activeapps").EnumerateArray();

    /// <summary>Polls until <paramref name="condition"/> holds (<see cref="Portal.Testing.Eventually"/>); fails naming <paramref name="what"/>.</summary>
    protected static Task Until(Func<Task<bool>> condition, string what) => Portal.Testing.Eventually.HoldsAsync(condition, what, ct: Ct);
}
