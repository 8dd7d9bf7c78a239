using System.Buffers.Binary;
using System.Net;
using System.Text;
using Microsoft.AspNetCore.Authentication;
using Microsoft.AspNetCore.Http.Features;
using Microsoft.Extensions.Caching.Memory;
using Yarp.ReverseProxy.Forwarder;

namespace Portal.Web.Features.Gateway;

/// <summary>
/// The Spark Connect gateway: gRPC calls to <c>spark.connect.SparkConnectService</c> on the portal are authenticated
/// with the API's tokens, authorized per tenant (Core's <see cref="ClusterService.OpenAsync"/>), stripped of the token
/// and forwarded as they are (streams, trailers, cancellation) to the cluster named by the routing header. Refusals
/// are gRPC statuses with a message a notebook user can act on; no HTTP error page ever reaches a gRPC client.
/// </summary>
internal static partial class SparkConnectGateway
{
    /// <summary>Path prefix of every Spark Connect call: the gRPC service's full name.</summary>
    public const string ServicePath = "/spark.connect.SparkConnectService";

    // Forwarded calls may run for hours (a long query sends nothing until it has rows), so no idle timeout applies;
    // the client's own deadline or cancellation ends a call.
    static readonly ForwarderRequestConfig RequestConfig = new()
    {
        ActivityTimeout = Timeout.InfiniteTimeSpan,
        Version = HttpVersion.Version20,
        VersionPolicy = HttpVersionPolicy.RequestVersionExact,
        AllowResponseBuffering = false,
    };

    /// <summary>
    /// Serves Spark Connect calls ahead of the rest of the pipeline (they need none of the page or API middleware),
    /// and keeps the dedicated cleartext endpoint to them alone.
    /// </summary>
    public static WebApplication UseSparkConnectGateway(this WebApplication app)
    {
        app.MapWhen(context => context.Request.Path.StartsWithSegments(ServicePath), gateway => gateway.Run(ForwardAsync));
        app.Use((context, next) =>
        {
            if (!GatewayListener.IsGatewayOnly(context))
                return next(context);
            context.Response.StatusCode = StatusCodes.Status404NotFound;
            return Task.CompletedTask;
        });
        return app;
    }

    static async Task ForwardAsync(HttpContext context)
    {
        var request = context.Request;
        if (!HttpMethods.IsPost(request.Method) || request.ContentType?.StartsWith("application/grpc", StringComparison.OrdinalIgnoreCase) != true)
        {
            // Not gRPC at all: the gRPC spec's answer to a wrong content type is HTTP 415.
            context.Response.StatusCode = StatusCodes.Status415UnsupportedMediaType;
            return;
        }

        if (!HttpProtocol.IsHttp2(request.Protocol))
        {
            await Refuse(context, GrpcStatus.Internal, "Spark Connect needs HTTP/2; this connection is " + request.Protocol + ".");
            return;
        }

        var routing = request.Headers[GatewayLinks.RoutingHeader].ToString();
        if (routing.Length == 0)
        {
            await Refuse(context, GrpcStatus.InvalidArgument,
                $"No cluster named: add ;{GatewayLinks.RoutingHeader}=<tenant>%2F<cluster> to the sc:// URL (the cluster page shows the whole URL).");
            return;
        }

        if (ParseRoute(routing) is not var (tenant, cluster))
        {
            await Refuse(context, GrpcStatus.InvalidArgument,
                $"{GatewayLinks.RoutingHeader} must be <tenant>/<cluster> (e.g. default/etl), not '{Printable(routing)}'.");
            return;
        }

        var services = context.RequestServices;
        var admitted = services.GetRequiredService<GatewayAdmissions>();
        var key = GatewayAdmissions.Key(request.Headers.Authorization.ToString(), tenant, cluster);
        if (admitted.Find(key) is not var (user, door))
        {
            if (await AuthenticateAsync(context) is { } refusal)
            {
                await Refuse(context, refusal.Status, refusal.Message);
                return;
            }

            var principal = PortalPrincipal.From(context.User)!;
            if (!principal.MayWrite)
            {
                await Refuse(context, GrpcStatus.PermissionDenied, "This token is read-only; a Spark Connect session runs code, which needs a read-write token.");
                return;
            }

            var opened = await services.GetRequiredService<ClusterService>().OpenAsync(tenant, cluster, ClusterEntry.SparkConnect, context.RequestAborted);
            if (opened.Failure is { } failure)
            {
                await Refuse(context, StatusOf(failure), failure.Detail ?? failure.Title);
                return;
            }

            door = opened.Value!;
            admitted.Remember(key, context.User, door);
        }
        else
        {
            context.User = user;
        }

        var clusters = services.GetRequiredService<ClusterService>();
        var sessions = services.GetRequiredService<GatewaySessions>();
        if (await SessionId.PeekAsync(request) is { } sessionId)
            await sessions.SeenAsync(door, sessionId, clusters, context.RequestAborted);

        // Spark Connect's own limit on a message (spark.connect.grpc.maxInboundMessageSize, 128 MiB by default) is the
        // one that counts; a client-streamed upload (AddArtifacts) may be larger in total.
        if (context.Features.Get<IHttpMaxRequestBodySizeFeature>() is { IsReadOnly: false } bodySize)
            bodySize.MaxRequestBodySize = null;

        var upstream = services.GetRequiredService<ClusterUpstreams>().Connect(door);
        var forwarder = services.GetRequiredService<IHttpForwarder>();
        var error = await forwarder.SendAsync(context, upstream.Prefix, upstream.Client, RequestConfig, StripCredentials.Instance);
        if (error is not ForwarderError.None and not ForwarderError.RequestCanceled and not ForwarderError.RequestBodyCanceled)
        {
            var cause = context.Features.Get<IForwarderErrorFeature>()?.Exception;
            Unreachable(services.GetRequiredService<ILoggerFactory>().CreateLogger(typeof(SparkConnectGateway)),
                cause, door.Tenant, door.Cluster.Name, error);
            if (!context.Response.HasStarted)
                await Refuse(context, GrpcStatus.Unavailable,
                    $"Cluster '{door.Tenant}/{door.Cluster.Name}' is Running, but its Spark Connect server did not answer ({Why(cause)}); try again in a moment.");
        }
    }

