namespace Portal.Sandbox.Controllers;

/// <summary>A level-triggered reconciler: store events map to keys; each key is reconciled from current state.</summary>
internal interface IReconciler
{
    IEnumerable<string> KeysFor(StoreEvent e);

    /// <summary>Brings the key's objects to their desired state; returns when to look again, if ever.</summary>
    TimeSpan? Reconcile(string key);
}

/// <summary>
/// Runs the simulated control plane (namespace, garbage collector, deployment, replicaset, statefulset and quota
/// controllers, and a kubelet) on one background loop fed by the store's change stream. One loop means controllers
/// never race each other; every write still goes through the registry, so admission applies to them too.
/// </summary>
internal sealed partial class ControllerHost : IAsyncDisposable
{
    readonly Registry _registry;
    readonly ILogger _logger;
    readonly IReconciler[] _reconcilers;
    readonly OwnerIndex _owners = new();
    readonly HashSet<(IReconciler, string)> _dirty = [];
    readonly Queue<(IReconciler, string)> _ready = new();
    readonly PriorityQueue<(IReconciler Reconciler, string Key), DateTime> _delayed = new();
    readonly CancellationTokenSource _stop = new();
    Watcher? _watcher;
    Task? _loop;

    public ControllerHost(Registry registry, SandboxOptions options, ILogger logger, Spark.SparkSimulation spark)
    {
        _registry = registry;
        _logger = logger;
        var events = new EventRecorder(registry);
        _reconcilers =
        [
            new NamespaceController(registry),
            new GarbageCollector(registry, _owners),
            new DeploymentController(registry, events),
            new ReplicaSetController(registry, events),
            new StatefulSetController(registry, events),
            new Kubelet(registry, events, options, spark.Volumes),
            new PersistentVolumeController(registry, events, spark.Volumes),
            new QuotaController(registry),
            new DisruptionController(registry),
            new EventTtlController(registry),
            new Spark.SparkObserver(spark, events),
        ];
    }

    public void Start()
    {
        lock (_registry.Store.Gate)
        {
            // Level-triggered start: reconcile whatever a loaded state file holds, then follow changes.
            foreach (var (kind, obj) in _registry.Store.Everything())
            {
                var synthetic = new StoreEvent(obj.ResourceVersion(), kind, WatchEventType.Added, obj);
                _owners.Observe(synthetic);
                Enqueue(synthetic);
            }
            _watcher = _registry.Store.Watch(null, null, _registry.Store.Revision)!;
        }
        _loop = Task.Factory.StartNew(() => Run(_stop.Token), _stop.Token, TaskCreationOptions.LongRunning, TaskScheduler.Default).Unwrap();
    }

    void Enqueue(StoreEvent e)
    {
        foreach (var reconciler in _reconcilers)
            foreach (var key in reconciler.KeysFor(e))
                if (_dirty.Add((reconciler, key))) _ready.Enqueue((reconciler, key));
    }

    async Task Run(CancellationToken ct)
    {
        var reader = _watcher!.Channel.Reader;
        while (!ct.IsCancellationRequested)
        {
            while (reader.TryRead(out var e))
            {
                _owners.Observe(e);
                Enqueue(e);
            }
            var now = DateTime.UtcNow;
            while (_delayed.TryPeek(out var item, out var due) && due <= now)
            {
                _delayed.Dequeue();
                if (_dirty.Add(item)) _ready.Enqueue(item);
            }
            if (_ready.TryDequeue(out var work))
            {
                _dirty.Remove(work);
                ReconcileSafely(work.Item1, work.Item2);
                continue;
            }
            var wait = _delayed.TryPeek(out _, out var next) ? next - DateTime.UtcNow : TimeSpan.FromSeconds(5);
            if (wait < TimeSpan.Zero) continue;
            using var timeout = CancellationTokenSource.CreateLinkedTokenSource(ct);
            timeout.CancelAfter(wait);
            try
            {
                await reader.WaitToReadAsync(timeout.Token);
            }
            catch (OperationCanceledException) when (!ct.IsCancellationRequested)
            {
                // Time for a delayed item.
            }
        }
    }

    void ReconcileSafely(IReconciler reconciler, string key)
    {
        try
        {
            if (reconciler.Reconcile(key) is { } after) _delayed.Enqueue((reconciler, key), DateTime.UtcNow + after);
        }
        catch (ApiError e) when (e.Code is 409 or 404)
        {
            // Optimistic concurrency: the object changed or went while we worked; look again soon.
            _delayed.Enqueue((reconciler, key), DateTime.UtcNow + TimeSpan.FromMilliseconds(20));
        }
        catch (Exception e) when (e is not OutOfMemoryException)
        {
            // A controller bug must not stop the control plane: log, then retry the key later.
            ReconcileFailed(_logger, e, reconciler.GetType().Name, key);
            _delayed.Enqueue((reconciler, key), DateTime.UtcNow + TimeSpan.FromSeconds(1));
        }
    }

