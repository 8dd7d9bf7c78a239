using System.Net;
using Yarp.ReverseProxy.Forwarder;

namespace Portal.Web.Features.Gateway;

/// <summary>
/// The Spark UIs behind the portal's sign-in: <c>/spark/{tenant}/{cluster}/…</c> is the cluster's master UI, which
/// (with <c>spark.ui.reverseProxy</c>, set on every cluster) proxies its workers' and applications' UIs under
/// <c>/proxy/{id}/</c> and links everything under the portal path. Any member of the tenant may look; another
/// tenant's cluster is a 404, an anonymous browser is sent to sign in.
/// </summary>
internal static partial class SparkUiProxy
{
    static readonly ForwarderRequestConfig RequestConfig = new()
    {
        // A Spark page answers in milliseconds; a hung one shouldn't hold the browser for long.
        ActivityTimeout = TimeSpan.FromSeconds(60),
    };

    public static IEndpointRouteBuilder MapSparkUi(this IEndpointRouteBuilder app)
    {
        var ui = app.MapGroup("/spark/{tenant}/{cluster}").RequireAuthorization().ExcludeFromDescription();
        ui.Map("/{**path}", ForwardAsync);
        // Its own prefix, not under /spark/{tenant}/: "history" is a valid cluster name.
        var history = app.MapGroup("/spark-history/{tenant}").RequireAuthorization().ExcludeFromDescription();
        history.Map("/{**path}", ForwardHistoryAsync);
        return app;
    }

    /// <summary>
    /// The tenant's history server (<see cref="HistoryServerService"/>), for any of its members; opening it keeps it
    /// from being stopped as idle. Its links are under this prefix (<c>spark.ui.proxyBase</c>).
    /// </summary>
    static async Task ForwardHistoryAsync(HttpContext context, string tenant, string? path,
        HistoryServerService histories, ClusterUpstreams upstreams, IHttpForwarder forwarder, ILoggerFactory loggers)
    {
        if (string.IsNullOrEmpty(path) && !context.Request.Path.Value!.EndsWith('/'))
        {
            context.Response.Redirect($"{context.Request.PathBase}{context.Request.Path}/{context.Request.QueryString}");
            return;
        }

        var opened = await histories.OpenAsync(tenant, context.RequestAborted);
        if (opened.Failure is { } failure)
        {
            await Results.Problem(statusCode: failure.Kind == FailureKind.NotFound ? StatusCodes.Status404NotFound : StatusCodes.Status503ServiceUnavailable,
                title: failure.Title, detail: failure.Detail).ExecuteAsync(context);
            return;
        }

        var upstream = upstreams.HistoryUi(opened.Value!);
        var error = await forwarder.SendAsync(context, upstream.Prefix, upstream.Client, RequestConfig, new ToSparkPath(path ?? ""));
        if (error is not ForwarderError.None and not ForwarderError.RequestCanceled)
        {
            Unreachable(loggers.CreateLogger(typeof(SparkUiProxy)), context.Features.Get<IForwarderErrorFeature>()?.Exception,
                tenant, "history-server", error);
            if (!context.Response.HasStarted)
                await Results.Problem(statusCode: StatusCodes.Status502BadGateway, title: "The history server did not answer.",
                    detail: $"Tenant '{tenant}''s history server is Running, but did not answer; try again in a moment.")
                    .ExecuteAsync(context);
        }
    }

    static async Task ForwardAsync(HttpContext context, string tenant, string cluster, string? path,
        ClusterService clusters, ClusterUpstreams upstreams, IHttpForwarder forwarder, ILoggerFactory loggers)
    {
        // Spark's pages use relative links: the UI's root must end in a slash. (Routing ignores a trailing slash, so
        // the request's own path says whether it had one.)
        if (string.IsNullOrEmpty(path) && !context.Request.Path.Value!.EndsWith('/'))
        {
            context.Response.Redirect($"{context.Request.PathBase}{context.Request.Path}/{context.Request.QueryString}");
            return;
        }

        var opened = await clusters.OpenAsync(tenant, cluster, ClusterEntry.SparkUi, context.RequestAborted);
        if (opened.Failure is { } failure)
        {
            await Results.Problem(statusCode: failure.Kind switch
            {
                FailureKind.NotFound => StatusCodes.Status404NotFound,
                FailureKind.Forbidden => StatusCodes.Status403Forbidden,
                _ => StatusCodes.Status503ServiceUnavailable,
            }, title: failure.Title, detail: failure.Detail).ExecuteAsync(context);
            return;
        }

        var upstream = upstreams.MasterUi(opened.Value!);
        var error = await forwarder.SendAsync(context, upstream.Prefix, upstream.Client, RequestConfig, new ToSparkPath(path ?? ""));
        if (error is not ForwarderError.None and not ForwarderError.RequestCanceled)
        {
            Unreachable(loggers.CreateLogger(typeof(SparkUiProxy)), context.Features.Get<IForwarderErrorFeature>()?.Exception,
                tenant, cluster, error);
            if (!context.Response.HasStarted)
                await Results.Problem(statusCode: StatusCodes.Status502BadGateway, title: "The Spark UI did not answer.",
                    detail: $"Cluster '{tenant}/{cluster}' is Running, but its master's web UI did not answer; try again in a moment.")
                    .ExecuteAsync(context);
        }
    }

    [LoggerMessage(LogLevel.Warning, "Spark UI of {Tenant}/{Cluster} could not be proxied ({Error})")]
    static partial void Unreachable(ILogger logger, Exception? cause, string tenant, string cluster, ForwarderError error);

    /// <summary>
    /// Sends the path below the portal's prefix to Spark, without the portal's cookies or any Authorization header:
    /// Spark's UI needs neither, and must never see the portal's session.
    /// </summary>
    sealed class ToSparkPath(string path) : HttpTransformer
    {
        public override async ValueTask TransformRequestAsync(HttpContext httpContext, HttpRequestMessage proxyRequest, string destinationPrefix, CancellationToken cancellationToken)
        {
            await base.TransformRequestAsync(httpContext, proxyRequest, destinationPrefix, cancellationToken);
            proxyRequest.RequestUri = new Uri($"{destinationPrefix}/{EscapePath(path)}{httpContext.Request.QueryString}");
            proxyRequest.Headers.Remove("Cookie");
            proxyRequest.Headers.Remove("Authorization");
            proxyRequest.Headers.Host = null;
        }

        public override async ValueTask<bool> TransformResponseAsync(HttpContext httpContext, HttpResponseMessage? proxyResponse, CancellationToken cancellationToken)
        {
            var proceed = await base.TransformResponseAsync(httpContext, proxyResponse, cancellationToken);
            httpContext.Response.Headers.Remove("Set-Cookie");
            return proceed;
        }

        static string EscapePath(string path) =>
            string.Join('/', path.Split('/').Select(segment => Uri.EscapeDataString(Uri.UnescapeDataString(segment))));
    }
}
