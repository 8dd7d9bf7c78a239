// Measures provisioning on the sandbox, as issue 5 item 7 asks, and prints Markdown for docs/provisioning-benchmarks.md:
//   (a) time from the create API's 202 to every object applied by the reconciler's first pass, against applying
//       the same manifests directly with KubernetesClient, as a ratio;
//   (b) Kubernetes API calls per cluster create, and per idle minute with 1,000 clusters across 100 tenants;
//   (c) process CPU time of a full resync at that size.
// The database is PostgreSQL (a throwaway server, as the tests start; PORTAL_TEST_POSTGRES names an existing one).
//   dotnet run -c Release --project tests/Portal.Benchmarks -- [--samples 30] [--end-to-end-samples 10] [--repetitions 7] [--idle-seconds 60] [--first-pass-only]
using System.Diagnostics;
using System.Globalization;
using k8s;
using k8s.Models;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using Portal.Benchmarks;
using Portal.Core.Clusters;
using Portal.Core.Data;
using Portal.Core.Tenants;
using Portal.Provisioning;
using Portal.Provisioning.Kubernetes;
using Portal.Provisioning.Manifests;
using Portal.Provisioning.Reconciler;
using Portal.Sandbox;
using Portal.Testing;

// `-- gateway`: the Spark Connect gateway's latency and streaming throughput against a direct connection.
if (args is ["gateway", ..])
{
    await GatewayBenchmark.RunAsync(args);
    return;
}

const int Tenants = 100;
const int ClustersPerTenant = 10;
var samples = Option("--samples", 30);
var repetitions = Option("--repetitions", 7);
var idleSeconds = Option("--idle-seconds", 60);
var endToEndSamples = Option("--end-to-end-samples", 10);
var report = new List<string>();
var run = Stopwatch.StartNew();

var postgres = new PostgresServer();
await postgres.InitializeAsync();
try
{
    await MeasureFirstPassAsync();
    // (a) alone: the figure a change to the first pass moves, in a minute rather than five.
    if (!args.Contains("--first-pass-only"))
        await MeasureAtScaleAsync();
}
finally
{
    await postgres.DisposeAsync();
    // Printed even when a later part fails, so what was measured is not lost with it.
    Console.WriteLine();
    Console.WriteLine(string.Create(CultureInfo.InvariantCulture,
        $"Run took {run.Elapsed.TotalMinutes:F1} min on {Environment.ProcessorCount} cores, {DateTime.UtcNow:yyyy-MM-dd HH:mm} UTC, .NET {Environment.Version}, " +
        $"load average at the end {LoadAverage()}"));
    Console.WriteLine();
    foreach (var line in report)
    {
        Console.WriteLine(line);
    }
}