    /// <summary>
    /// Why an upstream call failed, in words a notebook user can act on, without the pod names and addresses the
    /// exception carries (those go to the log).
    /// </summary>
    /// <summary>Why a call failed when the API server refused the port-forward: RBAC, not Spark.</summary>
    internal const string TunnelRefused = "the Kubernetes API refused the tunnel to it";

    internal static string Why(Exception? cause)
    {
        for (var e = cause; e is not null; e = e.InnerException)
        {
            if (e is HttpRequestException { StatusCode: HttpStatusCode.ServiceUnavailable })
                return "no Connect server pod is ready";
            if (e is IOException && e.Message.StartsWith("error forwarding port", StringComparison.Ordinal))
                return "nothing listens on its port yet";
            if (e is System.Net.WebSockets.WebSocketException or k8s.Autorest.HttpOperationException)
                return TunnelRefused;
        }

        return cause is null ? "no answer" : "the connection to it failed";
    }

    /// <summary>Null when the caller is authenticated; otherwise why not, as a gRPC status.</summary>
    static async Task<(int Status, string Message)?> AuthenticateAsync(HttpContext context)
    {
        if (!context.Request.Headers.Authorization.ToString().StartsWith("Bearer ", StringComparison.OrdinalIgnoreCase))
            return (GrpcStatus.Unauthenticated, "No token: add ;token=<personal access token> to the sc:// URL (make one at /tokens).");

        var result = await context.AuthenticateAsync();
        if (result.Succeeded && PortalPrincipal.From(result.Principal) is not null)
        {
            context.User = result.Principal!;
            return null;
        }

        return result.Failure?.Message.StartsWith("Too many", StringComparison.Ordinal) == true
            ? (GrpcStatus.ResourceExhausted, "Too many failed token attempts from this address or for this token; try again in a minute.")
            : (GrpcStatus.Unauthenticated, "The token is invalid, expired or revoked: make a new one at /tokens.");
    }

    static int StatusOf(Failure failure) => failure switch
    {
        { Kind: FailureKind.NotFound } => GrpcStatus.NotFound,
        { Kind: FailureKind.Forbidden } => GrpcStatus.PermissionDenied,
        { Code: "cluster.not-running" } => GrpcStatus.Unavailable,
        _ => GrpcStatus.FailedPrecondition,
    };

    /// <summary><c>tenant/cluster</c>, also percent-encoded (<c>tenant%2Fcluster</c>) as a client that doesn't decode URL parameters sends it.</summary>
    internal static (string Tenant, string Cluster)? ParseRoute(string value)
    {
        var decoded = value.Contains('%', StringComparison.Ordinal) ? Uri.UnescapeDataString(value) : value;
        var slash = decoded.IndexOf('/', StringComparison.Ordinal);
        if (slash <= 0 || slash == decoded.Length - 1 || decoded.IndexOf('/', slash + 1) >= 0 || !decoded.All(c => c is > ' ' and < '\u007f'))
            return null;
        return (decoded[..slash], decoded[(slash + 1)..]);
    }

