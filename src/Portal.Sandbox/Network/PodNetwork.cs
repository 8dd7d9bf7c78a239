using System.Net;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Connections;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Http.Features;
using Microsoft.AspNetCore.Server.Kestrel.Core;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Portal.Sandbox.SparkConnect;

namespace Portal.Sandbox.Network;

/// <summary>
/// The sandbox's pod network: <see cref="DialAsync(JsonObject, int, CancellationToken)"/> opens a byte stream to a
/// pod's port, as a TCP connection to its pod IP would. What listens is the simulated Spark daemon there: a Spark
/// Connect server's gRPC port speaks HTTP/2 without TLS (prior knowledge, as Spark's Netty gRPC server does), the web
/// UIs HTTP/1.1 (Jetty), an RPC port accepts and closes; anything else, or a pod that isn't Running and Ready, refuses.
/// One Kestrel server on an in-memory transport serves it all, so real HTTP/1.1 and HTTP/2 stacks are in play.
/// </summary>
public sealed class PodNetwork : IAsyncDisposable
{
    const string Http1 = "http1";
    const string Http2 = "h2c";

    readonly Registry _registry;
    readonly SparkSimulation _spark;
    readonly InMemoryTransport _transport = new();
    WebApplication? _app;

    internal PodNetwork(Registry registry, SparkSimulation spark, SparkConnectStandIn recorder)
    {
        _registry = registry;
        _spark = spark;
        Recorder = recorder;
    }

    internal SparkConnectStandIn Recorder { get; }

    internal async Task StartAsync(ILoggerFactory? loggerFactory, CancellationToken ct)
    {
        var builder = WebApplication.CreateSlimBuilder();
        builder.Logging.ClearProviders();
        builder.Services.AddSingleton<IHostLifetime, EmbeddedLifetime>();
        if (loggerFactory is not null) builder.Services.AddSingleton(loggerFactory);
        builder.Services.AddSingleton<IConnectionListenerFactory>(_transport);
        builder.Services.AddSingleton(new ConnectServers(Recorder));
        // Spark Connect's default spark.connect.grpc.maxInboundMessageSize: 128 MiB.
        builder.Services.AddGrpc(o =>
        {
            o.MaxReceiveMessageSize = 128 * 1024 * 1024;
            o.MaxSendMessageSize = null;
        });
        builder.WebHost.ConfigureKestrel(k =>
        {
            // Like Spark's Netty gRPC server (no idle or data-rate limits, no practical cap on concurrent calls), so a slow reader,
            // a long query or an idle pooled connection isn't cut by the stand-in where Spark wouldn't cut it.
            k.Limits.MinResponseDataRate = null;
            k.Limits.MinRequestBodyDataRate = null;
            // Not Timeout.InfiniteTimeSpan: Kestrel's HTTP/2 connections add it as -1 ms to the heartbeat, which closed
            // every connection idle for a second (GOAWAY), racing the client's next call.
            k.Limits.KeepAliveTimeout = TimeSpan.FromDays(1);
            k.Limits.Http2.MaxStreamsPerConnection = 10_000;
            k.Listen(new InMemoryEndPoint(Http1), o => o.Protocols = HttpProtocols.Http1);
            k.Listen(new InMemoryEndPoint(Http2), o => o.Protocols = HttpProtocols.Http2);
        });
        var app = builder.Build();
        app.Use((http, next) =>
        {
            // The web UIs: whatever the daemon on that pod and port answers now.
            if (http.Features.Get<PodEndpoint>() is not { Protocol: Http1 } endpoint) return next(http);
            if (endpoint.Listener() is var listener and (Listener.MasterUi or Listener.WorkerUi or Listener.DriverUi or Listener.HistoryUi))
                return SparkHttp.Serve(http, listener, http.Request.Path.Value is { Length: > 0 } p ? p : "/");
            endpoint.Reset();   // the daemon went away: its connections die with it
            return Task.CompletedTask;
        });
        app.MapGrpcService<SparkConnectGrpcService>();
        await app.StartAsync(ct);
        _app = app;
    }

