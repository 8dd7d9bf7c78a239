using Portal.Sandbox.Controllers;

namespace Portal.Sandbox.Spark;

/// <summary>
/// Feeds pod changes to the <see cref="SparkSimulation"/> as they happen, so daemon start and end times are those of
/// the pods rather than of the next request, and acts out the kubelet's liveness restarts of lost Connect drivers.
/// Keyed by namespace: a master's pod going away concerns every driver in its namespace.
/// </summary>
internal sealed class SparkObserver(SparkSimulation spark, EventRecorder events) : IReconciler
{
    public IEnumerable<string> KeysFor(StoreEvent e)
    {
        if (e.Kind == ResourceCatalog.Pods && e.Object.Namespace() is { } ns) yield return ns;
    }

    public TimeSpan? Reconcile(string key)
    {
        var restarts = spark.RestartLostDrivers(key, events);
        var logs = spark.SyncEventLogs(key, events);
        return restarts is { } r && (logs is null || r < logs) ? r : logs;
    }
}