    static string Printable(string value) =>
        value.Length > 80 ? string.Concat(value.AsSpan(0, 80), "…") : value;

    /// <summary>A gRPC "trailers-only" answer: HTTP 200 whose headers carry the status and message, and no body.</summary>
    internal static Task Refuse(HttpContext context, int status, string message)
    {
        // The status only: tenants in a refused call's header are whatever a caller typed (unbounded, unauthenticated).
        PortalTelemetry.GatewayRefusals.Add(1, new KeyValuePair<string, object?>(PortalTelemetry.OutcomeTag, StatusName(status)));
        var response = context.Response;
        response.StatusCode = StatusCodes.Status200OK;
        response.ContentType = "application/grpc";
        response.Headers["grpc-status"] = status.ToString(System.Globalization.CultureInfo.InvariantCulture);
        response.Headers["grpc-message"] = EncodeMessage(message);
        return Task.CompletedTask;
    }

    /// <summary>grpc-message is percent-encoded UTF-8 outside printable ASCII (and '%' itself), per the gRPC HTTP/2 spec.</summary>
    internal static string EncodeMessage(string message)
    {
        var text = new StringBuilder(message.Length);
        foreach (var b in Encoding.UTF8.GetBytes(message))
        {
            if (b is >= 0x20 and <= 0x7e && b != (byte)'%')
                text.Append((char)b);
            else
                text.Append('%').Append(b.ToString("X2", System.Globalization.CultureInfo.InvariantCulture));
        }

        return text.ToString();
    }

    static string StatusName(int status) => status switch
    {
        GrpcStatus.InvalidArgument => "invalid_argument",
        GrpcStatus.NotFound => "not_found",
        GrpcStatus.PermissionDenied => "permission_denied",
        GrpcStatus.ResourceExhausted => "resource_exhausted",
        GrpcStatus.FailedPrecondition => "failed_precondition",
        GrpcStatus.Internal => "internal",
        GrpcStatus.Unavailable => "unavailable",
        GrpcStatus.Unauthenticated => "unauthenticated",
        _ => "other",
    };

    // The whole exception, inner ones included: the outer one is the forwarder's "error while sending the request".
    [LoggerMessage(LogLevel.Warning, "Spark Connect call to {Tenant}/{Cluster} could not be forwarded ({Error})")]
    static partial void Unreachable(ILogger logger, Exception? cause, string tenant, string cluster, ForwarderError error);

    /// <summary>Copies the call as it is, minus what is the portal's alone: the caller's token and the routing header.</summary>
    sealed class StripCredentials : HttpTransformer
    {
        public static readonly StripCredentials Instance = new();

        public override async ValueTask TransformRequestAsync(HttpContext httpContext, HttpRequestMessage proxyRequest, string destinationPrefix, CancellationToken cancellationToken)
        {
            await base.TransformRequestAsync(httpContext, proxyRequest, destinationPrefix, cancellationToken);
            proxyRequest.Headers.Remove("Authorization");
            proxyRequest.Headers.Remove("Cookie");
            proxyRequest.Headers.Remove(GatewayLinks.RoutingHeader);
        }
    }
}

/// <summary>gRPC status codes the gateway answers with (grpc/doc/statuscodes.md).</summary>
internal static class GrpcStatus
{
    public const int InvalidArgument = 3;
    public const int NotFound = 5;
    public const int PermissionDenied = 7;
    public const int ResourceExhausted = 8;
    public const int FailedPrecondition = 9;
    public const int Internal = 13;
    public const int Unavailable = 14;
    public const int Unauthenticated = 16;
}

/// <summary>
/// The session id of a Spark Connect call, read from its first message without consuming it: every request message
/// of SparkConnectService carries <c>session_id</c> as field 1 (a string), the first field a client writes.
/// </summary>
internal static class SessionId
{
    // A frame header (5 bytes) and field 1's tag, length and a 36-character UUID fit in 64 bytes.
    const int Needed = 64;

    public static async Task<string?> PeekAsync(HttpRequest request)
    {
        var buffer = new byte[Needed];
        var read = 0;
        while (read < Needed)
        {
            var n = await request.Body.ReadAsync(buffer.AsMemory(read), request.HttpContext.RequestAborted);
            if (n == 0)
                break;
            read += n;
            if (Parse(buffer.AsSpan(0, read), complete: false) is { Length: > 0 })
                break;
        }

        // Whatever was read goes first again, then the rest of the body as it arrives.
        request.Body = new PrefixedStream(buffer.AsMemory(0, read), request.Body);
        return Parse(buffer.AsSpan(0, read), complete: true);
    }

