namespace Portal.Sandbox.Controllers;

/// <summary>Events expire one hour after they were last seen, like the API server's default --event-ttl.</summary>
internal sealed class EventTtlController(Registry registry) : IReconciler
{
    static readonly TimeSpan Ttl = TimeSpan.FromHours(1);

    public IEnumerable<string> KeysFor(StoreEvent e)
    {
        if (e.Kind == ResourceCatalog.Events && e.Type != WatchEventType.Deleted) yield return ControllerKeys.For(e.Object);
    }

    public TimeSpan? Reconcile(string key)
    {
        var (ns, name) = ControllerKeys.Split(key);
        var evt = registry.TryGet(ResourceCatalog.Events, ns, name);
        if (evt is null) return null;
        var last = evt.Str("lastTimestamp") ?? evt.Str("metadata", "creationTimestamp");
        if (!DateTime.TryParse(last, CultureInfo.InvariantCulture, DateTimeStyles.AdjustToUniversal | DateTimeStyles.AssumeUniversal, out var seen)) return null;
        var remaining = seen + Ttl - DateTime.UtcNow;
        if (remaining > TimeSpan.Zero) return remaining;
        try
        {
            registry.Delete(ResourceCatalog.Events, ns, name, new Registry.DeleteRequest());
        }
        catch (ApiError e) when (e.Code == 404)
        {
            // Already gone.
        }
        return null;
    }
}