// (a) One tenant, clusters asked for one at a time; each is reconciled once, right after the create returns.
async Task MeasureFirstPassAsync()
{
    await using var world = await World.StartAsync(postgres, new SandboxOptions());
    var (clusters, tenants, _, _) = world.Reconcilers();
    var tenant = (await world.AddTenantsAsync("first-pass", 1, clusters: 3 * (samples + 4) + 2 * endToEndSamples))[0];
    await tenants.ReconcileAsync(tenant.Id, CancellationToken.None);

    var portal = new List<double>();
    var direct = new List<double>();
    var concurrent = new List<double>();
    var passes = new List<double>();
    var firstPassCalls = new List<int>();
    for (var i = -3; i < samples; i++)   // three warm-up rounds
    {
        // Portal: the create path's database write, then one reconciler pass; "applied" is the answer to its last apply.
        var cluster = await world.CreateClusterAsync(tenant, $"portal-{i + 3}");
        var accepted = Stopwatch.GetTimestamp();
        world.Counter.Reset();
        await clusters.ReconcileAsync(cluster.Id, CancellationToken.None);
        var passEnded = Stopwatch.GetTimestamp();
        await ExpectAllObjectsAsync(world.Observer, cluster, tenant.Namespace);

        // Direct: the same manifests with the plain client (no database, no reads): the root, then its children one
        // after the other, and (the anchor) the root, then its children at once, as a client that knows they are
        // independent would.
        var twin = ASparkClusterLike(cluster, $"direct-{i + 3}");
        var started = Stopwatch.GetTimestamp();
        await ApplyDirectlyAsync(world.Observer, twin, tenant.Namespace, concurrently: false);
        var directEnded = Stopwatch.GetTimestamp();
        await ExpectAllObjectsAsync(world.Observer, twin, tenant.Namespace);
        var concurrentTwin = ASparkClusterLike(cluster, $"concurrent-{i + 3}");
        var concurrentStarted = Stopwatch.GetTimestamp();
        await ApplyDirectlyAsync(world.Observer, concurrentTwin, tenant.Namespace, concurrently: true);
        var concurrentEnded = Stopwatch.GetTimestamp();
        await ExpectAllObjectsAsync(world.Observer, concurrentTwin, tenant.Namespace);

        if (i >= 0)
        {
            portal.Add(Stopwatch.GetElapsedTime(accepted, world.Counter.LastApplyAnswered).TotalMilliseconds);
            passes.Add(Stopwatch.GetElapsedTime(accepted, passEnded).TotalMilliseconds);
            direct.Add(Stopwatch.GetElapsedTime(started, directEnded).TotalMilliseconds);
            concurrent.Add(Stopwatch.GetElapsedTime(concurrentStarted, concurrentEnded).TotalMilliseconds);
            firstPassCalls.Add(world.Counter.Total);
        }
    }

    // A later pass of a cluster whose pods are up: what every watch event or requeue costs.
    var settled = await world.CreateClusterAsync(tenant, "settled");
    await clusters.ReconcileAsync(settled.Id, CancellationToken.None);
    await WaitUntilAsync(async () =>
    {
        await clusters.ReconcileAsync(settled.Id, CancellationToken.None);
        return await world.CountAsync(ClusterPhase.Running) > 0;
    }, TimeSpan.FromSeconds(60), "a cluster to reach Running");
    world.Counter.Reset();
    await clusters.ReconcileAsync(settled.Id, CancellationToken.None);
    var laterPass = world.Counter.Snapshot();

    // End to end: the hosted service as deployed. Signalled, it shares the create's ClusterWrites, as the replica
    // that answers the request does when it leads. Polled, it has its own, so it learns of each new row from its
    // database poll, as a replica that did not serve the request does (and every replica did before the signal).
    var endToEnd = await EndToEndAsync(world, tenant, "signalled", world.Writes);
    var polled = await EndToEndAsync(world, tenant, "polled", new ClusterWrites());

    report.Add("### (a) Create to every object applied");
    report.Add("");
    report.Add($"{samples} clusters (2 workers, no Connect: 5 objects) asked for through `ClusterService.CreateAsync`, medians:");
    report.Add("");
    report.Add("| Measure | Median | p90 |");
    report.Add("|---|---:|---:|");
    report.Add(Row("Portal: 202 to last object applied (first reconciler pass)", portal));
    report.Add(Row("Portal: 202 to end of that pass (status written)", passes));
    report.Add(Row("Direct: the same 5 objects applied with KubernetesClient, one after the other", direct));
    report.Add(Row("Direct: the root, then its 4 children at once (the anchor)", concurrent));
    report.Add(Row($"End to end, hosted service with defaults, the create signalled (`ClusterWrites`), {endToEndSamples} clusters", endToEnd));
    report.Add(Row($"End to end, hosted service with defaults, database poll only (every 2 s), {endToEndSamples} clusters", polled));
    report.Add("");
    report.Add(string.Create(CultureInfo.InvariantCulture, $"Ratio portal / concurrent direct (medians, to last object applied): **{Median(portal) / Median(concurrent):F2}**; against the sequential direct apply {Median(portal) / Median(direct):F2}"));
    report.Add("");
    var callRange = firstPassCalls.Distinct().Count() == 1 ? "every sample" : $"ranging {firstPassCalls.Min()} to {firstPassCalls.Max()}";
    report.Add($"API calls of the first pass: {firstPassCalls[0]} ({callRange}); a later pass of a running cluster: {laterPass.Values.Sum()} ({Describe(laterPass)})");
    report.Add("");
}

