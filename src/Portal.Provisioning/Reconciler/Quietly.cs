namespace Portal.Provisioning.Reconciler;

/// <summary>Waits of the leader's loops, which end when leadership or the process does.</summary>
internal static class Quietly
{
    /// <summary>Waits <paramref name="delay"/>; returns early, without throwing, when <paramref name="ct"/> is cancelled.</summary>
    public static async Task DelayAsync(TimeSpan delay, TimeProvider time, CancellationToken ct)
    {
        try
        {
            await Task.Delay(delay, time, ct).ConfigureAwait(false);
        }
        catch (OperationCanceledException)
        {
            // Leadership lost or shutting down; the loops check the token.
        }
    }
}
