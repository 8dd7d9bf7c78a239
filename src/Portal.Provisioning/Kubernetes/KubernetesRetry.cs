namespace Portal.Provisioning.Kubernetes;

/// <summary>Which failures of a Kubernetes call <see cref="KubernetesRetry"/> tries again.</summary>
internal enum RetryPolicy
{
    /// <summary>
    /// Only where the server said when to come back: 429 or 5xx with a Retry-After header, up to 10 attempts, as
    /// client-go's REST client does (rest/request.go, checkWait). For calls inside a reconcile pass: anything else
    /// fails the pass and the work queue backs the key off, so no retry loop hides under that backoff.
    /// </summary>
    ServerAsked,

    /// <summary>
    /// Also 409, 5xx, connection failures and timeouts, 200 ms doubling to 10 s, up to 5 attempts. For the calls made
    /// once, outside any queue, where no later pass would try again.
    /// </summary>
    Transient,
}

/// <summary>
/// Retries one Kubernetes call on the failures its <see cref="RetryPolicy"/> names. Anything else (400, 403, 404,
/// 422) is returned to the caller at once: retrying can't fix it.
/// </summary>
internal sealed partial class KubernetesRetry(TimeProvider time, ILogger logger, RetryPolicy policy)
{
    static readonly TimeSpan FirstDelay = TimeSpan.FromMilliseconds(200);
    static readonly TimeSpan MaxDelay = TimeSpan.FromSeconds(10);

    int MaxAttempts => policy is RetryPolicy.ServerAsked ? 10 : 5;

    public async Task<T> RunAsync<T>(string operation, Func<CancellationToken, Task<T>> call, CancellationToken ct)
    {
        for (var attempt = 1; ; attempt++)
        {
            try
            {
                return await call(ct).ConfigureAwait(false);
            }
            catch (Exception ex) when (attempt < MaxAttempts && RetryDelay(policy, ex, attempt, ct) is { } delay)
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

    /// <summary>How long to wait before the next attempt, or null when the failure isn't one to retry.</summary>
    internal static TimeSpan? RetryDelay(RetryPolicy policy, Exception ex, int attempt, CancellationToken ct)
    {
        var asked = ex is HttpOperationException { Response.StatusCode: HttpStatusCode.TooManyRequests or >= HttpStatusCode.InternalServerError } http
            ? RetryAfter(http)
            : null;
        if (policy is RetryPolicy.ServerAsked || asked is not null)
            return asked;

        var backoff = TimeSpan.FromMilliseconds(Math.Min(MaxDelay.TotalMilliseconds, FirstDelay.TotalMilliseconds * Math.Pow(2, attempt - 1)));
        return ex switch
        {
            HttpOperationException { Response.StatusCode: HttpStatusCode.TooManyRequests } => backoff,
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