// Clusters asked for one after another while the hosted service runs, each timed from the create's return until
// the API server answered the last of its objects' first applies.
async Task<List<double>> EndToEndAsync(World world, Tenant tenant, string prefix, ClusterWrites writes)
{
    var endToEnd = new List<double>();
    using (var host = await StartServiceAsync(world, writes))
    {
        await WaitForQuietAsync(world.Counter);
        for (var i = 0; i < endToEndSamples; i++)
        {
            var cluster = await world.CreateClusterAsync(tenant, $"{prefix}-{i}");
            var accepted = Stopwatch.GetTimestamp();
            var objects = ClusterManifests.ObjectNames(cluster).ToList();
            long?[] applied = [];
            await WaitUntilAsync(() =>
            {
                applied = [.. objects.Select(o => world.Counter.FirstApplied(tenant.Namespace, Plural(o.Kind), o.Name))];
                return Task.FromResult(applied.All(a => a is not null));
            }, TimeSpan.FromSeconds(30), "the first pass's applies", TimeSpan.FromMilliseconds(2));
            endToEnd.Add(Stopwatch.GetElapsedTime(accepted, applied.Max()!.Value).TotalMilliseconds);
            await ExpectAllObjectsAsync(world.Observer, cluster, tenant.Namespace);
            await WaitUntilAsync(async () => await world.PhaseOfAsync(cluster.Id) == ClusterPhase.Running, TimeSpan.FromSeconds(60), "Running");
        }

        await host.StopAsync();
    }

    return endToEnd;
}

