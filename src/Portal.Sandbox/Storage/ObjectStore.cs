using System.Threading.Channels;

namespace Portal.Sandbox.Storage;

internal enum WatchEventType { Added, Modified, Deleted }

/// <summary>
/// One committed change. <see cref="Object"/> is the stored snapshot and is never mutated; <see cref="Previous"/>
/// is the state it replaced (for MODIFIED), which lets filtered watches report objects entering or leaving.
/// </summary>
internal sealed record StoreEvent(long ResourceVersion, ResourceKind Kind, WatchEventType Type, JsonObject Object, JsonObject? Previous = null)
{
    public string TypeName => Type switch
    {
        WatchEventType.Added => "ADDED",
        WatchEventType.Modified => "MODIFIED",
        _ => "DELETED",
    };
}

/// <summary>
/// A stored object with what every list needs precomputed once per write: its labels for selectors and its
/// serialised JSON as a list item, so a list of thousands of objects is a copy of bytes, not a re-serialisation.
/// </summary>
internal sealed class Stored
{
    public Stored(JsonObject obj)
    {
        Object = obj;
        Labels = obj.Labels();
        ListItemUtf8 = WithoutTypeMeta(obj);
    }

    /// <summary>Items of a list carry no kind or apiVersion on the wire, as with the real API server.</summary>
    static byte[] WithoutTypeMeta(JsonObject obj)
    {
        using var buffer = new MemoryStream();
        using (var writer = new System.Text.Json.Utf8JsonWriter(buffer))
        {
            writer.WriteStartObject();
            foreach (var (key, value) in obj)
            {
                if (key is "kind" or "apiVersion") continue;
                writer.WritePropertyName(key);
                if (value is null) writer.WriteNullValue();
                else value.WriteTo(writer);
            }
            writer.WriteEndObject();
        }
        return buffer.ToArray();
    }

    public JsonObject Object { get; }

    public IReadOnlyDictionary<string, string> Labels { get; }

    public byte[] ListItemUtf8 { get; }
}

/// <summary>
/// In-memory storage of every object, one global resourceVersion counter (like etcd's revision),
/// a bounded history of changes for watch resumption, and the live watchers.
/// </summary>
/// <remarks>
/// Every member must be called while holding <see cref="Gate"/>: the registry takes it once per request so that
/// admission (quota, namespace lifecycle) and the write are one atomic step, as they are in a real cluster.
/// Stored objects are immutable snapshots: writers clone, change and store the clone.
/// </remarks>
internal sealed class ObjectStore(int historyLimit)
{
    readonly Dictionary<ResourceKind, SortedDictionary<string, SortedDictionary<string, Stored>>> _objects =
        ResourceCatalog.All.ToDictionary(k => k, _ => new SortedDictionary<string, SortedDictionary<string, Stored>>(StringComparer.Ordinal));
    // Equality label index: (key, value) -> the objects carrying it, so a selected list never scans a whole kind.
    readonly Dictionary<ResourceKind, Dictionary<(string Key, string Value), HashSet<(string Namespace, string Name)>>> _labelIndex =
        ResourceCatalog.All.ToDictionary(k => k, _ => new Dictionary<(string, string), HashSet<(string, string)>>());
    readonly Queue<StoreEvent> _history = new();
    readonly List<Watcher> _watchers = [];
    long _revision;

    public Lock Gate { get; } = new();

    public long Revision => _revision;

    /// <summary>The oldest resourceVersion a watch may resume from; older ones get 410 Expired.</summary>
    public long OldestResumable => _history.TryPeek(out var first) ? first.ResourceVersion - 1 : _revision;

    public long OldestResumableLocked()
    {
        lock (Gate) return OldestResumable;
    }

    public JsonObject? Get(ResourceKind kind, string? ns, string name) => GetStored(kind, ns, name)?.Object;

    public Stored? GetStored(ResourceKind kind, string? ns, string name) =>
        _objects[kind].TryGetValue(ns ?? "", out var byName) && byName.TryGetValue(name, out var stored) ? stored : null;

    /// <summary>Objects of a kind in namespace then name order (the real server's order), optionally in one namespace.</summary>
    public IEnumerable<JsonObject> List(ResourceKind kind, string? ns = null) => ListStored(kind, ns).Select(s => s.Object);

    /// <summary>Objects carrying label <paramref name="key"/>=<paramref name="value"/>, in namespace then name order.</summary>
    public IEnumerable<Stored> ListByLabel(ResourceKind kind, string? ns, string key, string value)
    {
        if (!_labelIndex[kind].TryGetValue((key, value), out var keys)) return [];
        return keys
            .Where(k => ns is null || k.Namespace == ns)
            .Order(Comparer<(string Namespace, string Name)>.Create((a, b) =>
                string.CompareOrdinal(a.Namespace, b.Namespace) is var c and not 0 ? c : string.CompareOrdinal(a.Name, b.Name)))
            .Select(k => _objects[kind][k.Namespace][k.Name])
            .ToList();
    }

