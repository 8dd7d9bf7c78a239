// Measures provisioning on the sandbox, as issue 5 item 7 asks, and prints Markdown for docs/provisioning-benchmarks.md:
//   (a) time from the create API's 202 to every object applied by the reconciler's first pass, against applying
//       the same manifests directly with KubernetesClient, as a ratio;
//   (b) Kubernetes API calls per cluster create, and per Running cluster per minute once converged, with 1,000
//       clusters across 100 tenants (a Running cluster is looked at every SparkStatusSeconds, so it is never idle);
//   (c) process CPU time of a full resync at that size.
// The database is PostgreSQL (a throwaway server, as the tests start; PORTAL_TEST_POSTGRES names an existing one).
//   dotnet run -c Release --project tests/Portal.Benchmarks -- [--samples 30] [--end-to-end-samples 10] [--repetitions 7] [--idle-seconds 60] [--first-pass-only]
// --idle-seconds is the steady-state window of (b); it must span at least one SparkStatusSeconds period (30 s).
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
// The hosted service runs with default options and no configuration source, so this is its period: every Running
// cluster is reconciled again, Spark's status read included, this often.
var sparkStatus = TimeSpan.FromSeconds(new KubernetesOptions().SparkStatusSeconds);
if (idleSeconds < sparkStatus.TotalSeconds)
{
    // A shorter window would catch some clusters' periodic look and miss others', depending on where it falls.
    Console.Error.WriteLine($"--idle-seconds {idleSeconds} is shorter than one SparkStatusSeconds period ({sparkStatus.TotalSeconds:F0} s); give at least that.");
    Environment.ExitCode = 2;
    return;
}

