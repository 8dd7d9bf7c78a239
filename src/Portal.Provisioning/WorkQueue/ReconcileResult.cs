namespace Portal.Provisioning.WorkQueue;

/// <summary>What a reconcile pass asks of the queue: nothing more, or another look after a delay.</summary>
/// <param name="RequeueAfter">When to look again; null when only a change (watch, poll, resync) should.</param>
public readonly record struct ReconcileResult(TimeSpan? RequeueAfter)
{
    /// <summary>Converged; nothing to wait for.</summary>
    public static ReconcileResult Done => new(null);

    /// <summary>Waiting on something (pods starting, deletion, expiry): look again after <paramref name="delay"/>.</summary>
    public static ReconcileResult After(TimeSpan delay) => new(delay);
}
