using System.Net;
using System.Net.Sockets;
using System.Security.Cryptography;
using System.Text;
using System.Text.Json.Nodes;
using k8s;
using k8s.Models;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Hosting.Server;
using Microsoft.AspNetCore.Hosting.Server.Features;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Server.Kestrel.Core;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;
using Portal.Provisioning.Kubernetes;
using Portal.Sandbox;
using Portal.Sandbox.Api;
using Portal.Testing;

namespace Portal.Provisioning.Tests.Kubernetes;

/// <summary>
/// PortForwardStream against the sandbox's pods/portforward, whose pod ports are the test's own loopback servers
/// (behind the sandbox's dialer seam): 8080 echoes, 7070 says "bye" and hangs up, 9000 writes as fast as it may,
/// 15002 is an HTTP/2 cleartext server, anything else refuses.
/// </summary>
public sealed class PortForwardStreamTests : IAsyncLifetime
{
    const string Ns = "pf";
    const string Pod = "connect-0";
    static CancellationToken Ct => TestContext.Current.CancellationToken;

    readonly TcpServer _echo = new(async s => await s.CopyToAsync(s));
    readonly TcpServer _bye = new(async s => await s.WriteAsync("bye"u8.ToArray()));
    readonly TcpServer _firehose;
    long _fireHosed;
    WebApplication _h2 = null!;
    int _h2Port;
    KubeSandbox _sandbox = null!;
    k8s.Kubernetes _client = null!;

    public PortForwardStreamTests() => _firehose = new(async s =>
    {
        var chunk = new byte[64 * 1024];
        while (true)
        {
            await s.WriteAsync(chunk);
            Interlocked.Add(ref _fireHosed, chunk.Length);
        }
    });

    public async ValueTask InitializeAsync()
    {
        var builder = WebApplication.CreateSlimBuilder();
        builder.Logging.ClearProviders();
        builder.WebHost.ConfigureKestrel(k => k.Listen(IPAddress.Loopback, 0, o => o.Protocols = HttpProtocols.Http2));
        _h2 = builder.Build();
        _h2.MapGet("/", (HttpContext http) => $"answered over {http.Request.Protocol}");
        await _h2.StartAsync(Ct);
        _h2Port = new Uri(_h2.Services.GetRequiredService<IServer>().Features.Get<IServerAddressesFeature>()!.Addresses.First()).Port;

        _sandbox = await KubeSandbox.StartAsync(new SandboxOptions { PodStartDelay = TimeSpan.FromMilliseconds(100) }, Ct);
        _sandbox.PodDialer = Dial;
        _client = new k8s.Kubernetes(new KubernetesClientConfiguration { Host = _sandbox.BaseAddress.ToString() });
        await _client.CoreV1.CreateNamespaceAsync(new V1Namespace { Metadata = new V1ObjectMeta { Name = Ns } }, cancellationToken: Ct);
        await _client.CoreV1.CreateNamespacedPodAsync(new V1Pod
        {
            Metadata = new V1ObjectMeta { Name = Pod },
            Spec = new V1PodSpec { Containers = [new V1Container { Name = "connect", Image = "apache/spark:4.0.1" }] },
        }, Ns, cancellationToken: Ct);
        await Eventually.HoldsAsync(async () => (await _client.CoreV1.ReadNamespacedPodAsync(Pod, Ns, cancellationToken: Ct)).Status?.Phase == "Running",
            "the pod runs", every: TimeSpan.FromMilliseconds(25), ct: Ct);
    }

    public async ValueTask DisposeAsync()
    {
        _client.Dispose();
        await _sandbox.DisposeAsync();
        await _h2.DisposeAsync();
        _echo.Dispose();
        _bye.Dispose();
        _firehose.Dispose();
    }

    async ValueTask<Stream> Dial(JsonObject pod, int port, CancellationToken ct)
    {
        if (port == 15002)
        {
            var tcp = new TcpClient();
            await tcp.ConnectAsync(IPAddress.Loopback, _h2Port, ct);
            return tcp.GetStream();
        }
        var server = port switch { 8080 => _echo, 7070 => _bye, 9000 => _firehose, _ => null } ?? throw new PortRefusedException(pod, port);
        return await server.ConnectAsync(ct);
    }

    Task<PortForwardStream> Open(int port) => PortForwardStream.ConnectAsync(_client, Ns, Pod, port, Ct);

    static async Task<byte[]> ReadToEnd(Stream stream)
    {
        using var timeout = CancellationTokenSource.CreateLinkedTokenSource(Ct);
        timeout.CancelAfter(TimeSpan.FromSeconds(60));
        using var all = new MemoryStream();
        await stream.CopyToAsync(all, timeout.Token);
        return all.ToArray();
    }

    [Fact]
    public async Task Bytes_written_come_back_from_an_echoing_pod()
    {
        await using var stream = await Open(8080);
        await stream.WriteAsync("hello connect"u8.ToArray(), Ct);
        var answer = new byte[13];
        await stream.ReadExactlyAsync(answer, Ct);

        Assert.Equal("hello connect", Encoding.UTF8.GetString(answer));
    }