var report = new List<string>();
var run = Stopwatch.StartNew();
var loadAtStart = LoadAverage();

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
        $"load average at the start {loadAtStart}, at the end {LoadAverage()}"));
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

    // A later whole pass of a cluster whose pods are up: what every watch event costs; then the periodic look after it.
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
    world.Counter.Reset();
    await clusters.LookAsync(settled.Id, CancellationToken.None);
    var look = world.Counter.Snapshot();

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
    report.Add($"API calls of the first pass: {firstPassCalls[0]} ({callRange}); a later whole pass of a running cluster: {laterPass.Values.Sum()} ({Describe(laterPass)}); the periodic look after it: {look.Values.Sum()} ({Describe(look)})");
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
    var created = new List<(Cluster Cluster, string Namespace)>();
    foreach (var tenant in tenants)
    {
        for (var i = 0; i < ClustersPerTenant; i++)
        {
            created.Add((await world.CreateClusterAsync(tenant, $"spark-{i}"), tenant.Namespace));
        }
    }

    Console.WriteLine(string.Create(CultureInfo.InvariantCulture, $"Asked for {Tenants * ClustersPerTenant} clusters in {creating.Elapsed.TotalSeconds:F1} s; waiting for Running"));
    await WaitForRunningAsync(world, Tenants * ClustersPerTenant, creating);
    var allRunning = creating.Elapsed;
    Console.WriteLine(string.Create(CultureInfo.InvariantCulture, $"All Running {allRunning.TotalSeconds:F0} s after the first create; waiting for the periodic rate"));
    var convergence = await WaitForSteadyAsync(world.Counter, created, sparkStatus, creating);
    var convergedAt = DateTimeOffset.UtcNow;
    var createCalls = world.Counter.Snapshot();
    var runningSince = await world.RunningSinceAsync();

    // Steady state: every cluster Running, each looked at once per SparkStatusSeconds.
    var runningBefore = await world.CountAsync(ClusterPhase.Running);
    world.Counter.Reset();
    await Task.Delay(TimeSpan.FromSeconds(idleSeconds));
    var idle = world.Counter.Snapshot();
    var runningAfter = await world.CountAsync(ClusterPhase.Running);
    await host.StopAsync();

    var clusterCount = Tenants * ClustersPerTenant;
    var clusterMinutes = runningAfter * idleSeconds / 60.0;
    double PerClusterMinute(int calls) => calls / clusterMinutes;
    var steadyWork = PerClusterMinute(Work(idle));
    // Whole passes list the events once each; a look reads only Spark. The benchmark's clusters have no Connect, so a
    // look is one Spark status read and every whole pass of a Running cluster makes one too.
    var steadyPasses = PerClusterMinute(idle.GetValueOrDefault("list events"));
    var steadyLooks = PerClusterMinute(idle.GetValueOrDefault(ApiCallCounter.SparkStatusRead) - idle.GetValueOrDefault("list events"));
    // Periodic looks inside the create window: each cluster is looked at once per interval after the pass that found
    // it Running, so it had floor((converged - RunningSince) / interval) of them; the interval and the calls of one
    // look are the steady state's. An estimate: a watch-triggered pass after Running restarts a cluster's interval.
    var interval = 60.0 / (steadyLooks + steadyPasses);
    var periodicLooks = runningSince.Sum(r => Math.Floor((convergedAt - r).TotalSeconds / interval));
    var callsPerLook = steadyWork / (steadyLooks + steadyPasses);
    var createWork = Work(createCalls);
    double PerCreate(double calls) => calls / clusterCount;
    static string At(TimeSpan? elapsed) => elapsed is { } e ? string.Create(CultureInfo.InvariantCulture, $"by {e.TotalSeconds:F0} s") : "never";

    report.Add("### (b) API calls");
    report.Add("");
    report.Add(string.Create(CultureInfo.InvariantCulture,
        $"{Tenants} tenants, {clusterCount} clusters (3,000 pods) asked for through `ClusterService.CreateAsync` while the hosted service " +
        $"(`AddProvisioning`, default options: 4 workers, poll 2 s, resync 300 s, Lease 15 s, Spark status every {sparkStatus.TotalSeconds:F0} s; each create signalled through `ClusterWrites`) ran. " +
        $"All Running {allRunning.TotalSeconds:F0} s after the first create; every cluster's Spark status read again since then {At(convergence.LookedAgain)}; " +
        $"the reconcile call rate settled (two {sparkStatus.TotalSeconds:F0} s windows within 10 %) {At(convergence.Settled)}: " +
        $"{(convergence.Problem is null ? "converged" : "gave up")} {convergence.Elapsed.TotalSeconds:F0} s after the first create."));
    report.Add("");
    if (convergence.Problem is { } problem)
    {
        report.Add($"**Not converged**: {problem}. The figures below were taken anyway.");
        report.Add("");
    }

    report.Add("| Measure | Calls |");
    report.Add("|---|---:|");
    report.Add(string.Create(CultureInfo.InvariantCulture, $"| Per cluster create, first create to convergence (every pass, no Lease or watch traffic) | {PerCreate(createWork):F1} |"));
    report.Add(string.Create(CultureInfo.InvariantCulture, $"| … of which Spark status reads (`{ApiCallCounter.SparkStatusRead}`, the master's `json/`) | {PerCreate(createCalls.GetValueOrDefault(ApiCallCounter.SparkStatusRead)):F1} |"));
    report.Add(string.Create(CultureInfo.InvariantCulture, $"| … of which periodic looks at clusters already Running (estimate: {PerCreate(periodicLooks):F1} looks of {callsPerLook:F1} calls) | {PerCreate(periodicLooks * callsPerLook):F1} |"));
    report.Add(string.Create(CultureInfo.InvariantCulture, $"| Per cluster create, Requested to Running, without those periodic looks (estimate) | **{PerCreate(createWork - periodicLooks * callsPerLook):F1}** |"));
    report.Add(string.Create(CultureInfo.InvariantCulture, $"| Whole cluster passes per cluster, to convergence (looks not counted) | {PerCreate(createCalls.GetValueOrDefault("list events")):F1} |"));
    report.Add(string.Create(CultureInfo.InvariantCulture, $"| Tenant passes per tenant while its 10 clusters are created | {createCalls.GetValueOrDefault("apply namespaces") / (double)Tenants:F1} |"));
    report.Add(string.Create(CultureInfo.InvariantCulture, $"| Per Running cluster per minute, steady, leaving out the Lease and watch reconnections | **{steadyWork:F2}** |"));
    report.Add(string.Create(CultureInfo.InvariantCulture, $"| … of which Spark status reads (`{ApiCallCounter.SparkStatusRead}`) | {PerClusterMinute(idle.GetValueOrDefault(ApiCallCounter.SparkStatusRead)):F2} |"));
    report.Add(string.Create(CultureInfo.InvariantCulture, $"| Looks and whole passes per Running cluster per minute (60 / SparkStatusSeconds = {60 / sparkStatus.TotalSeconds:F0} if it keeps up) | {steadyLooks:F2} and {steadyPasses:F2} |"));
    report.Add(string.Create(CultureInfo.InvariantCulture, $"| Per Running cluster per minute, all kinds | {PerClusterMinute(idle.Values.Sum()):F2} |"));
    report.Add(string.Create(CultureInfo.InvariantCulture, $"| Per minute for all {runningAfter} clusters, all kinds | {idle.Values.Sum() * 60.0 / idleSeconds:F0} |"));
    report.Add(string.Create(CultureInfo.InvariantCulture, $"| Per minute, the Lease and watch reconnections only (independent of cluster count) | {(idle.Values.Sum() - Work(idle)) * 60.0 / idleSeconds:F0} |"));
    report.Add("");
    // Each cluster pass that gets as far as observing lists the namespace's events once, and each tenant pass
    // applies its namespace once, so those two counts say how many passes the calls came from.
    report.Add($"Spark status reads are the `{ApiCallCounter.SparkStatusRead}` calls: GETs through the API server's service proxy to the master's " +
        "`json/` (`SparkEndpoint`); every other call is the reconciler's own (applies, prune lists, observation). " +
        "Whole passes are counted by `list events` (one per cluster pass that observes), periodic looks (`ClusterReconciler.LookAsync`, " +
        "a Spark status read only) by the Spark status reads beyond those, tenant passes by `apply namespaces`.");
    report.Add("");
    report.Add($"First create to convergence, by call: {Describe(createCalls)}.");
    report.Add("");
    report.Add(string.Create(CultureInfo.InvariantCulture,
        $"Steady state, {idleSeconds} s with {runningBefore} clusters Running at the start and {runningAfter} at the end, per Running cluster per minute, by call: " +
        $"{(idle.Count == 0 ? "none" : string.Join(", ", idle.OrderByDescending(c => c.Value).ThenBy(c => c.Key, StringComparer.Ordinal).Select(c => string.Create(CultureInfo.InvariantCulture, $"{c.Key} {PerClusterMinute(c.Value):F2}"))))} " +
        $"(in all: {Describe(idle)})."));
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

