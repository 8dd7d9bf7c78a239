#:project ../../../src/Portal.Sandbox/Portal.Sandbox.csproj
#:project ../../../src/Portal.Provisioning/Portal.Provisioning.csproj
#:package KubernetesClient
#:property PublishAot=false
#:property IsTestProject=false

// Port-forward through the sandbox next to a direct loopback connection to the same echo server: throughput (64 MiB
// echoed) and small round trips (1 byte, 2,000 times, median), via PortForwardStream, KubernetesClient's StreamDemuxer
// and kubectl port-forward (WebSocket tunnel and SPDY upgrade). Figures are ratios to the direct connection.
//   dotnet run tests/Portal.Sandbox.Tests/Benchmarks/PortForwardBenchmark.cs -c Release
using System.Diagnostics;
using System.Globalization;
using System.Net;
using System.Net.Sockets;
using System.Text.Json.Nodes;
using k8s;
using k8s.Models;
using Portal.Provisioning.Kubernetes;
using Portal.Sandbox;
using Portal.Sandbox.Api;

var echo = new TcpListener(IPAddress.Loopback, 0);
echo.Start();
var echoPort = ((IPEndPoint)echo.LocalEndpoint).Port;
_ = Task.Run(async () =>
{
    while (true)
    {
        var c = await echo.AcceptTcpClientAsync();
        c.NoDelay = true;
        _ = Task.Run(async () => { using (c) { try { await c.GetStream().CopyToAsync(c.GetStream()); } catch (IOException) { } } });
    }
});

async Task<Stream> Direct()
{
    var tcp = new TcpClient { NoDelay = true };
    await tcp.ConnectAsync(IPAddress.Loopback, echoPort);
    return tcp.GetStream();
}

await using var sandbox = await KubeSandbox.StartAsync(new SandboxOptions { PodStartDelay = TimeSpan.FromMilliseconds(100) });
sandbox.PodDialer = async (JsonObject pod, int port, CancellationToken ct) => await Direct();
using var client = new Kubernetes(new KubernetesClientConfiguration { Host = sandbox.BaseAddress.ToString() });
await client.CoreV1.CreateNamespacedPodAsync(new V1Pod
{
    Metadata = new V1ObjectMeta { Name = "echo" },
    Spec = new V1PodSpec { Containers = [new V1Container { Name = "echo", Image = "busybox:1.36" }] },
}, "default");
while ((await client.CoreV1.ReadNamespacedPodAsync("echo", "default")).Status?.Phase != "Running") await Task.Delay(50);

var kubeconfig = Path.Combine(Directory.CreateTempSubdirectory("pf-bench-").FullName, "kubeconfig");
await sandbox.WriteKubeconfigAsync(kubeconfig);

var routes = new List<(string Name, Func<Task<Stream>> Open, Action Done)>
{
    ("direct loopback TCP", Direct, () => { }),
    ("PortForwardStream", async () => await PortForwardStream.ConnectAsync(client, "default", "echo", 8080, CancellationToken.None), () => { }),
    ("StreamDemuxer", async () =>
    {
        var socket = await client.WebSocketNamespacedPodPortForwardAsync("echo", "default", [8080], "v4.channel.k8s.io");
        var demuxer = new StreamDemuxer(socket, StreamType.PortForward, ownsSocket: true);
        demuxer.Start();
        return demuxer.GetStream((byte?)0, (byte?)0);
    }, () => { }),
};
foreach (var (name, websockets) in new[] { ("kubectl (WebSocket tunnel)", "true"), ("kubectl (SPDY upgrade)", "false") })
{
    var local = FreePort();
    var psi = new ProcessStartInfo("kubectl", $"--kubeconfig {kubeconfig} port-forward --address 127.0.0.1 pod/echo {local}:8080")
    { RedirectStandardOutput = true, RedirectStandardError = true };
    psi.Environment["KUBECTL_PORT_FORWARD_WEBSOCKETS"] = websockets;
    var process = Process.Start(psi)!;
    while (!(await process.StandardOutput.ReadLineAsync() ?? "Forwarding").StartsWith("Forwarding", StringComparison.Ordinal)) { }
    routes.Add((name, async () =>
    {
        var tcp = new TcpClient { NoDelay = true };
        await tcp.ConnectAsync(IPAddress.Loopback, local);
        return tcp.GetStream();
    }, () => process.Kill()));
}

const int Bulk = 64 * 1024 * 1024;
const int Pings = 2000;
var payload = new byte[Bulk];
Random.Shared.NextBytes(payload);
Console.WriteLine($"| Route | 64 MiB echoed (s) | vs direct | 1-byte round trip, median (µs) | vs direct |");
Console.WriteLine("|---|---:|---:|---:|---:|");
double? bulkBase = null, pingBase = null;
foreach (var (name, open, done) in routes)
{
    // Warm up (JIT, connection set-up), then measure.
    await using (var warm = await open()) await EchoBulk(warm, 1024 * 1024);
    double bulk, ping;
    await using (var stream = await open()) bulk = await EchoBulk(stream, Bulk);
    await using (var stream = await open()) ping = await PingMedian(stream);
    bulkBase ??= bulk;
    pingBase ??= ping;
    Console.WriteLine(string.Create(CultureInfo.InvariantCulture,
        $"| {name} | {bulk:F2} | {bulk / bulkBase:F1}x | {ping:F0} | {ping / pingBase:F1}x |"));
    done();
}

async Task<double> EchoBulk(Stream stream, int length)
{
    var watch = Stopwatch.StartNew();
    var received = new byte[length];
    var reading = Task.Run(() => stream.ReadExactlyAsync(received).AsTask());
    for (var offset = 0; offset < length; offset += 64 * 1024)
        await stream.WriteAsync(payload.AsMemory(offset, Math.Min(64 * 1024, length - offset)));
    await reading;
    if (!received.AsSpan().SequenceEqual(payload.AsSpan(0, length))) throw new InvalidOperationException("corrupted");
    return watch.Elapsed.TotalSeconds;
}

async Task<double> PingMedian(Stream stream)
{
    var one = new byte[1];
    var times = new double[Pings];
    for (var i = 0; i < Pings; i++)
    {
        var watch = Stopwatch.StartNew();
        await stream.WriteAsync(one);
        await stream.ReadExactlyAsync(one);
        times[i] = watch.Elapsed.TotalMicroseconds;
    }
    Array.Sort(times);
    return times[Pings / 2];
}

static int FreePort()
{
    var probe = new TcpListener(IPAddress.Loopback, 0);
    probe.Start();
    var port = ((IPEndPoint)probe.LocalEndpoint).Port;
    probe.Stop();
    return port;
}
