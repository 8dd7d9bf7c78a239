using System.Diagnostics;
using System.Net;
using System.Net.Sockets;
using System.Security.Cryptography;
using System.Text;
using System.Text.Json.Nodes;
using k8s;
using Portal.Sandbox.Api;
using static Portal.Sandbox.Tests.Builders;

namespace Portal.Sandbox.Tests;

/// <summary>
/// pods/portforward through KubernetesClient's WebSocket channels and through the real kubectl (SPDY, tunnelled in
/// WebSocket and over an HTTP upgrade). The pod's ports are loopback servers of the test's own, behind the dialer seam:
/// 8080 echoes, 9090 answers in upper case, 7070 says "bye" and hangs up, anything else refuses.
/// </summary>
public sealed class PortForwardTests : SandboxTest
{
    const string Ns = "pf";
    const string Pod = "web";
    const string ChannelProtocol = "v4.channel.k8s.io";

    readonly LoopbackServer _echo = new(async s => await s.CopyToAsync(s));
    readonly LoopbackServer _upper = new(async s =>
    {
        var buffer = new byte[4096];
        int n;
        while ((n = await s.ReadAsync(buffer)) > 0)
            await s.WriteAsync(Encoding.ASCII.GetBytes(Encoding.ASCII.GetString(buffer, 0, n).ToUpperInvariant()));
    });
    readonly LoopbackServer _bye = new(async s => await s.WriteAsync("bye"u8.ToArray()));

    protected override SandboxOptions Options() =>
        new() { PodStartDelay = TimeSpan.FromMilliseconds(100), ImagePullFailurePattern = "^registry.invalid/" };

    public override async ValueTask InitializeAsync()
    {
        await base.InitializeAsync();
        Sandbox.PodDialer = Dial;
        await CreateNamespace(Ns);
        await Client.CoreV1.CreateNamespacedPodAsync(APod(Pod).Build(), Ns, cancellationToken: Ct);
        await Eventually(async () => (await Client.CoreV1.ReadNamespacedPodAsync(Pod, Ns, cancellationToken: Ct)).Status?.Phase == "Running", "the pod runs");
    }

    public override async ValueTask DisposeAsync()
    {
        await base.DisposeAsync();
        _echo.Dispose();
        _upper.Dispose();
        _bye.Dispose();
    }

    async ValueTask<Stream> Dial(JsonObject pod, int port, CancellationToken ct)
    {
        var server = port switch { 8080 => _echo, 9090 => _upper, 7070 => _bye, _ => null } ?? throw new PortRefusedException(pod, port);
        return await server.ConnectAsync(ct);
    }

    async Task<(StreamDemuxer Demuxer, System.Net.WebSockets.WebSocket Socket)> Open(params int[] ports)
    {
        var socket = await Client.WebSocketNamespacedPodPortForwardAsync(Pod, Ns, ports, ChannelProtocol, cancellationToken: Ct);
        var demuxer = new StreamDemuxer(socket, StreamType.PortForward);
        // StreamDemuxer drops what arrives on a channel nobody asked for yet: ask for every channel before it reads.
        for (var i = 0; i < 2 * ports.Length; i++) demuxer.GetStream((byte?)i, (byte?)null);
        demuxer.Start();
        return (demuxer, socket);
    }

    // StreamDemuxer's streams read synchronously (ByteBuffer.Read blocks its thread) and ignore cancellation, so a
    // ceiling must be put around the read: without it an answer that never comes hangs the whole module (seen once in
    // CI) instead of failing this test.
    static readonly TimeSpan ReadCeiling = TimeSpan.FromSeconds(60);

    static async Task<string> ReadText(Stream stream, int length)
    {
        var buffer = new byte[length];
        await Task.Run(() => stream.ReadExactly(buffer), Ct).WaitAsync(ReadCeiling, Ct);
        return Encoding.UTF8.GetString(buffer);
    }

    static async Task<string> ReadToEnd(Stream stream)
    {
        using var all = new MemoryStream();
        await Task.Run(() => stream.CopyTo(all), Ct).WaitAsync(ReadCeiling, Ct);
        return Encoding.UTF8.GetString(all.ToArray());
    }

