using System.IO.Pipelines;
using System.Net.WebSockets;
using System.Security.Cryptography;
using Microsoft.AspNetCore.Http.Features;

namespace Portal.Sandbox.Api;

/// <summary>
/// Opens a duplex byte stream to <paramref name="port"/> inside <paramref name="pod"/>, as the container runtime dials
/// <c>localhost:PORT</c> in the pod's network namespace. Throws <see cref="PortRefusedException"/> when nothing listens.
/// Disposing the stream closes the connection.
/// </summary>
internal delegate ValueTask<Stream> PodDialer(JsonObject pod, int port, CancellationToken cancellationToken);

/// <summary>
/// Nothing listens on the port. The message is what the kubelet writes on the port's error stream: the streaming
/// server's prefix (pkg/kubelet/cri/streaming/portforward) around containerd's dial error
/// (internal/cri/server/sandbox_portforward_linux.go), with the pod's sandbox id and the empty uid the CRI passes.
/// </summary>
internal sealed class PortRefusedException(JsonObject pod, int port) : Exception(ErrorText(pod, port))
{
    public int Port { get; } = port;

    static string ErrorText(JsonObject pod, int port)
    {
        var sandbox = PortForward.SandboxId(pod);
        // The trailing space is containerd's.
        return $"error forwarding port {port} to pod {sandbox}, uid : failed to connect to localhost:{port} inside namespace \"{sandbox}\", "
            + $"IPv4: dial tcp4 127.0.0.1:{port}: connect: connection refused IPv6 dial tcp6 [::1]:{port}: connect: connection refused ";
    }
}

/// <summary>
/// <c>pods/{name}/portforward</c>: the API server's checks, then the kubelet's streaming server. Three transports, as a
/// 1.32 cluster offers them: WebSocket channels (<c>v4.channel.k8s.io</c>, <c>v4.base64.channel.k8s.io</c>; what
/// KubernetesClient speaks), SPDY/3.1 tunnelled in WebSocket binary messages (<c>SPDY/3.1+portforward.k8s.io</c>;
/// kubectl's first try) and SPDY/3.1 over an HTTP/1.1 upgrade (kubectl's fallback). Every forwarded connection goes
/// through <see cref="Dialer"/>.
/// </summary>
internal sealed partial class PortForward(Registry registry, CancellationToken stopping)
{
    public const string SpdyProtocol = "portforward.k8s.io";
    public const string TunnelProtocol = "SPDY/3.1+" + SpdyProtocol;
    const string ChannelProtocol = "v4.channel.k8s.io";
    const string Base64ChannelProtocol = "v4.base64.channel.k8s.io";

    [GeneratedRegex(@"^/api/v1/namespaces/(?<ns>[^/]+)/pods/(?<name>[^/]+)/portforward/?$")]
    private static partial Regex Route();

    /// <summary>What a connection to a pod's port reaches; until a pod network is wired in, nothing listens anywhere.</summary>
    public PodDialer Dialer { get; set; } = RefuseEveryPort;

    static ValueTask<Stream> RefuseEveryPort(JsonObject pod, int port, CancellationToken cancellationToken) =>
        ValueTask.FromException<Stream>(new PortRefusedException(pod, port));

    public static bool Matches(string path) => Route().IsMatch(path);

    /// <summary>What the kubelet writes on a port's error stream when forwarding failed (streaming portforward's prefix).</summary>
    public static string ErrorText(JsonObject pod, int port, Exception e) =>
        e is PortRefusedException ? e.Message : $"error forwarding port {port} to pod {SandboxId(pod)}, uid : {e.Message}";

    /// <summary>A stable stand-in for the pod's CRI sandbox id (64 hex digits, like containerd's), named in kubelet errors.</summary>
    public static string SandboxId(JsonObject pod) =>
        Convert.ToHexStringLower(SHA256.HashData(Encoding.UTF8.GetBytes("sandbox/" + pod.Uid())));