// Quiet: no reconcile work (Lease and watch traffic aside) for five seconds. Only for a few clusters: a Running
// cluster is looked at every SparkStatusSeconds, so quiet comes only between those looks, while they are in step
// (a host that starts queues every row at once); 1,000 clusters created over a minute never leave such a gap.
static async Task WaitForQuietAsync(ApiCallCounter counter)
{
    var limit = Stopwatch.StartNew();
    var last = -1;
    while (counter.Work != last)
    {
        if (limit.Elapsed > TimeSpan.FromMinutes(2))
        {
            throw new TimeoutException($"The API was never quiet for 5 s in {limit.Elapsed.TotalSeconds:F0} s ({counter.Work} reconcile calls): too many Running clusters looked at out of step.");
        }

        last = counter.Work;
        await Task.Delay(TimeSpan.FromSeconds(5));
    }
}

// All clusters Running, with progress every 30 s: on a loaded machine the periodic looks at the clusters already
// Running share the 4 workers with the passes of those still starting, so this can take minutes.
static async Task WaitForRunningAsync(World world, int clusters, Stopwatch sinceFirstCreate)
{
    var limit = TimeSpan.FromMinutes(12);
    var reported = TimeSpan.Zero;
    while (true)
    {
        var running = await world.CountAsync(ClusterPhase.Running);
        if (running == clusters)
        {
            return;
        }

        var elapsed = sinceFirstCreate.Elapsed;
        if (elapsed > limit)
        {
            throw new TimeoutException(string.Create(CultureInfo.InvariantCulture,
                $"Only {running} of {clusters} clusters Running {elapsed.TotalSeconds:F0} s after the first create ({world.Counter.Work} reconcile calls so far, load average {LoadAverage()})."));
        }

        if (elapsed - reported >= TimeSpan.FromSeconds(30))
        {
            reported = elapsed;
            Console.WriteLine(string.Create(CultureInfo.InvariantCulture,
                $"{running} of {clusters} Running after {elapsed.TotalSeconds:F0} s ({world.Counter.Work} reconcile calls, load average {LoadAverage()})"));
        }

        await Task.Delay(TimeSpan.FromSeconds(1));
    }
}

