namespace Portal.Sandbox.Controllers;

/// <summary>
/// The namespace controller (deletes a terminating namespace's contents, then the namespace) and the
/// service account controller (every namespace gets a <c>default</c> ServiceAccount).
/// </summary>
internal sealed class NamespaceController(Registry registry) : IReconciler
{
    static readonly TimeSpan Recheck = TimeSpan.FromMilliseconds(100);

    // Upstream's namespace controller runs discovery before it deletes anything, so a `kubectl delete -f` that
    // names the namespace first still finds the objects after it. The pause keeps that behaviour.
    static readonly TimeSpan DiscoveryPause = TimeSpan.FromMilliseconds(500);
    readonly Dictionary<string, DateTime> _terminatingSince = [];

    public IEnumerable<string> KeysFor(StoreEvent e)
    {
        if (e.Kind == ResourceCatalog.Namespaces && e.Type != WatchEventType.Deleted) yield return e.Object.Name();
        // A namespaced object leaving a terminating namespace may be the last one.
        else if (e.Type == WatchEventType.Deleted && e.Kind.Namespaced) yield return e.Object.Namespace() ?? "";
    }

    public TimeSpan? Reconcile(string name)
    {
        var ns = registry.TryGet(ResourceCatalog.Namespaces, null, name);
        if (ns is null)
        {
            _terminatingSince.Remove(name);
            return null;
        }
        if (!ns.IsDeleting())
        {
            if (registry.TryGet(ResourceCatalog.ServiceAccounts, name, "default") is null)
            {
                try
                {
                    registry.Create(ResourceCatalog.ServiceAccounts, name, new JsonObject { ["metadata"] = new JsonObject { ["name"] = "default" } }, new WriteOptions());
                }
                catch (ApiError e) when (e.Code is 409 or 403)
                {
                    // Already there, or the namespace started terminating meanwhile.
                }
            }
            return null;
        }

        if (!_terminatingSince.TryGetValue(name, out var since)) _terminatingSince[name] = since = DateTime.UtcNow;
        if (since + DiscoveryPause - DateTime.UtcNow is var wait && wait > TimeSpan.Zero) return wait;

        var remaining = 0;
        foreach (var kind in ResourceCatalog.All.Where(k => k.Namespaced))
        {
            registry.DeleteCollection(kind, name, LabelSelector.Everything, FieldSelector.Everything, new Registry.DeleteRequest("Background"));
            remaining += registry.Atomically(() => registry.Store.Count(kind, name));
        }
        if (remaining > 0) return Recheck;   // objects with finalizers: wait for their controllers
        registry.RemoveNamespace(name);
        _terminatingSince.Remove(name);
        return null;
    }
}