    [Fact]
    public async Task Bytes_round_trip_through_a_websocket_port_forward()
    {
        var (demuxer, socket) = await Open(8080);
        using (socket)
        using (demuxer)
        {
            var data = demuxer.GetStream((byte?)0, (byte?)0);
            await data.WriteAsync("hello pod"u8.ToArray(), Ct);

            Assert.Equal("hello pod", await ReadText(data, 9));
        }
    }

    [Fact]
    public async Task Each_requested_port_gets_its_own_data_channel()
    {
        var (demuxer, socket) = await Open(8080, 9090);
        using (socket)
        using (demuxer)
        {
            var echo = demuxer.GetStream((byte?)0, (byte?)0);
            var upper = demuxer.GetStream((byte?)2, (byte?)2);
            await upper.WriteAsync("spark"u8.ToArray(), Ct);
            await echo.WriteAsync("spark"u8.ToArray(), Ct);

            Assert.Equal(("spark", "SPARK"), (await ReadText(echo, 5), await ReadText(upper, 5)));
        }
    }

    [Fact]
    public async Task Every_channel_starts_with_its_port_in_little_endian()
    {
        using var socket = await Client.WebSocketNamespacedPodPortForwardAsync(Pod, Ns, [8080, 9090], ChannelProtocol, cancellationToken: Ct);
        var firsts = new List<string>();
        var buffer = new byte[64];
        for (var i = 0; i < 4; i++)
        {
            var result = await socket.ReceiveAsync(buffer, Ct);
            firsts.Add(Convert.ToHexString(buffer, 0, result.Count));
        }

        // 8080 = 0x1F90, 9090 = 0x2382: channel byte, then low byte first.
        Assert.Equal(["00901F", "01901F", "028223", "038223"], firsts);
    }

    [Fact]
    public async Task The_base64_protocol_carries_text_messages_with_a_digit_channel()
    {
        using var socket = new System.Net.WebSockets.ClientWebSocket();
        socket.Options.AddSubProtocol("v4.base64.channel.k8s.io");
        await socket.ConnectAsync(new Uri($"ws://{Sandbox.BaseAddress.Authority}/api/v1/namespaces/{Ns}/pods/{Pod}/portforward?ports=8080"), Ct);
        var buffer = new byte[256];
        async Task<string> Next() => Encoding.ASCII.GetString(buffer, 0, (await socket.ReceiveAsync(buffer, Ct)).Count);
        var prefixes = (await Next(), await Next());
        await socket.SendAsync(Encoding.ASCII.GetBytes("0" + Convert.ToBase64String("ping"u8)), System.Net.WebSockets.WebSocketMessageType.Text, true, Ct);

        Assert.Equal((("0kB8=", "1kB8="), "0" + Convert.ToBase64String("ping"u8)), (prefixes, await Next()));
    }

    [Fact]
    public void The_spdy_header_dictionary_is_the_one_clients_name_in_their_zlib_header()
    {
        uint a = 1, b = 0;
        foreach (var x in SpdyDictionary.Bytes) { a = (a + x) % 65521; b = (b + a) % 65521; }

        Assert.Equal((1423, 0xE3C6A7C2u), (SpdyDictionary.Bytes.Length, (b << 16) | a));
    }

    [Fact]
    public async Task Several_megabytes_arrive_intact_and_in_order()
    {
        var (demuxer, socket) = await Open(8080);
        using (socket)
        using (demuxer)
        {
            var data = demuxer.GetStream((byte?)0, (byte?)0);
            var payload = RandomNumberGenerator.GetBytes(8 * 1024 * 1024);
            var received = new byte[payload.Length];
            using var timeout = CancellationTokenSource.CreateLinkedTokenSource(Ct);
            timeout.CancelAfter(TimeSpan.FromMinutes(3));
            // StreamDemuxer's streams block their caller's thread while they wait for data.
            var reading = Task.Run(() => data.ReadExactly(received), timeout.Token);
            for (var offset = 0; offset < payload.Length; offset += 256 * 1024)
                await data.WriteAsync(payload.AsMemory(offset, 256 * 1024), timeout.Token);
            await reading.WaitAsync(timeout.Token);

            Assert.Equal(SHA256.HashData(payload), SHA256.HashData(received));
        }
    }

