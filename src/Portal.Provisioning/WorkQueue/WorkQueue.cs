namespace Portal.Provisioning.WorkQueue;

/// <summary>
/// A queue of keys (never events), after client-go's workqueue: a key queued twice before it is taken is processed
/// once; a key added while it is being processed is processed again after <see cref="Done"/>, never by two workers
/// at once. Failures back off per key, exponentially from one second to five minutes with ±10 % jitter, until
/// <see cref="Forget"/> resets them. A key can also be queued for a look only (<see cref="LookAfter"/>): the periodic
/// check of something converged, which its reconciler may make cheaper than a whole pass; any <see cref="Add"/> before
/// it is taken makes it a whole pass again.
/// </summary>
/// <typeparam name="TKey">The identity of the thing to reconcile.</typeparam>
public sealed class WorkQueue<TKey> : IDisposable
    where TKey : notnull
{
    /// <summary>Delay after the first failure.</summary>
    public static readonly TimeSpan BaseDelay = TimeSpan.FromSeconds(1);

    /// <summary>Longest delay between retries of a failing key.</summary>
    public static readonly TimeSpan MaxDelay = TimeSpan.FromMinutes(5);

    readonly Lock _lock = new();
    readonly Queue<TKey> _ready = new();
    readonly HashSet<TKey> _dirty = [];
    readonly HashSet<TKey> _processing = [];
    // Queued keys that only a look queued: no Add since.
    readonly HashSet<TKey> _looks = [];
    readonly Dictionary<TKey, (DateTimeOffset Due, ITimer Timer, bool Look)> _waiting = [];
    readonly Dictionary<TKey, int> _failures = [];
    readonly SemaphoreSlim _available = new(0);
    readonly TimeProvider _time;
    readonly Random _jitter;
    bool _disposed;

    /// <summary>Creates a queue whose delays run on <paramref name="time"/>.</summary>
    /// <param name="time">Clock and timers; tests pass a fake one.</param>
    /// <param name="jitter">Source of jitter; tests pass a predictable one.</param>
    public WorkQueue(TimeProvider time, Random? jitter = null)
    {
        _time = time;
        _jitter = jitter ?? Random.Shared;
    }

    /// <summary>Keys ready to be taken.</summary>
    public int Count
    {
        get
        {
            lock (_lock)
            {
                return _ready.Count;
            }
        }
    }

    /// <summary>Queues <paramref name="key"/> now, unless it is already queued, for a whole pass.</summary>
    public void Add(TKey key) => Queue(key, look: false);

    void Queue(TKey key, bool look)
    {
        lock (_lock)
        {
            if (_disposed)
            {
                return;
            }

            // A change makes the next pass a whole one, even when a look had queued the key already.
            if (!look)
            {
                _looks.Remove(key);
            }

            if (!_dirty.Add(key))
            {
                return;
            }

            if (look)
            {
                _looks.Add(key);
            }

            // Taken again by whoever finishes it: two workers never reconcile one key at once.
            if (_processing.Contains(key))
            {
                return;
            }

            _ready.Enqueue(key);
        }

        _available.Release();
    }

    /// <summary>Queues <paramref name="key"/> after <paramref name="delay"/> for a whole pass; an earlier pending time wins.</summary>
    public void AddAfter(TKey key, TimeSpan delay) => QueueAfter(key, delay, look: false);

    /// <summary>
    /// Queues <paramref name="key"/> after <paramref name="delay"/> for a look only (<see cref="TakeNextAsync"/> says
    /// so), unless an <see cref="Add"/> or <see cref="AddAfter(TKey, TimeSpan)"/> asks for a whole pass meanwhile; an
    /// earlier pending time wins.
    /// </summary>
    public void LookAfter(TKey key, TimeSpan delay) => QueueAfter(key, delay, look: true);

    void QueueAfter(TKey key, TimeSpan delay, bool look)
    {
        if (delay <= TimeSpan.Zero)
        {
            Queue(key, look);
            return;
        }

        lock (_lock)
        {
            if (_disposed)
            {
                return;
            }

            var due = _time.GetUtcNow() + delay;
            if (_waiting.TryGetValue(key, out var pending))
            {
                if (pending.Due <= due)
                {
                    // The earlier time stays; it is a look only if both asked for one.
                    _waiting[key] = pending with { Look = pending.Look && look };
                    return;
                }

                pending.Timer.Dispose();
                look &= pending.Look;
            }

            var timer = _time.CreateTimer(Fire, key, delay, Timeout.InfiniteTimeSpan);
            _waiting[key] = (due, timer, look);
        }
    }

    /// <summary>Queues <paramref name="key"/> after its next backoff delay, and returns that delay.</summary>
    public TimeSpan AddRateLimited(TKey key)
    {
        TimeSpan delay;
        lock (_lock)
        {
            var failures = _failures[key] = _failures.GetValueOrDefault(key) + 1;
            delay = Backoff(failures);
        }

        AddAfter(key, delay);
        return delay;
    }

    /// <summary>Forgets the failures of <paramref name="key"/>, so its next failure waits one second again.</summary>
    public void Forget(TKey key)
    {
        lock (_lock)
        {
            _failures.Remove(key);
        }
    }

    /// <summary>How many times in a row <paramref name="key"/> has failed.</summary>
    public int Failures(TKey key)
    {
        lock (_lock)
        {
            return _failures.GetValueOrDefault(key);
        }
    }

    /// <summary>Waits for the next ready key and marks it as being processed; call <see cref="Done"/> after.</summary>
    public async ValueTask<TKey> TakeAsync(CancellationToken ct) => (await TakeNextAsync(ct).ConfigureAwait(false)).Key;

    /// <summary>
    /// As <see cref="TakeAsync"/>, and whether only a look is due: only <see cref="LookAfter"/> queued the key, nothing
    /// asked for a whole pass since.
    /// </summary>
    public async ValueTask<(TKey Key, bool Look)> TakeNextAsync(CancellationToken ct)
    {
        await _available.WaitAsync(ct).ConfigureAwait(false);
        lock (_lock)
        {
            // Every Release matches one Enqueue, so after a successful wait there is a key.
            var key = _ready.Dequeue();
            _dirty.Remove(key);
            _processing.Add(key);
            return (key, _looks.Remove(key));
        }
    }

    /// <summary>Marks <paramref name="key"/> as processed; if it was added meanwhile, queues it again.</summary>
    public void Done(TKey key)
    {
        lock (_lock)
        {
            _processing.Remove(key);
            if (_disposed || !_dirty.Contains(key))
            {
                return;
            }

            _ready.Enqueue(key);
        }

        _available.Release();
    }

    /// <inheritdoc/>
    public void Dispose()
    {
        lock (_lock)
        {
            _disposed = true;
            foreach (var (_, timer, _) in _waiting.Values)
            {
                timer.Dispose();
            }

            _waiting.Clear();
        }
    }

    TimeSpan Backoff(int failures)
    {
        // 2^(n-1) seconds, computed in doubles so a long failure streak can't overflow before the cap.
        var seconds = Math.Min(MaxDelay.TotalSeconds, BaseDelay.TotalSeconds * Math.Pow(2, Math.Min(failures - 1, 30)));
        var jitter = 0.9 + (0.2 * _jitter.NextDouble());
        return TimeSpan.FromSeconds(seconds * jitter);
    }

    void Fire(object? state)
    {
        var key = (TKey)state!;
        bool look;
        lock (_lock)
        {
            if (!_waiting.Remove(key, out var pending))
            {
                return;
            }

            pending.Timer.Dispose();
            look = pending.Look;
        }

        Queue(key, look);
    }
}