// (b) and (c): 100 tenants x 10 clusters under the real hosted service (AddProvisioning, defaults), then resyncs.
async Task MeasureAtScaleAsync()
{
    await using var world = await World.StartAsync(postgres, new SandboxOptions());
    var tenants = await world.AddTenantsAsync("tenant", Tenants, ClustersPerTenant);

    using var host = await StartServiceAsync(world, world.Writes);

    Console.WriteLine("Waiting for 100 tenants' namespaces and fences");
    var (_, _, resync, tenantResync) = world.Reconcilers();
    await WaitUntilAsync(async () => (await tenantResync.NeedingWorkAsync(CancellationToken.None)).Count == 0, TimeSpan.FromMinutes(3), "tenants fenced");
    await WaitForQuietAsync(world.Counter);

    // Created while the service runs, as users would, on the replica that leads: each create is signalled.
    world.Counter.Reset();
    var creating = Stopwatch.StartNew();
    foreach (var tenant in tenants)
    {
        for (var i = 0; i < ClustersPerTenant; i++)
        {
            await world.CreateClusterAsync(tenant, $"spark-{i}");
        }
    }

    Console.WriteLine(string.Create(CultureInfo.InvariantCulture, $"Asked for {Tenants * ClustersPerTenant} clusters in {creating.Elapsed.TotalSeconds:F1} s; waiting for Running"));
    await WaitUntilAsync(async () => await world.CountAsync(ClusterPhase.Running) == Tenants * ClustersPerTenant, TimeSpan.FromMinutes(6), "1,000 clusters Running");
    var converged = creating.Elapsed;
    await WaitForQuietAsync(world.Counter);
    var createCalls = world.Counter.Snapshot();
    var createWork = createCalls.Where(c => !ApiCallCounter.IsBackground(c.Key)).Sum(c => c.Value);

    world.Counter.Reset();
    await Task.Delay(TimeSpan.FromSeconds(idleSeconds));
    var idle = world.Counter.Snapshot();
    await host.StopAsync();

    report.Add("### (b) API calls");
    report.Add("");
    report.Add(string.Create(CultureInfo.InvariantCulture,
        $"{Tenants} tenants, {Tenants * ClustersPerTenant} clusters (3,000 pods) asked for through `ClusterService.CreateAsync` while the hosted service " +
        $"(`AddProvisioning`, default options: 4 workers, poll 2 s, resync 300 s, Lease 15 s; each create signalled through `ClusterWrites`) ran; all Running {converged.TotalSeconds:F0} s after the first create."));
    report.Add("");
    report.Add("| Measure | Calls |");
    report.Add("|---|---:|");
    report.Add(string.Create(CultureInfo.InvariantCulture, $"| Per cluster create, Requested to Running (every pass the watches triggered, no Lease or watch traffic) | {createWork / (double)(Tenants * ClustersPerTenant):F1} |"));
    report.Add(string.Create(CultureInfo.InvariantCulture, $"| Per idle minute, all kinds | {idle.Values.Sum() * 60.0 / idleSeconds:F0} |"));
    report.Add(string.Create(CultureInfo.InvariantCulture, $"| Per idle minute, leaving out the Lease and watch reconnections | {idle.Where(c => !ApiCallCounter.IsBackground(c.Key)).Sum(c => c.Value) * 60.0 / idleSeconds:F0} |"));
    report.Add("");
    // Each cluster pass that gets as far as observing lists the namespace's events once, and each tenant pass
    // applies its namespace once, so those two counts say how many passes the calls came from.
    report.Add(string.Create(CultureInfo.InvariantCulture,
        $"Passes behind them: {createCalls.GetValueOrDefault("list events") / (double)(Tenants * ClustersPerTenant):F1} cluster passes per cluster " +
        $"and {createCalls.GetValueOrDefault("apply namespaces") / (double)Tenants:F1} tenant passes per tenant."));
    report.Add("");
    report.Add($"Creating, by call: {Describe(createCalls)}.");
    report.Add("");
    report.Add($"Idle {idleSeconds} s, by call: {(idle.Count == 0 ? "none" : Describe(idle))}.");
    report.Add("");

    // (c) The periodic resync, as the leader runs it every ResyncSeconds: tenant lists, then cluster lists and sweep.
    var cpu = new List<double>();
    var wall = new List<double>();
    var calls = new List<int>();
    var rawCpu = new List<double>();
    for (var i = -1; i < repetitions; i++)   // one warm-up
    {
        world.Counter.Reset();
        var (cpuTime, elapsed, needing) = await MeasureCpuAsync(async () =>
        {
            var t = await tenantResync.NeedingWorkAsync(CancellationToken.None);
            var c = await resync.RunAsync(CancellationToken.None);
            return t.Count + c.NeedingWork.Count + c.OrphansDeleted;
        });
        if (needing != 0)
        {
            throw new InvalidOperationException($"A converged world's resync found {needing} things to do.");
        }

        var (raw, _, _) = await MeasureCpuAsync(() => ListRawAsync(world.Sandbox.BaseAddress));
        if (i >= 0)
        {
            cpu.Add(cpuTime);
            wall.Add(elapsed);
            calls.Add(world.Counter.Total);
            rawCpu.Add(raw);
        }
    }

    report.Add("### (c) CPU time of a full resync");
    report.Add("");
    report.Add($"{repetitions} resyncs of the converged {Tenants * ClustersPerTenant} clusters and {Tenants} tenants (`TenantResync.NeedingWorkAsync` then " +
        $"`ClusterResync.RunAsync`: {calls[0]} list calls each, nothing found to do), process CPU time (user + system) around each:");
    report.Add("");
    report.Add("| Measure | Median | p90 |");
    report.Add("|---|---:|---:|");
    report.Add(Row("Resync, process CPU time (portal and in-process sandbox)", cpu));
    report.Add(Row("Resync, wall time", wall));
    report.Add(Row("The same 11 lists as raw HTTP bytes, process CPU (the sandbox's and transport's share)", rawCpu));
    report.Add("");
}

