namespace Portal.Sandbox.Controllers;

/// <summary>
/// What the replicaset and statefulset controllers share: an owner's key comes from the owner, its pods and freed
/// quota (which may let a blocked owner proceed); a gone or deleting owner is left alone; a pass whose pod was
/// refused is retried with backoff, as upstream does.
/// </summary>
internal abstract class PodOwnerController(Registry registry, ResourceKind kind) : IReconciler
{
    readonly Backoff _backoff = new();

    protected Registry Registry => registry;

    public IEnumerable<string> KeysFor(StoreEvent e) => ControllerKeys.ForPodOwner(e, kind, _backoff.Keys);

    public TimeSpan? Reconcile(string key)
    {
        var (ns, name) = ControllerKeys.Split(key);
        var owner = registry.TryGet(kind, ns, name);
        var failure = owner is null || owner.IsDeleting() ? null : Sync(owner);
        return _backoff.After(key, failure is not null);
    }

    /// <summary>One pass over a live owner; the refusal of the pod it could not create, if any.</summary>
    protected abstract ApiError? Sync(JsonObject owner);

    /// <summary>The owner's pods (by controller reference uid) that are not being deleted.</summary>
    protected IEnumerable<JsonObject> OwnedPods(JsonObject owner) =>
        registry.List(ResourceCatalog.Pods, owner.Namespace(), LabelSelector.Everything, FieldSelector.Everything).Items
            .Where(p => ControllerKeys.ControllerOf(p)?.Str("uid") == owner.Uid() && !p.IsDeleting());
}