    public async ValueTask DisposeAsync()
    {
        await _stop.CancelAsync();
        if (_loop is not null)
        {
            try
            {
                await _loop;
            }
            catch (OperationCanceledException)
            {
                // Stopping.
            }
        }
        _watcher?.Dispose();
        _stop.Dispose();
    }

    [LoggerMessage(LogLevel.Error, "Failed to reconcile {Controller} {Key}")]
    static partial void ReconcileFailed(ILogger logger, Exception exception, string controller, string key);
}

/// <summary>Which objects name a given uid in their ownerReferences, kept current from the change stream.</summary>
internal sealed class OwnerIndex
{
    readonly Dictionary<string, HashSet<(ResourceKind Kind, string? Namespace, string Name)>> _dependents = [];
    readonly Dictionary<(ResourceKind, string?, string), string[]> _ownersOf = [];

    public void Observe(StoreEvent e)
    {
        var key = (e.Kind, e.Object.Namespace(), e.Object.Name());
        if (_ownersOf.Remove(key, out var previous))
            foreach (var uid in previous)
                if (_dependents.TryGetValue(uid, out var set) && set.Remove(key) && set.Count == 0) _dependents.Remove(uid);
        if (e.Type == WatchEventType.Deleted) return;
        var owners = e.Object.Objects("metadata", "ownerReferences").Select(o => o.Str("uid") ?? "").Where(u => u.Length > 0).ToArray();
        if (owners.Length == 0) return;
        _ownersOf[key] = owners;
        foreach (var uid in owners)
        {
            if (!_dependents.TryGetValue(uid, out var set)) _dependents[uid] = set = [];
            set.Add(key);
        }
    }

    public IReadOnlyCollection<(ResourceKind Kind, string? Namespace, string Name)> DependentsOf(string uid) =>
        _dependents.TryGetValue(uid, out var set) ? set.ToList() : [];
}

/// <summary>Helpers shared by the reconcilers.</summary>
internal static class ControllerKeys
{
    public static string For(JsonObject obj) => $"{obj.Namespace()}/{obj.Name()}";

    public static (string Namespace, string Name) Split(string key)
    {
        var slash = key.IndexOf('/');
        return (key[..slash], key[(slash + 1)..]);
    }

    /// <summary>
    /// What a controller owning pods of <paramref name="kind"/> reconciles for <paramref name="e"/>: the object itself,
    /// the owner of a changed pod, and, when quota may have been freed, the owners in <paramref name="blocked"/>
    /// waiting in backoff in that namespace.
    /// </summary>
    public static IEnumerable<string> ForPodOwner(StoreEvent e, ResourceKind kind, IEnumerable<string> blocked)
    {
        if (e.Kind == kind) yield return For(e.Object);
        else if (e.Kind == ResourceCatalog.Pods && ControllerOf(e.Object) is { } owner && owner.Str("kind") == kind.Kind)
            yield return $"{e.Object.Namespace()}/{owner.Str("name")}";
        else if (e.Kind == ResourceCatalog.ResourceQuotas || (e.Type == WatchEventType.Deleted && e.Kind == ResourceCatalog.Pods))
            foreach (var key in blocked.Where(k => k.StartsWith(e.Object.Namespace() + "/", StringComparison.Ordinal)).ToList())
                yield return key;
    }

    public static JsonObject? ControllerOf(JsonObject obj) =>
        obj.Objects("metadata", "ownerReferences").FirstOrDefault(o => o.Bool("controller") == true);

    public static JsonObject OwnerReference(ResourceKind kind, JsonObject owner) => new()
    {
        ["apiVersion"] = kind.GroupVersion,
        ["kind"] = kind.Kind,
        ["name"] = owner.Name(),
        ["uid"] = owner.Uid(),
        ["controller"] = true,
        ["blockOwnerDeletion"] = true,
    };

    /// <summary>
    /// rand.SafeEncodeString over an FNV-1a hash, as the deployment controller names pod-template-hash. The template
    /// is hashed in canonical form (keys sorted), so the same template always gets the same hash.
    /// </summary>
    public static string TemplateHash(JsonNode? template)
    {
        const string alphabet = "bcdfghjklmnpqrstvwxz2456789";
        var hash = 2166136261u;
        foreach (var b in System.Text.Encoding.UTF8.GetBytes(Canonical(template)))
        {
            hash ^= b;
            hash *= 16777619;
        }
        var digits = hash.ToString(System.Globalization.CultureInfo.InvariantCulture);
        return string.Concat(digits.Select(d => alphabet[d % alphabet.Length]));
    }

    static string Canonical(JsonNode? node) => node switch
    {
        JsonObject o => "{" + string.Join(",", o.OrderBy(p => p.Key, StringComparer.Ordinal).Select(p => $"\"{p.Key}\":{Canonical(p.Value)}")) + "}",
        JsonArray a => "[" + string.Join(",", a.Select(Canonical)) + "]",
        null => "null",
        _ => node.ToJsonString(),
    };
}