    /// <summary>
    /// Connects to <paramref name="port"/> of <paramref name="pod"/> (a pod object as the API serves it) and returns the
    /// connection's byte stream; disposing it closes the connection.
    /// </summary>
    /// <exception cref="ConnectionRefusedException">Nothing listens there, or the pod isn't up.</exception>
    public ValueTask<Stream> DialAsync(JsonObject pod, int port, CancellationToken ct)
    {
        ArgumentNullException.ThrowIfNull(pod);
        ct.ThrowIfCancellationRequested();
        var ns = pod.Namespace() ?? "default";
        var name = pod.Name();
        // The caller's copy may be stale: dial the pod as the sandbox has it now, and only the same pod (UID).
        var current = _registry.TryGet(ResourceCatalog.Pods, ns, name);
        if (current is null || current.Uid() != pod.Uid()) throw Refused(pod, port);
        var endpoint = new PodEndpoint(this, ns, name, current.Uid(), port, "");
        Stream stream = endpoint.Listener() switch
        {
            // A connection reaches one process: a restarted driver in the same pod doesn't inherit it.
            Listener.ConnectServer c => Connect(endpoint with { Protocol = Http2, ProcessId = c.Server.ProcessId }),
            Listener.MasterUi or Listener.WorkerUi or Listener.DriverUi or Listener.HistoryUi => Connect(endpoint with { Protocol = Http1 }),
            // REVIEW: Spark's RPC port accepts a connection and closes it when the bytes aren't its protocol.
            var l when l == Listener.NotHttp => new ClosedByPeer(),
            _ => throw Refused(current, port),
        };
        return ValueTask.FromResult(stream);
    }

    /// <summary><see cref="DialAsync(JsonObject, int, CancellationToken)"/> by namespace and pod name.</summary>
    /// <exception cref="ConnectionRefusedException">No such pod, nothing listens there, or the pod isn't up.</exception>
    public ValueTask<Stream> DialAsync(string @namespace, string podName, int port, CancellationToken ct) =>
        _registry.TryGet(ResourceCatalog.Pods, @namespace, podName) is { } pod
            ? DialAsync(pod, port, ct)
            : throw new ConnectionRefusedException($"dial tcp {podName}.{@namespace}:{port}: no such pod");

    Stream Connect(PodEndpoint endpoint)
    {
        var features = new FeatureCollection();
        return _transport.Connect(endpoint.Protocol, features, connection =>
        {
            var open = endpoint with { Connection = connection };
            features.Set(open);
            features.Set<IConnectServerFeature>(open);
        });
    }

    static ConnectionRefusedException Refused(JsonObject pod, int port) =>
        new($"dial tcp {pod.Str("status", "podIP") ?? pod.Name()}:{port}: connect: connection refused");

    public async ValueTask DisposeAsync()
    {
        if (_app is null) return;
        using (var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(2)))
            await _app.StopAsync(timeout.Token);
        await _app.DisposeAsync();
        _app = null;
    }

    /// <summary>The pod and port a connection was dialled to, on that connection's features.</summary>
    sealed record PodEndpoint(PodNetwork Network, string Namespace, string Name, string Uid, int Port, string Protocol) : IConnectServerFeature
    {
        /// <summary>The server's end of the connection, once it is open.</summary>
        public ConnectionContext? Connection { get; init; }

        /// <summary>The Connect server process the connection reached, for a Connect port.</summary>
        public string? ProcessId { get; init; }

        public Listener Listener() =>
            Network._registry.TryGet(ResourceCatalog.Pods, Namespace, Name) is { } pod && pod.Uid() == Uid ? Network._spark.ListenerOn(pod, Port) : Spark.Listener.Refused;

        public ConnectServerInfo? Current() => Listener() is Listener.ConnectServer c && c.Server.ProcessId == ProcessId ? c.Server : null;

        /// <summary>
        /// The process behind the connection is gone: the whole connection is reset, as a dead process's TCP connections
        /// are, not just the request on it, so a client's pooled HTTP/2 connection fails and the client dials afresh.
        /// </summary>
        public void Reset() => Connection?.Abort(new ConnectionAbortedException($"the process behind {Namespace}/{Name}:{Port} ended"));
    }

    /// <summary>A connection the peer closes at once: reads end, writes vanish.</summary>
    sealed class ClosedByPeer : Stream
    {
        public override bool CanRead => true;
        public override bool CanWrite => true;
        public override bool CanSeek => false;
        public override long Length => throw new NotSupportedException();
        public override long Position { get => throw new NotSupportedException(); set => throw new NotSupportedException(); }
        public override int Read(byte[] buffer, int offset, int count) => 0;
        public override void Write(byte[] buffer, int offset, int count) { }
        public override void Flush() { }
        public override long Seek(long offset, SeekOrigin origin) => throw new NotSupportedException();
        public override void SetLength(long value) => throw new NotSupportedException();
    }
}
