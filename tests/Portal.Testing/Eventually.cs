namespace Portal.Testing;

/// <summary>
/// The one way tests wait: poll a condition until it holds, or fail with what was awaited and what was last seen.
/// Ceilings are generous on purpose (the suite runs on a loaded 2-core machine); a test waits for an event, never
/// asserts how long it took.
/// </summary>
public static class Eventually
{
    /// <summary>How long a wait lasts unless a test says otherwise.</summary>
    public static readonly TimeSpan Ceiling = TimeSpan.FromSeconds(60);

    static readonly TimeSpan Every = TimeSpan.FromMilliseconds(50);

    /// <summary>
    /// Waits until <paramref name="condition"/> holds; throws <see cref="TimeoutException"/> naming
    /// <paramref name="what"/>, which is read at the timeout so it can say what was last seen.
    /// </summary>
    public static async Task HoldsAsync(Func<Task<bool>> condition, Func<string> what, TimeSpan? within = null, TimeSpan? every = null, CancellationToken ct = default)
    {
        var limit = within ?? Ceiling;
        if (!await TryAsync(condition, limit, every, ct))
            throw new TimeoutException($"Not within {limit.TotalSeconds} s: {what()}.");
    }

    /// <inheritdoc cref="HoldsAsync(Func{Task{bool}}, Func{string}, TimeSpan?, TimeSpan?, CancellationToken)"/>
    public static Task HoldsAsync(Func<Task<bool>> condition, string what, TimeSpan? within = null, TimeSpan? every = null, CancellationToken ct = default) =>
        HoldsAsync(condition, () => what, within, every, ct);

    /// <inheritdoc cref="HoldsAsync(Func{Task{bool}}, Func{string}, TimeSpan?, TimeSpan?, CancellationToken)"/>
    public static Task HoldsAsync(Func<bool> condition, string what, TimeSpan? within = null, TimeSpan? every = null, CancellationToken ct = default) =>
        HoldsAsync(() => Task.FromResult(condition()), () => what, within, every, ct);

    /// <summary>Whether <paramref name="condition"/> holds within <paramref name="within"/> (default <see cref="Ceiling"/>).</summary>
    public static async Task<bool> TryAsync(Func<Task<bool>> condition, TimeSpan? within = null, TimeSpan? every = null, CancellationToken ct = default)
    {
        // A monotonic clock: a wall-clock step on the machine neither cuts a wait short nor stretches it.
        var deadline = System.Diagnostics.Stopwatch.GetTimestamp() + (long)((within ?? Ceiling).TotalSeconds * System.Diagnostics.Stopwatch.Frequency);
        while (!await condition())
        {
            if (System.Diagnostics.Stopwatch.GetTimestamp() > deadline)
                return false;
            await Task.Delay(every ?? Every, ct);
        }

        return true;
    }
}