    [Fact]
    public async Task A_refused_port_reports_the_kubelet_error_while_the_other_port_keeps_working()
    {
        var (demuxer, socket) = await Open(8080, 5555);
        using (socket)
        using (demuxer)
        {
            var error = demuxer.GetStream((byte?)3, (byte?)null);
            var message = await ReadText(error, 60);
            var echo = demuxer.GetStream((byte?)0, (byte?)0);
            await echo.WriteAsync("still here"u8.ToArray(), Ct);

            Assert.StartsWith("error forwarding port 5555 to pod ", message);
            Assert.Equal("still here", await ReadText(echo, 10));
        }
    }

    [Fact]
    public async Task The_refusal_names_localhost_inside_the_pods_sandbox_as_containerd_does()
    {
        var (demuxer, socket) = await Open(5555);
        using (socket)
        using (demuxer)
        {
            var message = await ReadToEnd(demuxer.GetStream((byte?)1, (byte?)null));

            Assert.Matches(@"^error forwarding port 5555 to pod [0-9a-f]{64}, uid : failed to connect to localhost:5555 inside namespace ""[0-9a-f]{64}"", IPv4: dial tcp4 127\.0\.0\.1:5555: connect: connection refused IPv6 dial tcp6 \[::1\]:5555: connect: connection refused $", message);
        }
    }

    [Fact]
    public async Task A_pod_that_hangs_up_ends_the_websocket()
    {
        var (demuxer, socket) = await Open(7070);
        using (socket)
        using (demuxer)
        {
            Assert.Equal("bye", await ReadToEnd(demuxer.GetStream((byte?)0, (byte?)null)));
        }
    }

    [Fact]
    public async Task Closing_the_websocket_closes_the_pods_connection()
    {
        var (demuxer, socket) = await Open(8080);
        var data = demuxer.GetStream((byte?)0, (byte?)0);
        await data.WriteAsync("x"u8.ToArray(), Ct);
        await ReadText(data, 1);

        await socket.CloseAsync(System.Net.WebSockets.WebSocketCloseStatus.NormalClosure, null, Ct);
        demuxer.Dispose();
        socket.Dispose();

        await Eventually(() => Task.FromResult(_echo.Open == 0), "the echo server's connection is closed");
    }

    [Fact]
    public async Task Concurrent_port_forwards_stay_apart()
    {
        async Task<string> RoundTrip(int i)
        {
            var (demuxer, socket) = await Open(8080);
            using (socket)
            using (demuxer)
            {
                var data = demuxer.GetStream((byte?)0, (byte?)0);
                var text = $"connection-{i:D2}";
                await data.WriteAsync(Encoding.ASCII.GetBytes(text), Ct);
                return await ReadText(data, text.Length);
            }
        }

        var answers = await Task.WhenAll(Enumerable.Range(0, 8).Select(RoundTrip));

        Assert.Equal(Enumerable.Range(0, 8).Select(i => $"connection-{i:D2}"), answers);
    }

    [Fact]
    public async Task An_unknown_pod_is_a_404_not_found_status()
    {
        // KubernetesClient surfaces a refused WebSocket upgrade as a WebSocketException that hides the body; the
        // same request without the upgrade shows what the API server answered.
        using var http = new HttpClient { BaseAddress = Sandbox.BaseAddress };

        using var response = await http.GetAsync($"/api/v1/namespaces/{Ns}/pods/nope/portforward?ports=8080", Ct);
        var status = KubernetesJson.Deserialize<k8s.Models.V1Status>(await response.Content.ReadAsStringAsync(Ct));

        Assert.Equal((HttpStatusCode.NotFound, "NotFound", "pods \"nope\" not found"), (response.StatusCode, status.Reason, status.Message));
    }

    [Fact]
    public async Task KubernetesClient_sees_an_unknown_pod_as_a_refused_upgrade()
    {
        var e = await Assert.ThrowsAsync<System.Net.WebSockets.WebSocketException>(() =>
            Client.WebSocketNamespacedPodPortForwardAsync("nope", Ns, [8080], ChannelProtocol, cancellationToken: Ct));

        Assert.Contains("'404'", e.Message);
    }

    [Fact]
    public async Task A_pod_that_is_not_running_gets_the_kubelets_answer()
    {
        await Client.CoreV1.CreateNamespacedPodAsync(APod("stuck").WithImage("registry.invalid/app:1").Build(), Ns, cancellationToken: Ct);
        using var http = new HttpClient { BaseAddress = Sandbox.BaseAddress };

        using var response = await http.GetAsync($"/api/v1/namespaces/{Ns}/pods/stuck/portforward?ports=8080", Ct);

        Assert.Equal((HttpStatusCode.InternalServerError, "pod not found (\"stuck_pf\")"), (response.StatusCode, await response.Content.ReadAsStringAsync(Ct)));
    }