    [Fact]
    public async Task Megabytes_arrive_intact_and_in_order()
    {
        await using var stream = await Open(8080);
        var payload = RandomNumberGenerator.GetBytes(16 * 1024 * 1024);
        var received = new byte[payload.Length];
        using var timeout = CancellationTokenSource.CreateLinkedTokenSource(Ct);
        timeout.CancelAfter(TimeSpan.FromMinutes(3));
        var reading = stream.ReadExactlyAsync(received, timeout.Token).AsTask();
        for (var offset = 0; offset < payload.Length; offset += 100_000)
            await stream.WriteAsync(payload.AsMemory(offset, Math.Min(100_000, payload.Length - offset)), timeout.Token);
        await reading;

        Assert.Equal(SHA256.HashData(payload), SHA256.HashData(received));
    }

    [Fact]
    public async Task A_refused_port_reads_as_the_kubelets_error()
    {
        await using var stream = await Open(5555);

        var e = await Assert.ThrowsAsync<IOException>(() => ReadToEnd(stream));

        Assert.StartsWith("error forwarding port 5555 to pod ", e.Message);
    }

    [Fact]
    public async Task A_pod_that_hangs_up_reads_as_the_end_of_the_stream()
    {
        await using var stream = await Open(7070);

        Assert.Equal("bye", Encoding.UTF8.GetString(await ReadToEnd(stream)));
    }

    [Fact]
    public async Task Disposing_the_stream_closes_the_pods_connection()
    {
        var stream = await Open(8080);
        await stream.WriteAsync("x"u8.ToArray(), Ct);
        await stream.ReadExactlyAsync(new byte[1], Ct);

        await stream.DisposeAsync();

        await Eventually.HoldsAsync(() => _echo.Open == 0, "the echo server's connection closes", every: TimeSpan.FromMilliseconds(25), ct: Ct);
    }

    [Fact]
    public async Task A_reader_that_stops_reading_holds_the_pod_back()
    {
        await using var stream = await Open(9000);
        await stream.ReadExactlyAsync(new byte[1], Ct);

        // Wait until the pod's writes stall (the same count twice, half a second apart), then see how far it got.
        long before = 0;
        var stalled = await Eventually.TryAsync(async () =>
        {
            before = Interlocked.Read(ref _fireHosed);
            await Task.Delay(500, Ct);
            return Interlocked.Read(ref _fireHosed) == before;
        }, TimeSpan.FromSeconds(90), TimeSpan.Zero, Ct);
        if (!stalled) Assert.Fail($"the pod kept writing ({Interlocked.Read(ref _fireHosed)} bytes) while nobody read");

        Assert.True(before < 64 * 1024 * 1024, $"the pod wrote {before} bytes before it was held back");
    }

    [Fact]
    public async Task Http2_cleartext_runs_over_it_as_grpc_would()
    {
        using var handler = new SocketsHttpHandler
        {
            ConnectCallback = async (_, ct) => await PortForwardStream.ConnectAsync(_client, Ns, Pod, 15002, ct),
        };
        using var http = new HttpClient(handler) { DefaultRequestVersion = HttpVersion.Version20, DefaultVersionPolicy = HttpVersionPolicy.RequestVersionExact };

        var answers = await Task.WhenAll(Enumerable.Range(0, 3).Select(_ => http.GetStringAsync($"http://{Pod}.{Ns}:15002/", Ct)));

        Assert.All(answers, a => Assert.Equal("answered over HTTP/2", a));
    }
}

/// <summary>A loopback TCP server whose every connection runs <paramref name="handle"/>; counts open connections.</summary>
internal sealed class TcpServer : IDisposable
{
    readonly TcpListener _listener = new(IPAddress.Loopback, 0);
    readonly Func<Stream, Task> _handle;
    int _open;

    public TcpServer(Func<Stream, Task> handle)
    {
        _handle = handle;
        _listener.Start();
        _ = Accept();
    }

    public int Open => Volatile.Read(ref _open);

    public async Task<Stream> ConnectAsync(CancellationToken ct)
    {
        var client = new TcpClient();
        await client.ConnectAsync(IPAddress.Loopback, ((IPEndPoint)_listener.LocalEndpoint).Port, ct);
        return client.GetStream();
    }

    async Task Accept()
    {
        while (true)
        {
            TcpClient client;
            try { client = await _listener.AcceptTcpClientAsync(); }
            catch (Exception e) when (e is SocketException or ObjectDisposedException) { return; }
            Interlocked.Increment(ref _open);
            _ = Task.Run(async () =>
            {
                using (client)
                {
                    try { await _handle(client.GetStream()); }
                    catch (Exception e) when (e is IOException or SocketException or ObjectDisposedException) { }
                }
                Interlocked.Decrement(ref _open);
            });
        }
    }

    public void Dispose() => _listener.Stop();
}