// The provisioning service as the portal hosts it: AddProvisioning with default options, and writes as the
// process's signal of API writes.
static async Task<IHost> StartServiceAsync(World world, ClusterWrites writes)
{
    var builder = Host.CreateApplicationBuilder(new HostApplicationBuilderSettings { DisableDefaults = true });
    builder.Logging.AddSimpleConsole().SetMinimumLevel(LogLevel.Warning);
    builder.Services.AddSingleton(world.Dbs);
    // Registered before AddProvisioning, whose TryAdd keeps it: the portal's own connection, counted.
    builder.Services.AddSingleton(world.Connection);
    builder.Services.AddSingleton(writes);
    builder.AddProvisioning();
    var host = builder.Build();
    await host.StartAsync();
    // A host started after another one in the same world waits for that one's Lease to expire (up to 15 s):
    // measuring before it leads would time the election, not provisioning.
    var service = host.Services.GetRequiredService<ProvisioningService>();
    await WaitUntilAsync(() => Task.FromResult(service.IsLeader), TimeSpan.FromMinutes(1), "the Lease", TimeSpan.FromMilliseconds(100));
    return host;
}

static string Plural(string kind) => kind switch
{
    "ConfigMap" => "configmaps",
    "Service" => "services",
    "Deployment" => "deployments",
    "NetworkPolicy" => "networkpolicies",
    _ => throw new NotSupportedException($"No plural known for {kind}."),
};

static async Task ExpectAllObjectsAsync(IKubernetes client, Cluster cluster, string @namespace)
{
    var selector = $"{Labels.ClusterId}={cluster.Id}";
    var found = (await client.CoreV1.ListNamespacedConfigMapAsync(@namespace, labelSelector: selector)).Items.Select(o => ("ConfigMap", o.Metadata.Name))
        .Concat((await client.CoreV1.ListNamespacedServiceAsync(@namespace, labelSelector: selector)).Items.Select(o => ("Service", o.Metadata.Name)))
        .Concat((await client.AppsV1.ListNamespacedDeploymentAsync(@namespace, labelSelector: selector)).Items.Select(o => ("Deployment", o.Metadata.Name)))
        .Concat((await client.NetworkingV1.ListNamespacedNetworkPolicyAsync(@namespace, labelSelector: selector)).Items.Select(o => ("NetworkPolicy", o.Metadata.Name)))
        .ToHashSet();
    if (!found.SetEquals(ClusterManifests.ObjectNames(cluster)))
    {
        throw new InvalidOperationException($"Cluster {cluster.Name} has [{string.Join(", ", found)}], not every object of its manifests.");
    }
}

// The same spec under another name and id, so the direct apply creates objects rather than finding them.
static Cluster ASparkClusterLike(Cluster cluster, string name) => new()
{
    TenantId = cluster.TenantId,
    Name = name,
    Owner = cluster.Owner,
    Spec = cluster.Spec,
    CreatedAt = cluster.CreatedAt,
    ExpiresAt = cluster.ExpiresAt,
};

static async Task ApplyDirectlyAsync(IKubernetes client, Cluster cluster, string @namespace, bool concurrently)
{
    const string manager = KubernetesApi.FieldManager;
    var rootObject = ClusterManifests.Root(cluster, @namespace);
    var root = await client.CoreV1.PatchNamespacedConfigMapAsync(new V1Patch(rootObject, V1Patch.PatchType.ApplyPatch), rootObject.Metadata.Name, @namespace, fieldManager: manager, force: true);
    async Task<object> ApplyAsync(IKubernetesObject<V1ObjectMeta> child)
    {
        var patch = new V1Patch(child, V1Patch.PatchType.ApplyPatch);
        var name = child.Metadata.Name;
        return child switch
        {
            V1Service => await client.CoreV1.PatchNamespacedServiceAsync(patch, name, @namespace, fieldManager: manager, force: true),
            V1Deployment => await client.AppsV1.PatchNamespacedDeploymentAsync(patch, name, @namespace, fieldManager: manager, force: true),
            V1NetworkPolicy => await client.NetworkingV1.PatchNamespacedNetworkPolicyAsync(patch, name, @namespace, fieldManager: manager, force: true),
            _ => throw new NotSupportedException($"No direct apply for {child.Kind}."),
        };
    }

    var children = ClusterManifests.Children(cluster, @namespace, ClusterManifests.OwnerReference(root));
    if (concurrently)
    {
        await Task.WhenAll(children.Select(ApplyAsync));
        return;
    }

    foreach (var child in children)
        await ApplyAsync(child);
}