// Converged, once every cluster is Running: (1) each cluster's Spark status has been read again since then, so every
// one is in its periodic cycle, and (2) the reconcile calls of the last period are within 10 % of those of the period
// before, so the rate has settled to the periodic one (it cannot fall to zero). Sampled once a second from the moment
// all were Running, so both windows lie after it; gives up after ten periods and says which condition failed.
static async Task<Convergence> WaitForSteadyAsync(ApiCallCounter counter, List<(Cluster Cluster, string Namespace)> clusters, TimeSpan period, Stopwatch sinceFirstCreate)
{
    var allRunning = Stopwatch.GetTimestamp();
    var samples = new List<(long At, int Work)> { (allRunning, counter.Work) };
    TimeSpan? lookedAgain = null;
    TimeSpan? settled = null;
    (int Last, int Before)? windows = null;
    while (true)
    {
        await Task.Delay(TimeSpan.FromSeconds(1));
        var now = Stopwatch.GetTimestamp();
        samples.Add((now, counter.Work));
        lookedAgain ??= clusters.All(c => counter.LastMasterStatusRead(c.Namespace, ClusterManifests.MasterName(c.Cluster)) > allRunning) ? sinceFirstCreate.Elapsed : null;
        var oneBack = samples.FindLast(s => Stopwatch.GetElapsedTime(s.At, now) >= period);
        var twoBack = samples.FindLast(s => Stopwatch.GetElapsedTime(s.At, now) >= 2 * period);
        if (twoBack.At != 0)
        {
            windows = (samples[^1].Work - oneBack.Work, oneBack.Work - twoBack.Work);
            settled ??= Math.Abs(windows.Value.Last - windows.Value.Before) <= 0.1 * windows.Value.Last ? sinceFirstCreate.Elapsed : null;
        }

        if (lookedAgain is not null && settled is not null)
        {
            return new Convergence(sinceFirstCreate.Elapsed, lookedAgain, settled, null);
        }

        if (Stopwatch.GetElapsedTime(allRunning, now) > 10 * period)
        {
            var missing = clusters.Count(c => !(counter.LastMasterStatusRead(c.Namespace, ClusterManifests.MasterName(c.Cluster)) > allRunning));
            var problem = string.Join("; ", new[]
            {
                lookedAgain is null ? $"{missing} clusters' Spark status was not read again in {(10 * period).TotalSeconds:F0} s after all were Running" : null,
                settled is null ? $"the reconcile calls of the last two {period.TotalSeconds:F0} s windows never came within 10 % of each other (last {windows?.Last}, before it {windows?.Before})" : null,
            }.OfType<string>());
            Console.Error.WriteLine($"Not converged: {problem}");
            return new Convergence(sinceFirstCreate.Elapsed, lookedAgain, settled, problem);
        }
    }
}

static int Work(IReadOnlyDictionary<string, int> calls) => calls.Where(c => !ApiCallCounter.IsBackground(c.Key)).Sum(c => c.Value);

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

// When (b) counted its world as converged, from the first create, and why not if it gave up.
internal sealed record Convergence(TimeSpan Elapsed, TimeSpan? LookedAgain, TimeSpan? Settled, string? Problem);