    [Fact]
    public async Task Discovery_lists_pods_portforward()
    {
        var resources = await Client.CoreV1.GetAPIResourcesAsync(Ct);

        Assert.Contains(resources.Resources, r => r.Name == "pods/portforward" && r.Verbs.SequenceEqual(["create", "get"]));
    }

    [Fact]
    public async Task Kubectl_port_forward_carries_bytes_both_ways()
    {
        await using var forward = await KubectlPortForward.StartAsync(Sandbox, $"-n {Ns} pod/{Pod} {{0}}:8080");
        using var tcp = await forward.ConnectAsync();
        var stream = tcp.GetStream();
        await stream.WriteAsync("through kubectl"u8.ToArray(), Ct);

        Assert.Equal("through kubectl", await ReadText(stream, 15));
    }

    [Fact]
    public async Task Kubectl_port_forward_falls_back_to_the_spdy_upgrade()
    {
        // kubectl 1.32 tries the WebSocket tunnel first; this switch makes it use the HTTP/1.1 SPDY upgrade.
        await using var forward = await KubectlPortForward.StartAsync(Sandbox, $"-n {Ns} pod/{Pod} {{0}}:8080", ("KUBECTL_PORT_FORWARD_WEBSOCKETS", "false"));
        using var tcp = await forward.ConnectAsync();
        var stream = tcp.GetStream();
        await stream.WriteAsync("over spdy"u8.ToArray(), Ct);

        Assert.Equal("over spdy", await ReadText(stream, 9));
    }

    [Fact]
    public async Task Kubectl_port_forward_half_close_lets_the_answer_finish()
    {
        await using var forward = await KubectlPortForward.StartAsync(Sandbox, $"-n {Ns} pod/{Pod} {{0}}:8080");
        using var tcp = await forward.ConnectAsync();
        var stream = tcp.GetStream();
        await stream.WriteAsync("last words"u8.ToArray(), Ct);
        tcp.Client.Shutdown(SocketShutdown.Send);

        Assert.Equal("last words", await ReadToEnd(stream));
    }

    [Fact]
    public async Task Kubectl_port_forward_moves_megabytes_intact()
    {
        await using var forward = await KubectlPortForward.StartAsync(Sandbox, $"-n {Ns} pod/{Pod} {{0}}:8080");
        using var tcp = await forward.ConnectAsync();
        var stream = tcp.GetStream();
        var payload = RandomNumberGenerator.GetBytes(4 * 1024 * 1024);
        var received = new byte[payload.Length];
        using var timeout = CancellationTokenSource.CreateLinkedTokenSource(Ct);
        timeout.CancelAfter(TimeSpan.FromMinutes(3));
        var reading = stream.ReadExactlyAsync(received, timeout.Token).AsTask();
        await stream.WriteAsync(payload, timeout.Token);
        await reading;

        Assert.Equal(SHA256.HashData(payload), SHA256.HashData(received));
    }

    [Fact]
    public async Task Kubectl_port_forward_serves_concurrent_connections()
    {
        await using var forward = await KubectlPortForward.StartAsync(Sandbox, $"-n {Ns} pod/{Pod} {{0}}:9090");

        async Task<string> RoundTrip(int i)
        {
            using var tcp = await forward.ConnectAsync();
            var stream = tcp.GetStream();
            await stream.WriteAsync(Encoding.ASCII.GetBytes($"conn-{i}"), Ct);
            return await ReadText(stream, 6);
        }

        var answers = await Task.WhenAll(Enumerable.Range(0, 5).Select(RoundTrip));

        Assert.Equal(Enumerable.Range(0, 5).Select(i => $"CONN-{i}"), answers);
    }

    [Fact]
    public async Task Kubectl_port_forward_prints_the_kubelets_error_for_a_refused_port()
    {
        await using var forward = await KubectlPortForward.StartAsync(Sandbox, $"-n {Ns} pod/{Pod} {{0}}:5555");
        using (var tcp = await forward.ConnectAsync())
            await ReadToEnd(tcp.GetStream());

        await forward.WaitForStderr("error forwarding port 5555 to pod ");
    }
}

