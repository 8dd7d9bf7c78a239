using System.Text.Json;

namespace Portal.Provisioning.Spark;

/// <summary>
/// The one way the portal talks HTTP to a Spark process in a tenant namespace: through the Kubernetes API's service
/// proxy (<c>/api/v1/namespaces/NS/services/http:NAME:PORT/proxy/PATH</c>). It needs no network path into tenant
/// namespaces, works from outside the cluster, and is authorised by the portal's own RBAC (<c>services/proxy</c> get).
/// </summary>
public sealed partial class SparkEndpoint(KubernetesApi kube, ILogger<SparkEndpoint> logger)
{
    /// <summary>How long one read may take; Spark's JSON pages answer in milliseconds when the process is up.</summary>
    static readonly TimeSpan ReadTimeout = TimeSpan.FromSeconds(10);

    /// <summary>
    /// GETs <paramref name="path"/> from port <paramref name="port"/> of Service <paramref name="service"/> and reads
    /// it as <typeparamref name="T"/>; null when the process isn't there to answer (no ready pod, port refused, 404,
    /// not JSON). Not retried: an unanswered read is itself what the caller wants to know, and the next pass asks again.
    /// </summary>
    public async Task<T?> GetJsonAsync<T>(string @namespace, string service, int port, string path, CancellationToken ct)
        where T : class
    {
        using var timeout = CancellationTokenSource.CreateLinkedTokenSource(ct);
        timeout.CancelAfter(ReadTimeout);
        try
        {
            using var response = await kube.Client.CoreV1.ConnectGetNamespacedServiceProxyWithPathWithHttpMessagesAsync(
                $"http:{service}:{port}", @namespace, path, cancellationToken: timeout.Token).ConfigureAwait(false);
            return await JsonSerializer.DeserializeAsync<T>(response.Body, cancellationToken: timeout.Token).ConfigureAwait(false);
        }
        catch (HttpOperationException ex) when (ex.Response.StatusCode is HttpStatusCode.NotFound or HttpStatusCode.ServiceUnavailable
                                                     or HttpStatusCode.BadGateway or HttpStatusCode.GatewayTimeout or HttpStatusCode.InternalServerError)
        {
            Unanswered(logger, @namespace, service, port, path, (int)ex.Response.StatusCode);
            return null;
        }
        catch (JsonException)
        {
            Unanswered(logger, @namespace, service, port, path, 200);
            return null;
        }
        catch (OperationCanceledException) when (!ct.IsCancellationRequested)
        {
            Unanswered(logger, @namespace, service, port, path, 0);
            return null;
        }
        catch (HttpRequestException ex)
        {
            Unreachable(logger, @namespace, service, port, path, ex.Message);
            return null;
        }
    }

    [LoggerMessage(LogLevel.Debug, "Got no answer from service {Namespace}/{Service}:{Port} for {Path} (HTTP {Status})")]
    static partial void Unanswered(ILogger logger, string @namespace, string service, int port, string path, int status);

    [LoggerMessage(LogLevel.Debug, "Could not reach service {Namespace}/{Service}:{Port} for {Path}: {Error}")]
    static partial void Unreachable(ILogger logger, string @namespace, string service, int port, string path, string error);
}
