namespace Portal.Provisioning.WorkQueue;

/// <summary>What a reconcile pass asks of the queue: nothing more, or another look after a delay.</summary>
/// <param name="RequeueAfter">When to look again; null when only a change (watch, poll, resync) should.</param>
/// <param name="LookOnly">Whether that is a look only (<see cref="WorkQueue{TKey}.LookAfter"/>), not a whole pass.</param>
public readonly record struct ReconcileResult(TimeSpan? RequeueAfter, bool LookOnly = false)
{
    /// <summary>Converged; nothing to wait for.</summary>
    public static ReconcileResult Done => new(null);

    /// <summary>Waiting on something (pods starting, deletion, expiry): look again after <paramref name="delay"/>.</summary>
    public static ReconcileResult After(TimeSpan delay) => new(delay);

    /// <summary>
    /// Converged, with something outside the watched objects to look at again after <paramref name="delay"/> (Spark's
    /// own status): a look only, unless a change asks for a whole pass first.
    /// </summary>
    public static ReconcileResult LookAfter(TimeSpan delay) => new(delay, LookOnly: true);
}