/// <summary>A loopback TCP server whose every connection runs <paramref name="handle"/>; counts open connections.</summary>
internal sealed class LoopbackServer : IDisposable
{
    readonly TcpListener _listener = new(IPAddress.Loopback, 0);
    readonly Func<Stream, Task> _handle;
    int _open;

    public LoopbackServer(Func<Stream, Task> handle)
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

/// <summary>A running <c>kubectl port-forward</c>, started against the sandbox and killed on dispose.</summary>
internal sealed class KubectlPortForward : IAsyncDisposable
{
    readonly Kubectl _kubectl;
    readonly Process _process;
    readonly StringBuilder _stderr = new();
    readonly TaskCompletionSource<int> _forwarding = new(TaskCreationOptions.RunContinuationsAsynchronously);

    KubectlPortForward(Process process, Kubectl kubectl)
    {
        _process = process;
        _kubectl = kubectl;
    }

    public int LocalPort { get; private set; }

    /// <summary>Starts kubectl with <paramref name="args"/> (<c>{0}</c> is replaced by a free local port) and waits for "Forwarding from".</summary>
    public static async Task<KubectlPortForward> StartAsync(KubeSandbox sandbox, string args, params (string Name, string Value)[] environment)
    {
        var local = FreePort();
        var kubectl = new Kubectl();
        await sandbox.WriteKubeconfigAsync(kubectl.KubeconfigPath, TestContext.Current.CancellationToken);
        var psi = new ProcessStartInfo(Kubectl.Binary, $"--kubeconfig {kubectl.KubeconfigPath} --cache-dir {Path.Combine(kubectl.Dir, "cache")} port-forward --address 127.0.0.1 {string.Format(System.Globalization.CultureInfo.InvariantCulture, args, local)}")
        {
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            UseShellExecute = false,
        };
        foreach (var (name, value) in environment) psi.Environment[name] = value;
        var process = Process.Start(psi) ?? throw new InvalidOperationException("kubectl did not start");
        var forward = new KubectlPortForward(process, kubectl) { LocalPort = local };
        process.OutputDataReceived += (_, e) =>
        {
            if (e.Data?.StartsWith("Forwarding from 127.0.0.1:", StringComparison.Ordinal) == true) forward._forwarding.TrySetResult(local);
        };
        process.ErrorDataReceived += (_, e) =>
        {
            if (e.Data is null) return;
            lock (forward._stderr) forward._stderr.AppendLine(e.Data);
        };
        process.BeginOutputReadLine();
        process.BeginErrorReadLine();
        var exited = process.WaitForExitAsync(TestContext.Current.CancellationToken);
        var first = await Task.WhenAny(forward._forwarding.Task, exited, Task.Delay(TimeSpan.FromSeconds(90), TestContext.Current.CancellationToken));
        if (first != forward._forwarding.Task)
        {
            var stderr = forward.Stderr;
            await forward.DisposeAsync();
            Assert.Fail($"kubectl port-forward did not start forwarding: {stderr}");
        }
        return forward;
    }

    public string Stderr
    {
        get { lock (_stderr) return _stderr.ToString(); }
    }

    public async Task<TcpClient> ConnectAsync()
    {
        var tcp = new TcpClient();
        await tcp.ConnectAsync(IPAddress.Loopback, LocalPort, TestContext.Current.CancellationToken);
        return tcp;
    }

    /// <summary>Waits (up to 60 s) until kubectl has written <paramref name="text"/> to stderr.</summary>
    public async Task WaitForStderr(string text)
    {
        await Portal.Testing.Eventually.HoldsAsync(() => Task.FromResult(Stderr.Contains(text, StringComparison.Ordinal)),
            () => $"kubectl says \"{text}\" (stderr: {Stderr})", ct: TestContext.Current.CancellationToken);
    }

    static int FreePort()
    {
        using var probe = new TcpListener(IPAddress.Loopback, 0);
        probe.Start();
        return ((IPEndPoint)probe.LocalEndpoint).Port;
    }

    public async ValueTask DisposeAsync()
    {
        if (!_process.HasExited) _process.Kill(entireProcessTree: true);
        await _process.WaitForExitAsync(CancellationToken.None);
        _process.Dispose();
        _kubectl.Dispose();
    }
}