    public async Task Handle(HttpContext http, string path)
    {
        var m = Route().Match(path);
        var (ns, name) = (Uri.UnescapeDataString(m.Groups["ns"].Value), Uri.UnescapeDataString(m.Groups["name"].Value));
        using var done = CancellationTokenSource.CreateLinkedTokenSource(http.RequestAborted, stopping);
        try
        {
            if (http.Request.Method is not ("GET" or "POST"))
                throw ApiError.MethodNotAllowed($"{http.Request.Method} is not supported by pods/portforward");
            var pod = registry.TryGet(ResourceCatalog.Pods, ns, name) ?? throw ApiError.NotFound(ResourceCatalog.Pods, name);
            // The API server (registry/core/pod PortForwardLocation) needs a node to send the request to.
            if (string.IsNullOrEmpty(pod.Str("spec", "nodeName")))
                throw ApiError.BadRequest($"pod {name} does not have a host assigned");
            // From here on the kubelet answers, and the API server passes its plain-text reply through.
            // REVIEW: a pod that is not Running is treated as one without a running sandbox (kubelet's GetPortForward).
            if (pod.Str("status", "phase") != "Running")
            {
                await Kubelet(http, 500, $"pod not found (\"{name}_{ns}\")");
                return;
            }
            await Serve(http, pod, done.Token);
        }
        catch (ApiError e)
        {
            if (!http.Response.HasStarted) await Http.WriteError(http, e);
        }
        catch (Exception e) when (e is OperationCanceledException or IOException or WebSocketException && done.IsCancellationRequested)
        {
            // The client went away or the sandbox is stopping.
        }
        catch (Exception e) when (e is not OutOfMemoryException)
        {
            // The sandbox never crashes on a request; before the upgrade a bug surfaces as the API server's 500.
            if (!http.Response.HasStarted) await Http.WriteError(http, ApiError.Internal(e.Message));
        }
    }

    async Task Serve(HttpContext http, JsonObject pod, CancellationToken ct)
    {
        if (http.WebSockets.IsWebSocketRequest)
        {
            var offered = http.WebSockets.WebSocketRequestedProtocols;
            if (offered.Contains(TunnelProtocol))
            {
                using var tunnel = await AcceptTunnel(http);
                await using var stream = WebSocketStream.Create(tunnel, WebSocketMessageType.Binary, ownsWebSocket: false);
                await new SpdySession(stream, pod, Dialer).RunAsync(ct);
                await CloseQuietly(tunnel);
                return;
            }
            // kubelet NewV4Options: ports come from the query for WebSocket clients.
            var (ports, portError) = ParsePorts(http.Request.Query["ports"]);
            if (portError is not null)
            {
                await Kubelet(http, 400, portError);
                return;
            }
            string? protocol = offered.Count == 0 ? null
                : offered.FirstOrDefault(p => p is ChannelProtocol or Base64ChannelProtocol);
            if (offered.Count > 0 && protocol is null)
            {
                await Kubelet(http, 400, $"unable to upgrade websocket connection: requested protocol(s) are not supported: [{string.Join(" ", offered)}]; supports [{ChannelProtocol} {Base64ChannelProtocol}]");
                return;
            }
            using var socket = await http.WebSockets.AcceptWebSocketAsync(protocol);
            await new ChannelSession(socket, protocol == Base64ChannelProtocol, pod, ports, Dialer).RunAsync(ct);
            return;
        }

        var upgrade = http.Features.Get<IHttpUpgradeFeature>();
        if (upgrade is not { IsUpgradableRequest: true }
            || !string.Equals(http.Request.Headers.Upgrade.ToString(), "SPDY/3.1", StringComparison.OrdinalIgnoreCase))
        {
            // apimachinery's spdy.ResponseUpgrader.
            await Kubelet(http, 400, "unable to upgrade: missing upgrade headers in request");
            return;
        }
        // httpstream.Handshake: a client naming protocols must name ours (a client naming none is a Kube 1.0 one).
        var versions = http.Request.Headers["X-Stream-Protocol-Version"].SelectMany(v => (v ?? "").Split(',', StringSplitOptions.TrimEntries | StringSplitOptions.RemoveEmptyEntries)).ToList();
        if (versions.Count > 0 && !versions.Contains(SpdyProtocol))
        {
            await Kubelet(http, 403, $"unable to upgrade: unable to negotiate protocol: client supports [{string.Join(" ", versions)}], server accepts [{SpdyProtocol}]");
            return;
        }
        if (versions.Count > 0) http.Response.Headers["X-Stream-Protocol-Version"] = SpdyProtocol;
        http.Response.Headers.Upgrade = "SPDY/3.1";
        await using var raw = await upgrade.UpgradeAsync();
        await new SpdySession(raw, pod, Dialer).RunAsync(ct);
    }