// The resync's eleven lists, read as bytes without deserialising: what serving them costs in this process.
static async Task<int> ListRawAsync(Uri server)
{
    const string selector = "?labelSelector=app.kubernetes.io%2Fmanaged-by%3Dspark-portal";
    using var http = new HttpClient { BaseAddress = server };
    string[] paths =
    [
        "/api/v1/namespaces", "/api/v1/resourcequotas", "/api/v1/limitranges", "/api/v1/serviceaccounts",
        "/apis/networking.k8s.io/v1/networkpolicies", "/apis/rbac.authorization.k8s.io/v1/roles", "/apis/rbac.authorization.k8s.io/v1/rolebindings",
        "/api/v1/configmaps", "/apis/apps/v1/deployments", "/api/v1/services", "/apis/networking.k8s.io/v1/networkpolicies",
    ];
    var bytes = 0;
    foreach (var path in paths)
    {
        bytes += (await http.GetByteArrayAsync(path + selector)).Length;
    }

    return bytes;
}

static async Task<(double CpuMs, double WallMs, int Result)> MeasureCpuAsync(Func<Task<int>> action)
{
    GC.Collect();
    GC.WaitForPendingFinalizers();
    using var process = Process.GetCurrentProcess();
    process.Refresh();
    var cpuBefore = process.TotalProcessorTime;
    var started = Stopwatch.GetTimestamp();
    var result = await action();
    var wall = Stopwatch.GetElapsedTime(started);
    process.Refresh();
    return ((process.TotalProcessorTime - cpuBefore).TotalMilliseconds, wall.TotalMilliseconds, result);
}

// Quiet: no reconcile work (Lease and watch traffic aside) for five seconds.
static async Task WaitForQuietAsync(ApiCallCounter counter)
{
    var last = -1;
    while (counter.Work != last)
    {
        last = counter.Work;
        await Task.Delay(TimeSpan.FromSeconds(5));
    }
}

static Task WaitUntilAsync(Func<Task<bool>> condition, TimeSpan limit, string what, TimeSpan? every = null) =>
    Eventually.HoldsAsync(condition, what, limit, every ?? TimeSpan.FromSeconds(1));

static string Describe(IReadOnlyDictionary<string, int> calls) =>
    string.Join(", ", calls.OrderByDescending(c => c.Value).ThenBy(c => c.Key, StringComparer.Ordinal).Select(c => $"{c.Key} {c.Value}"));

static string Row(string name, List<double> values) =>
    string.Create(CultureInfo.InvariantCulture, $"| {name} | {Median(values):F2} ms | {Percentile(values, 0.9):F2} ms |");

static double Median(List<double> values) => Percentile(values, 0.5);

static double Percentile(List<double> values, double p)
{
    var sorted = values.Order().ToList();
    return sorted[(int)Math.Min(sorted.Count - 1, Math.Floor(p * sorted.Count))];
}

// The machine is shared; the load says how much the figures were disturbed.
static string LoadAverage() => File.Exists("/proc/loadavg") ? string.Join(' ', File.ReadAllText("/proc/loadavg").Split(' ').Take(3)) : "unknown";

int Option(string name, int fallback)
{
    var at = Array.IndexOf(args, name);
    return at >= 0 && at + 1 < args.Length ? int.Parse(args[at + 1], CultureInfo.InvariantCulture) : fallback;
}
