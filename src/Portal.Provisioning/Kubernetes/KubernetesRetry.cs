using System.Net;
using k8s.Autorest;
using Microsoft.Extensions.Logging;

namespace Portal.Provisioning.Kubernetes;

/// <summary>
/// Retries one Kubernetes call on the failures that are about timing, not about the request: 409 Conflict
/// (a concurrent writer), 429 Too Many Requests (honouring Retry-After), 5xx, connection failures and timeouts.
/// Anything else (400, 403, 404, 422) is returned to the caller at once: retrying can't fix it.
/// </summary>
internal sealed partial class KubernetesRetry(TimeProvider time, ILogger<KubernetesRetry> logger)
{
    const int MaxAttempts = 5;
    static readonly TimeSpan FirstDelay = TimeSpan.FromMilliseconds(200);
    static readonly TimeSpan MaxDelay = TimeSpan.FromSeconds(10);

    public async Task<T> RunAsync<T>(string operation, Func<CancellationToken, Task<T>> call, CancellationToken ct)
    {
        for (var attempt = 1; ; attempt++)
        {
            try
            {
                return await call(ct).ConfigureAwait(false);
            }
            catch (Exception ex) when (attempt < MaxAttempts && RetryDelay(ex, attempt, ct) is { } delay)
            {
                Retrying(logger, operation, attempt, delay.TotalMilliseconds, ex.Message);
                await Task.Delay(delay, time, ct).ConfigureAwait(false);
            }
        }
    }

    public Task RunAsync(string operation, Func<CancellationToken, Task> call, CancellationToken ct) =>
        RunAsync<bool>(operation, async c =>
        {
            await call(c).ConfigureAwait(false);
            return true;
        }, ct);

    /// <summary>How long to wait before the next attempt, or null when the failure isn't worth retrying.</summary>
    internal static TimeSpan? RetryDelay(Exception ex, int attempt, CancellationToken ct)
    {
        var backoff = TimeSpan.FromMilliseconds(Math.Min(MaxDelay.TotalMilliseconds, FirstDelay.TotalMilliseconds * Math.Pow(2, attempt - 1)));
        return ex switch
        {
            HttpOperationException { Response.StatusCode: HttpStatusCode.TooManyRequests } http => RetryAfter(http) ?? backoff,
            HttpOperationException { Response.StatusCode: HttpStatusCode.Conflict } => backoff,
            HttpOperationException { Response.StatusCode: >= HttpStatusCode.InternalServerError } => backoff,
            HttpRequestException => backoff,
            // A timeout surfaces as a cancellation the caller didn't ask for.
            OperationCanceledException or TimeoutException when !ct.IsCancellationRequested => backoff,
            _ => null,
        };
    }

    static TimeSpan? RetryAfter(HttpOperationException http)
    {
        if (http.Response.Headers is { } headers
            && headers.TryGetValue("Retry-After", out var values)
            && int.TryParse(values.FirstOrDefault(), out var seconds))
        {
            return TimeSpan.FromSeconds(Math.Clamp(seconds, 0, 60));
        }

        return null;
    }

    [LoggerMessage(LogLevel.Debug, "Retrying {Operation} after attempt {Attempt} in {DelayMs} ms: {Error}")]
    static partial void Retrying(ILogger logger, string operation, int attempt, double delayMs, string error);
}