    /// <summary>The session id if <paramref name="data"/> holds it; empty when more bytes might still bring it; null when it can't.</summary>
    internal static string? Parse(ReadOnlySpan<byte> data, bool complete)
    {
        if (data.Length < 7)
            return complete ? null : "";
        if (data[0] != 0)
            return null; // compressed: not worth inflating for an audit line
        var length = BinaryPrimitives.ReadUInt32BigEndian(data[1..5]);
        if (data[5] != 0x0A)
            return null; // field 1, length-delimited
        var size = data[6];
        if (size > 0x7F || size > length)
            return null;
        if (data.Length < 7 + size)
            return complete ? null : "";
        var id = Encoding.UTF8.GetString(data.Slice(7, size));
        return Guid.TryParse(id, out _) ? id : null;
    }

    sealed class PrefixedStream(ReadOnlyMemory<byte> prefix, Stream rest) : Stream
    {
        ReadOnlyMemory<byte> _prefix = prefix;

        public override bool CanRead => true;
        public override bool CanSeek => false;
        public override bool CanWrite => false;
        public override long Length => throw new NotSupportedException();
        public override long Position { get => throw new NotSupportedException(); set => throw new NotSupportedException(); }

        public override int Read(byte[] buffer, int offset, int count) => Read(buffer.AsSpan(offset, count));

        public override int Read(Span<byte> buffer)
        {
            if (_prefix.IsEmpty)
                return rest.Read(buffer);
            var n = Math.Min(buffer.Length, _prefix.Length);
            _prefix.Span[..n].CopyTo(buffer);
            _prefix = _prefix[n..];
            return n;
        }

        public override Task<int> ReadAsync(byte[] buffer, int offset, int count, CancellationToken cancellationToken) =>
            ReadAsync(buffer.AsMemory(offset, count), cancellationToken).AsTask();

        public override ValueTask<int> ReadAsync(Memory<byte> buffer, CancellationToken cancellationToken = default)
        {
            if (_prefix.IsEmpty)
                return rest.ReadAsync(buffer, cancellationToken);
            var n = Math.Min(buffer.Length, _prefix.Length);
            _prefix.Span[..n].CopyTo(buffer.Span);
            _prefix = _prefix[n..];
            return ValueTask.FromResult(n);
        }

        public override void Flush() { }
        public override long Seek(long offset, SeekOrigin origin) => throw new NotSupportedException();
        public override void SetLength(long value) => throw new NotSupportedException();
        public override void Write(byte[] buffer, int offset, int count) => throw new NotSupportedException();
    }
}

/// <summary>
/// Admitted calls, remembered for two seconds by token and cluster: a notebook's calls come in bursts (a query is
/// several RPCs), and checking each means four database round trips, several milliseconds a call. So a revoked token,
/// a changed role or a cluster that stopped being Running is refused at most two seconds late; the token itself is
/// kept only as a hash.
/// </summary>
internal sealed class GatewayAdmissions(IMemoryCache cache, TimeProvider time)
{
    static readonly TimeSpan Remembered = TimeSpan.FromSeconds(2);

    public static string Key(string authorization, string tenant, string cluster) =>
        "gateway-admitted:" + Convert.ToHexString(System.Security.Cryptography.SHA256.HashData(Encoding.UTF8.GetBytes($"{authorization}\n{tenant}\n{cluster}")));

    public (System.Security.Claims.ClaimsPrincipal User, ClusterDoor Door)? Find(string key) =>
        cache.TryGetValue(key, out (System.Security.Claims.ClaimsPrincipal, ClusterDoor) admitted) ? admitted : null;

    public void Remember(string key, System.Security.Claims.ClaimsPrincipal user, ClusterDoor door) =>
        cache.Set(key, (user, door), time.GetUtcNow() + Remembered);
}

/// <summary>
/// Audits each new Spark session through the gateway once: the first call of a session id on a cluster writes a
/// <c>cluster.connect</c> entry (who, which cluster, which session). Remembered per replica for a day, so a session
/// whose calls land on two replicas is recorded by each.
/// </summary>
internal sealed class GatewaySessions(IMemoryCache cache)
{
    static readonly MemoryCacheEntryOptions Remembered = new() { SlidingExpiration = TimeSpan.FromDays(1) };

    public async Task SeenAsync(ClusterDoor door, string sessionId, ClusterService clusters, CancellationToken ct)
    {
        var key = $"gateway-session:{door.Cluster.Id}:{sessionId}";
        if (cache.TryGetValue(key, out _))
            return;
        cache.Set(key, true, Remembered);
        PortalTelemetry.GatewaySessions.Add(1, new KeyValuePair<string, object?>(PortalTelemetry.TenantTag, door.Tenant));
        await clusters.RecordSessionAsync(door, sessionId, ct);
    }
}
