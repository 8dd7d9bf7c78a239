using System.Collections.Concurrent;
using System.Net;
using k8s;
using k8s.Models;
using Portal.Provisioning.Kubernetes;
using Portal.Provisioning.Manifests;

namespace Portal.Web.Features.Gateway;

/// <summary>A place the portal forwards a cluster's traffic to: a URL prefix and the client that reaches it.</summary>
/// <param name="Prefix">Destination prefix (scheme, authority and path) the request's path is appended to.</param>
/// <param name="Client">The HTTP client that reaches <paramref name="Prefix"/>.</param>
internal sealed record Upstream(string Prefix, HttpMessageInvoker Client);

/// <summary>
/// How the portal reaches a cluster's Connect server and master UI, by <see cref="GatewayOptions.Route"/>: over the
/// pod network to the cluster's Services, or through the Kubernetes API (pod port-forward for Connect, the service
/// proxy for the UI), so nothing in a tenant namespace needs exposing either way.
/// </summary>
internal sealed partial class ClusterUpstreams : IDisposable
{
    readonly GatewayRoute _route;
    readonly IKubernetes _kube;
    readonly ILogger<ClusterUpstreams> _logger;
    // One HTTP/2 client per Connect server: its connections are port-forward tunnels (or sockets) to that server only.
    readonly ConcurrentDictionary<string, HttpMessageInvoker> _connect = new(StringComparer.Ordinal);
    readonly HttpMessageInvoker _direct;
    readonly HttpMessageInvoker _apiServer;

    public ClusterUpstreams(IOptions<GatewayOptions> options, KubernetesConnection connection, ILogger<ClusterUpstreams> logger)
    {
        _route = options.Value.Route is GatewayRoute.Auto
            ? connection.Mode == KubernetesMode.InCluster ? GatewayRoute.PodNetwork : GatewayRoute.KubernetesApi
            : options.Value.Route;
        _kube = connection.Client;
        _logger = logger;
        _direct = new HttpMessageInvoker(NewHandler(), disposeHandler: true);
        _apiServer = new HttpMessageInvoker(new KubernetesApiHandler(_kube), disposeHandler: true);
    }

    /// <summary>Where the Connect server of <paramref name="door"/>'s cluster is reached (HTTP/2 cleartext, as Spark's gRPC server speaks).</summary>
    public Upstream Connect(ClusterDoor door)
    {
        var service = ClusterManifests.ConnectName(door.Cluster);
        var authority = $"{service}.{door.Namespace}.svc:{ClusterManifests.ConnectPort}";
        if (_route == GatewayRoute.PodNetwork)
            return new Upstream($"http://{authority}", _direct);

        var client = _connect.GetOrAdd($"{door.Namespace}/{service}", _ =>
        {
            var handler = NewHandler();
            var selector = string.Join(",", Labels.Selector(door.Cluster, "connect").Select(l => $"{l.Key}={l.Value}"));
            handler.ConnectCallback = (_, ct) => PortForwardAsync(door.Namespace, selector, ClusterManifests.ConnectPort, ct);
            return new HttpMessageInvoker(handler, disposeHandler: true);
        });
        return new Upstream($"http://{authority}", client);
    }

    /// <summary>Where the master's web UI of <paramref name="door"/>'s cluster is reached.</summary>
    public Upstream MasterUi(ClusterDoor door) =>
        ServiceUi(door.Namespace, ClusterManifests.MasterName(door.Cluster), ClusterManifests.MasterUiPort);

    /// <summary>Where the tenant's history server of <paramref name="door"/> is reached.</summary>
    public Upstream HistoryUi(Portal.Core.Storage.HistoryDoor door) =>
        ServiceUi(door.Namespace, HistoryServerManifests.Name, HistoryServerManifests.UiPort);

    /// <summary>An HTTP web UI on <paramref name="port"/> of a Service: over the pod network, or through the API server's service proxy.</summary>
    Upstream ServiceUi(string @namespace, string service, int port) =>
        _route == GatewayRoute.PodNetwork
            ? new Upstream($"http://{service}.{@namespace}.svc:{port}", _direct)
            : new Upstream(
                $"{_kube.BaseUri.ToString().TrimEnd('/')}/api/v1/namespaces/{Uri.EscapeDataString(@namespace)}/services/http:{service}:{port}/proxy",
                _apiServer);