    /// <summary>
    /// The WebSocket handshake by hand: ASP.NET Core refuses <c>SPDY/3.1+portforward.k8s.io</c> as a subprotocol ('/' is
    /// not an RFC 7230 token character), but it is the name kubectl asks for and the API server answers with.
    /// </summary>
    static async Task<WebSocket> AcceptTunnel(HttpContext http)
    {
        var key = http.Request.Headers.SecWebSocketKey.ToString();
        var accept = Convert.ToBase64String(SHA1.HashData(Encoding.ASCII.GetBytes(key + "258EAFA5-E914-47DA-95CA-C5AB0DC85B11")));
        http.Response.Headers.Upgrade = "websocket";
        http.Response.Headers.Connection = "Upgrade";
        http.Response.Headers.SecWebSocketAccept = accept;
        http.Response.Headers.SecWebSocketProtocol = TunnelProtocol;
        var upgrade = http.Features.GetRequiredFeature<IHttpUpgradeFeature>();
        var stream = await upgrade.UpgradeAsync();
        return WebSocket.CreateFromStream(stream, new WebSocketCreationOptions { IsServer = true, KeepAliveInterval = TimeSpan.FromSeconds(30) });
    }

    /// <summary>kubelet NewV4Options: repeatable, comma-separated <c>ports</c>, each 1-65535.</summary>
    static (int[] Ports, string? Error) ParsePorts(Microsoft.Extensions.Primitives.StringValues values)
    {
        if (values.Count == 0) return ([], "query parameter \"ports\" is required");
        var ports = new List<int>();
        foreach (var value in values)
        {
            if (string.IsNullOrEmpty(value)) return ([], "query parameter \"ports\" cannot be empty");
            foreach (var p in value.Split(','))
            {
                if (!ushort.TryParse(p, NumberStyles.None, CultureInfo.InvariantCulture, out var port))
                    return ([], $"unable to parse \"{value}\" as a port: strconv.ParseUint: parsing \"{p}\": invalid syntax");
                if (port < 1) return ([], $"port \"{value}\" must be > 0");
                ports.Add(port);
            }
        }
        return ([.. ports], null);
    }

    /// <summary>The kubelet's own answers are plain text (go-restful WriteError, streaming.WriteError), not metav1.Status.</summary>
    static Task Kubelet(HttpContext http, int status, string message)
    {
        http.Response.StatusCode = status;
        http.Response.ContentType = "text/plain; charset=utf-8";
        return http.Response.WriteAsync(message);
    }

    static async Task CloseQuietly(WebSocket socket)
    {
        try
        {
            if (socket.State is WebSocketState.Open or WebSocketState.CloseReceived)
            {
                using var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(2));
                await socket.CloseOutputAsync(WebSocketCloseStatus.NormalClosure, null, timeout.Token);
            }
        }
        catch (Exception e) when (e is WebSocketException or OperationCanceledException or IOException or ObjectDisposedException)
        {
            // The peer is already gone.
        }
    }

    /// <summary>
    /// Copies one forwarded connection both ways, as containerd's PortForward does: when either direction ends, the other
    /// gets one second to finish, then the pod connection is closed. <paramref name="fromClient"/> ends at the client's
    /// half-close (SPDY FIN) or when the connection drops.
    /// </summary>
    public static async Task Forward(PodDialer dialer, JsonObject pod, int port, PipeReader fromClient,
        Func<ReadOnlyMemory<byte>, CancellationToken, ValueTask> toClient, CancellationToken ct)
    {
        using var stop = CancellationTokenSource.CreateLinkedTokenSource(ct);
        Stream target;
        try
        {
            target = await dialer(pod, port, stop.Token);
        }
        catch
        {
            await fromClient.CompleteAsync();
            throw;
        }
        try
        {
            var up = Task.Run(async () =>
            {
                while (true)
                {
                    var read = await fromClient.ReadAsync(stop.Token);
                    foreach (var segment in read.Buffer) await target.WriteAsync(segment, stop.Token);
                    if (!read.Buffer.IsEmpty) await target.FlushAsync(stop.Token);
                    fromClient.AdvanceTo(read.Buffer.End);
                    if (read.IsCompleted || read.IsCanceled) return;
                }
            }, CancellationToken.None);
            var down = Task.Run(async () =>
            {
                var buffer = new byte[32 * 1024];
                int n;
                while ((n = await target.ReadAsync(buffer, stop.Token)) > 0) await toClient(buffer.AsMemory(0, n), stop.Token);
            }, CancellationToken.None);
            await Task.WhenAny(up, down);
            await Task.WhenAny(Task.WhenAll(up, down), Task.Delay(TimeSpan.FromSeconds(1), CancellationToken.None));
            stop.Cancel();
            await target.DisposeAsync();
            try { await Task.WhenAll(up, down); }
            catch (Exception e) when (e is OperationCanceledException or IOException or ObjectDisposedException or WebSocketException)
            {
                // A side closed mid-copy: that ends the connection, as io.Copy's error does.
            }
        }
        finally
        {
            await target.DisposeAsync();
            await fromClient.CompleteAsync();
        }
    }
}
