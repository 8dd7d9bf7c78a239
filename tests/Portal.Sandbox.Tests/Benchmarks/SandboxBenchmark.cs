#:project ../../../src/Portal.Sandbox/Portal.Sandbox.csproj
#:package KubernetesClient
#:property PublishAot=false
#:property IsTestProject=false

// Measures the sandbox the way the issue measured a real kube-apiserver: through KubernetesClient over loopback
// HTTP, with 10,000 ConfigMaps stored (1,000 namespaces x 10 objects, one "cluster" per namespace), and prints
// medians next to the real server's figures and the target (half of them).
//   dotnet run tests/Portal.Sandbox.Tests/Benchmarks/SandboxBenchmark.cs -c Release
using System.Diagnostics;
using System.Globalization;
using System.Threading.Channels;
using k8s;
using k8s.Models;
using Portal.Sandbox;

const int Namespaces = 1000;
const int PerNamespace = 10;
const string InstanceLabel = "app.kubernetes.io/instance";

await using var sandbox = await KubeSandbox.StartAsync(new SandboxOptions { WatchHistoryLimit = 1000 });
using var client = new Kubernetes(new KubernetesClientConfiguration { Host = sandbox.BaseAddress.ToString() });

var seeding = Stopwatch.StartNew();
await Parallel.ForEachAsync(Enumerable.Range(0, Namespaces), new ParallelOptions { MaxDegreeOfParallelism = 8 }, async (n, ct) =>
{
    var ns = $"tenant-{n:D4}";
    await client.CoreV1.CreateNamespaceAsync(new V1Namespace { Metadata = new V1ObjectMeta { Name = ns } }, cancellationToken: ct);
    for (var i = 0; i < PerNamespace; i++)
        await client.CoreV1.CreateNamespacedConfigMapAsync(new V1ConfigMap
        {
            Metadata = new V1ObjectMeta { Name = $"cm-{i}", Labels = new Dictionary<string, string> { [InstanceLabel] = $"cluster-{n:D4}", ["app.kubernetes.io/managed-by"] = "spark-portal" } },
            Data = new Dictionary<string, string> { ["spark-defaults.conf"] = new string('x', 256) },
        }, ns, cancellationToken: ct);
});
Console.WriteLine($"Seeded {Namespaces * PerNamespace} ConfigMaps in {seeding.Elapsed.TotalSeconds:F1} s");

var results = new List<(string Name, double RealMs, double Median)>();

results.Add(("Label-selected list, one namespace (10 of 10,000)", 1.2, await Median(300, async i =>
{
    var n = i % Namespaces;
    var list = await client.CoreV1.ListNamespacedConfigMapAsync($"tenant-{n:D4}", labelSelector: $"{InstanceLabel}=cluster-{n:D4}");
    Check(list.Items.Count == PerNamespace, "namespaced list size");
})));

results.Add(("Same selector, all namespaces", 11, await Median(100, async i =>
{
    var list = await client.CoreV1.ListConfigMapForAllNamespacesAsync(labelSelector: $"{InstanceLabel}=cluster-{i % Namespaces:D4}");
    Check(list.Items.Count == PerNamespace, "cluster-wide list size");
})));

results.Add(("Full list of 10,000 ConfigMaps", 220, await Median(15, async _ =>
{
    var list = await client.CoreV1.ListConfigMapForAllNamespacesAsync();
    Check(list.Items.Count == Namespaces * PerNamespace, "full list size");
})));

// The same list read as raw bytes: separates the server's share from KubernetesClient's deserialisation.
using (var raw = new HttpClient { BaseAddress = sandbox.BaseAddress })
{
    var rawMedian = await Median(15, async _ => await raw.GetByteArrayAsync("/api/v1/configmaps"));
    Console.WriteLine(string.Create(CultureInfo.InvariantCulture, $"Full list as raw HTTP bytes (no deserialisation): {rawMedian:F2} ms median"));
    var body = await raw.GetStringAsync("/api/v1/configmaps");
    var deser = await Median(15, _ => { KubernetesJson.Deserialize<V1ConfigMapList>(body); return Task.CompletedTask; });
    Console.WriteLine(string.Create(CultureInfo.InvariantCulture, $"KubernetesJson.Deserialize of that list alone: {deser:F2} ms median ({body.Length} chars)"));
}

await client.CoreV1.CreateNamespaceAsync(new V1Namespace { Metadata = new V1ObjectMeta { Name = "bench-watch" } });
var events = Channel.CreateUnbounded<string>();
var start = await client.CoreV1.ListNamespacedConfigMapAsync("bench-watch");
using (client.CoreV1.WatchListNamespacedConfigMap("bench-watch", resourceVersion: start.Metadata.ResourceVersion,
    onEvent: (type, cm) => { if (type == WatchEventType.Added) events.Writer.TryWrite(cm.Metadata.Name); }))
{
    results.Add(("Create to watch event", 3, await Median(300, async i =>
    {
        await client.CoreV1.CreateNamespacedConfigMapAsync(new V1ConfigMap { Metadata = new V1ObjectMeta { Name = $"w-{i}" } }, "bench-watch");
        while (await events.Reader.ReadAsync() != $"w-{i}") { }
    })));
}

V1Patch Apply(string name) => new(KubernetesJson.Serialize(new V1ConfigMap
{
    ApiVersion = "v1",
    Kind = "ConfigMap",
    Metadata = new V1ObjectMeta { Name = name, NamespaceProperty = "tenant-0000", Labels = new Dictionary<string, string> { [InstanceLabel] = "cluster-0000" } },
    Data = new Dictionary<string, string> { ["spark-defaults.conf"] = new string('y', 256) },
}), V1Patch.PatchType.ApplyPatch);

results.Add(("Server-side apply, new object", 6, await Median(300, i =>
    client.CoreV1.PatchNamespacedConfigMapAsync(Apply($"applied-{i}"), $"applied-{i}", "tenant-0000", fieldManager: "spark-portal", force: true))));

var baseline = await client.CoreV1.PatchNamespacedConfigMapAsync(Apply("applied-0"), "applied-0", "tenant-0000", fieldManager: "spark-portal", force: true);
results.Add(("Server-side apply, unchanged", 3, await Median(300, async _ =>
{
    var again = await client.CoreV1.PatchNamespacedConfigMapAsync(Apply("applied-0"), "applied-0", "tenant-0000", fieldManager: "spark-portal", force: true);
    Check(again.Metadata.ResourceVersion == baseline.Metadata.ResourceVersion, "unchanged apply kept its resourceVersion");
})));

Console.WriteLine();
Console.WriteLine("| Operation (median) | Real kube-apiserver | Target (half) | Sandbox | |");
Console.WriteLine("|---|---:|---:|---:|---|");
foreach (var (name, real, median) in results)
    Console.WriteLine(string.Create(CultureInfo.InvariantCulture, $"| {name} | {real} ms | {real / 2} ms | {median:F2} ms | {(median <= real / 2 ? "ok" : "MISSED")} |"));

static async Task<double> Median(int iterations, Func<int, Task> op)
{
    for (var i = 0; i < Math.Min(20, iterations); i++) await op(iterations + i);   // warm-up
    var samples = new double[iterations];
    for (var i = 0; i < iterations; i++)
    {
        var sw = Stopwatch.StartNew();
        await op(i);
        samples[i] = sw.Elapsed.TotalMilliseconds;
    }
    Array.Sort(samples);
    return samples[iterations / 2];
}

static void Check(bool ok, string what)
{
    if (!ok) throw new InvalidOperationException($"Benchmark sanity check failed: {what}");
}