    static SocketsHttpHandler NewHandler() => new()
    {
        UseProxy = false,
        AllowAutoRedirect = false,
        AutomaticDecompression = DecompressionMethods.None,
        UseCookies = false,
        EnableMultipleHttp2Connections = true,
        // A stream's receive window: the default 64 KiB, across a port-forward's extra round trip, caps a result
        // stream's throughput; Kestrel's own to the client is 768 KiB.
        InitialHttp2StreamWindowSize = 1024 * 1024,
        // Forwarded requests carry the caller's trace context already.
        ActivityHeadersPropagator = null,
        ConnectTimeout = TimeSpan.FromSeconds(15),
        // Keeps idle tunnels alive through NATs and load balancers, and finds dead ones.
        KeepAlivePingDelay = TimeSpan.FromSeconds(30),
        KeepAlivePingTimeout = TimeSpan.FromSeconds(20),
        KeepAlivePingPolicy = HttpKeepAlivePingPolicy.WithActiveRequests,
        PooledConnectionIdleTimeout = TimeSpan.FromMinutes(5),
    };

    /// <summary>
    /// A byte stream to <paramref name="port"/> of a ready pod the Connect Service selects (<paramref name="selector"/>,
    /// the manifests' own), through the API server's pod port-forward (the WebSocket protocol): what
    /// kubectl port-forward svc/… does, without reading the Service.
    /// </summary>
    async ValueTask<Stream> PortForwardAsync(string @namespace, string selector, int port, CancellationToken ct)
    {
        var pods = await _kube.CoreV1.ListNamespacedPodAsync(@namespace, labelSelector: selector, cancellationToken: ct).ConfigureAwait(false);
        var pod = pods.Items
            .Where(p => p.Status?.Phase == "Running" && p.Metadata.DeletionTimestamp is null
                && p.Status.Conditions?.Any(c => c.Type == "Ready" && c.Status == "True") == true)
            .OrderBy(p => p.Metadata.Name, StringComparer.Ordinal)
            .FirstOrDefault()
            ?? throw new HttpRequestException($"No ready pod in {@namespace} matches {selector}.", null, HttpStatusCode.ServiceUnavailable);

        Tunnel(_logger, @namespace, pod.Metadata.Name, port);
        return await PortForwardStream.ConnectAsync(_kube, @namespace, pod.Metadata.Name, port, ct).ConfigureAwait(false);
    }

    public void Dispose()
    {
        foreach (var client in _connect.Values)
            client.Dispose();
        _direct.Dispose();
        _apiServer.Dispose();
    }

    [LoggerMessage(LogLevel.Debug, "Opening a port-forward tunnel to {Namespace}/{Pod}:{Port}")]
    static partial void Tunnel(ILogger logger, string @namespace, string pod, int port);

    /// <summary>
    /// Sends through the Kubernetes client's own HTTP client (its TLS settings and client certificate), signed with its
    /// credentials as the client signs each of its calls. Spark's UIs are read-only through the portal (clusters set
    /// spark.ui.killEnabled=false), so only GET and HEAD are sent.
    /// </summary>
    sealed class KubernetesApiHandler(IKubernetes kube) : HttpMessageHandler
    {
        readonly k8s.Kubernetes _client = kube as k8s.Kubernetes ?? throw new ArgumentException("Needs the official client.", nameof(kube));

        protected override async Task<HttpResponseMessage> SendAsync(HttpRequestMessage request, CancellationToken cancellationToken)
        {
            if (request.Method != HttpMethod.Get && request.Method != HttpMethod.Head)
                return new HttpResponseMessage(HttpStatusCode.MethodNotAllowed) { RequestMessage = request };
            if (_client.Credentials is { } credentials)
                await credentials.ProcessHttpRequestAsync(request, cancellationToken).ConfigureAwait(false);
            return await _client.HttpClient.SendAsync(request, HttpCompletionOption.ResponseHeadersRead, cancellationToken).ConfigureAwait(false);
        }
    }
}
