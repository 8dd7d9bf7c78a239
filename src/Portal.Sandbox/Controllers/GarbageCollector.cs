namespace Portal.Sandbox.Controllers;

/// <summary>
/// The garbage collector: deletes dependents whose owners are gone (background), deletes dependents before
/// their owner (foreground, via the <c>foregroundDeletion</c> finalizer), and strips owner references
/// (orphan, via the <c>orphan</c> finalizer). Keys are <c>uid</c> of an owner that went or is going away.
/// NOTE: foreground deletion waits for all dependents, not only those with blockOwnerDeletion=true.
/// </summary>
internal sealed class GarbageCollector(Registry registry, OwnerIndex owners) : IReconciler
{
    readonly Dictionary<string, (ResourceKind Kind, string? Namespace, string Name)> _terminatingOwners = [];

    public IEnumerable<string> KeysFor(StoreEvent e)
    {
        var uid = e.Object.Uid();
        if (e.Type == WatchEventType.Deleted)
        {
            _terminatingOwners.Remove(uid);
            yield return uid;
        }
        else if (e.Object.IsDeleting() && e.Object.Finalizers() is var f && (f.Contains("foregroundDeletion") || f.Contains("orphan")))
        {
            _terminatingOwners[uid] = (e.Kind, e.Object.Namespace(), e.Object.Name());
            yield return uid;
        }
        foreach (var owner in e.Object.Objects("metadata", "ownerReferences"))
        {
            if (owner.Str("uid") is not { } ownerUid) continue;
            // A dependent changing or going may unblock its owner's foreground deletion.
            if (_terminatingOwners.ContainsKey(ownerUid)) yield return ownerUid;
            // A dependent whose owner is already gone (a controller created it just as its owner was deleted) is
            // collected like the owner's other dependents, as Kubernetes' collector does with absent owners.
            else if (e.Type != WatchEventType.Deleted && IsAbsent(owner, ownerUid, e.Object.Namespace())) yield return ownerUid;
        }
    }

    bool IsAbsent(JsonObject reference, string uid, string? dependentNamespace)
    {
        if (reference.Str("apiVersion") is not { } apiVersion || reference.Str("kind") is not { } kindName
            || reference.Str("name") is not { } name || ResourceCatalog.FindByKind(apiVersion, kindName) is not { } kind)
            return false; // an owner of a kind the sandbox doesn't serve: leave it to whoever made it
        var current = registry.TryGet(kind, kind.Namespaced ? dependentNamespace : null, name);
        return current is null || current.Uid() != uid;
    }

    public TimeSpan? Reconcile(string uid)
    {
        var dependents = owners.DependentsOf(uid);
        if (!_terminatingOwners.TryGetValue(uid, out var ownerKey))
        {
            // The owner is gone: collect dependents in the background.
            foreach (var d in dependents) CollectOrRelease(d, uid, orphan: false);
            return null;
        }

        var owner = registry.TryGet(ownerKey.Kind, ownerKey.Namespace, ownerKey.Name);
        if (owner is null || owner.Uid() != uid) return null;
        var finalizers = owner.Finalizers();
        if (finalizers.Contains("orphan"))
        {
            foreach (var d in dependents) CollectOrRelease(d, uid, orphan: true);
            RemoveFinalizer(ownerKey, "orphan");
            return null;
        }
        if (finalizers.Contains("foregroundDeletion"))
        {
            foreach (var d in dependents)
            {
                var dependent = registry.TryGet(d.Kind, d.Namespace, d.Name);
                if (dependent is null || dependent.IsDeleting()) continue;
                if (OtherLiveOwners(dependent, uid)) Release(d, dependent, uid);
                else TryDelete(d, "Foreground");
            }
            if (owners.DependentsOf(uid).Count == 0) RemoveFinalizer(ownerKey, "foregroundDeletion");
        }
        return null;
    }

    void CollectOrRelease((ResourceKind Kind, string? Namespace, string Name) d, string ownerUid, bool orphan)
    {
        var dependent = registry.TryGet(d.Kind, d.Namespace, d.Name);
        if (dependent is null || !dependent.Objects("metadata", "ownerReferences").Any(o => o.Str("uid") == ownerUid)) return;
        if (orphan || OtherLiveOwners(dependent, ownerUid)) Release(d, dependent, ownerUid);
        else if (!dependent.IsDeleting()) TryDelete(d, "Background");
    }

    bool OtherLiveOwners(JsonObject dependent, string goneUid) =>
        dependent.Objects("metadata", "ownerReferences").Any(o =>
            o.Str("uid") is { } uid && uid != goneUid &&
            ResourceCatalog.FindByKind(o.Str("apiVersion") ?? "", o.Str("kind") ?? "") is { } kind &&
            registry.TryGet(kind, kind.Namespaced ? dependent.Namespace() : null, o.Str("name") ?? "") is { } owner &&
            owner.Uid() == uid);

    void Release((ResourceKind Kind, string? Namespace, string Name) d, JsonObject dependent, string ownerUid)
    {
        var next = dependent.Clone();
        var refs = next.Arr("metadata", "ownerReferences");
        foreach (var r in refs.OfType<JsonObject>().Where(r => r.Str("uid") == ownerUid).ToList()) refs.Remove(r);
        if (refs.Count == 0) next.Metadata().Remove("ownerReferences");
        try
        {
            registry.Update(d.Kind, d.Namespace, d.Name, next, statusOnly: false, new WriteOptions());
        }
        catch (ApiError e) when (e.Code is 404 or 409)
        {
            // Gone or changed meanwhile; the next event brings us back.
        }
    }

    void TryDelete((ResourceKind Kind, string? Namespace, string Name) d, string policy)
    {
        try
        {
            registry.Delete(d.Kind, d.Namespace, d.Name, new Registry.DeleteRequest(policy));
        }
        catch (ApiError e) when (e.Code == 404)
        {
            // Already gone.
        }
    }

    void RemoveFinalizer((ResourceKind Kind, string? Namespace, string Name) key, string finalizer)
    {
        var obj = registry.TryGet(key.Kind, key.Namespace, key.Name);
        if (obj is null) return;
        var next = obj.Clone();
        var remaining = obj.Finalizers().Where(f => f != finalizer).Select(f => (JsonNode)f).ToArray();
        if (remaining.Length == 0) next.Metadata().Remove("finalizers");
        else next.Metadata()["finalizers"] = new JsonArray(remaining);
        try
        {
            registry.Update(key.Kind, key.Namespace, key.Name, next, statusOnly: false, new WriteOptions());
        }
        catch (ApiError e) when (e.Code is 404 or 409)
        {
            // Gone or changed meanwhile.
        }
    }
}