    void Index(ResourceKind kind, string ns, string name, Stored? previous, Stored? next)
    {
        var index = _labelIndex[kind];
        if (previous is not null)
            foreach (var label in previous.Labels)
                if (index.TryGetValue((label.Key, label.Value), out var set) && set.Remove((ns, name)) && set.Count == 0)
                    index.Remove((label.Key, label.Value));
        if (next is not null)
            foreach (var label in next.Labels)
            {
                if (!index.TryGetValue((label.Key, label.Value), out var set)) index[(label.Key, label.Value)] = set = [];
                set.Add((ns, name));
            }
    }

    public IEnumerable<Stored> ListStored(ResourceKind kind, string? ns = null)
    {
        var byNamespace = _objects[kind];
        if (ns is not null)
            return byNamespace.TryGetValue(ns, out var byName) ? byName.Values : [];
        return byNamespace.Values.SelectMany(byName => byName.Values);
    }

    public int Count(ResourceKind kind, string ns) =>
        _objects[kind].TryGetValue(ns, out var byName) ? byName.Count : 0;

    /// <summary>Stores <paramref name="obj"/> under a new resourceVersion and notifies watchers.</summary>
    public JsonObject Put(ResourceKind kind, JsonObject obj, WatchEventType type)
    {
        var rv = ++_revision;
        obj.Metadata()["resourceVersion"] = rv.ToString(System.Globalization.CultureInfo.InvariantCulture);
        var previous = Store(kind, obj);
        Publish(new StoreEvent(rv, kind, type, obj, previous?.Object));
        return obj;
    }

    /// <summary>Removes an object; the DELETED event carries <paramref name="finalState"/> at a new resourceVersion.</summary>
    public JsonObject Remove(ResourceKind kind, JsonObject finalState)
    {
        var ns = kind.Namespaced ? finalState.Namespace() ?? "" : "";
        if (_objects[kind].TryGetValue(ns, out var byName))
        {
            if (byName.Remove(finalState.Name(), out var previous)) Index(kind, ns, finalState.Name(), previous, null);
            if (byName.Count == 0) _objects[kind].Remove(ns);
        }
        var rv = ++_revision;
        finalState.Metadata()["resourceVersion"] = rv.ToString(System.Globalization.CultureInfo.InvariantCulture);
        Publish(new StoreEvent(rv, kind, WatchEventType.Deleted, finalState));
        return finalState;
    }

    /// <summary>Loads an object from saved state without an event (used before anyone can watch).</summary>
    public void Restore(ResourceKind kind, JsonObject obj, long revision)
    {
        Store(kind, obj);
        _revision = Math.Max(_revision, revision);
    }

    /// <summary>Puts <paramref name="obj"/> in place of its namesake and indexes it; returns what it replaced.</summary>
    Stored? Store(ResourceKind kind, JsonObject obj)
    {
        var ns = kind.Namespaced ? obj.Namespace() ?? "" : "";
        if (!_objects[kind].TryGetValue(ns, out var byName))
            _objects[kind][ns] = byName = new SortedDictionary<string, Stored>(StringComparer.Ordinal);
        byName.TryGetValue(obj.Name(), out var previous);
        var stored = new Stored(obj);
        byName[obj.Name()] = stored;
        Index(kind, ns, obj.Name(), previous, stored);
        return previous;
    }

    public IEnumerable<(ResourceKind Kind, JsonObject Object)> Everything() =>
        _objects.SelectMany(k => k.Value.Values.SelectMany(byName => byName.Values.Select(s => (k.Key, s.Object))));

    void Publish(StoreEvent e)
    {
        _history.Enqueue(e);
        while (_history.Count > historyLimit) _history.Dequeue();
        foreach (var w in _watchers)
            if (w.Accepts(e)) w.Channel.Writer.TryWrite(e);
    }

    /// <summary>
    /// Subscribes to changes after <paramref name="fromRevision"/>, replaying retained history first.
    /// Returns null when that revision is older than the retained history (the caller answers 410 Expired).
    /// </summary>
    public Watcher? Watch(ResourceKind? kind, string? ns, long fromRevision)
    {
        if (fromRevision < OldestResumable) return null;
        var watcher = new Watcher(this, kind, ns);
        foreach (var e in _history)
            if (e.ResourceVersion > fromRevision && watcher.Accepts(e)) watcher.Channel.Writer.TryWrite(e);
        _watchers.Add(watcher);
        return watcher;
    }

    internal void Unsubscribe(Watcher watcher)
    {
        lock (Gate) _watchers.Remove(watcher);
        watcher.Channel.Writer.TryComplete();
    }
}

/// <summary>A live subscription; dispose it to stop receiving events.</summary>
internal sealed class Watcher(ObjectStore store, ResourceKind? kind, string? ns) : IDisposable
{
    public Channel<StoreEvent> Channel { get; } = System.Threading.Channels.Channel.CreateUnbounded<StoreEvent>(
        new UnboundedChannelOptions { SingleReader = true });

    public bool Accepts(StoreEvent e) =>
        (kind is null || e.Kind == kind) && (ns is null || e.Object.Namespace() == ns);

    public void Dispose() => store.Unsubscribe(this);
}
