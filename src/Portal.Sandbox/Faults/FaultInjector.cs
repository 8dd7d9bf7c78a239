namespace Portal.Sandbox.Faults;

/// <summary>Applies <see cref="FaultOptions"/> to a resource request: latency first, then maybe an injected error.</summary>
internal static class FaultInjector
{
    public static async Task<ApiError?> BeforeRequest(FaultOptions faults, CancellationToken ct)
    {
        var latency = faults.Latency;
        if (latency > TimeSpan.Zero) await Task.Delay(latency, ct);
        var rate = faults.ErrorRate;
        if (rate <= 0 || Random.Shared.NextDouble() >= rate) return null;
        return faults.ErrorStatus == 429
            ? ApiError.TooManyRequests(faults.RetryAfterSeconds)
            : ApiError.Internal("injected fault");
    }

    /// <summary>True when a watch stream that started at <paramref name="started"/> and sent <paramref name="sent"/> events must be dropped now.</summary>
    public static bool ShouldDropWatch(FaultOptions faults, DateTime started, int sent) =>
        (faults.DropWatchAfterEvents is { } max && sent >= max) ||
        (faults.DropWatchAfter is { } after && DateTime.UtcNow - started >= after);
}
