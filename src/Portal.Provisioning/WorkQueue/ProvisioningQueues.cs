namespace Portal.Provisioning.WorkQueue;

/// <summary>
/// The two queues of the provisioning service, fed by the leader's watches, database poll and resync, and by
/// <see cref="Portal.Core.Clusters.ClusterWrites"/>: a cluster written through the API on the leading replica is
/// queued at once, a write on another replica when the poll sees it, so a missed signal costs latency, never
/// correctness.
/// </summary>
public sealed class ProvisioningQueues : IDisposable
{
    /// <summary>Creates both queues on <paramref name="time"/>.</summary>
    public ProvisioningQueues(TimeProvider time)
    {
        Clusters = new WorkQueue<Guid>(time);
        Tenants = new WorkQueue<Guid>(time);
    }

    /// <summary>Cluster ids to reconcile.</summary>
    public WorkQueue<Guid> Clusters { get; }

    /// <summary>Tenant ids to reconcile.</summary>
    public WorkQueue<Guid> Tenants { get; }

    /// <summary>Asks for the cluster <paramref name="clusterId"/> to be reconciled soon.</summary>
    public void ClusterChanged(Guid clusterId) => Clusters.Add(clusterId);

    /// <summary>Asks for the tenant <paramref name="tenantId"/> to be reconciled soon.</summary>
    public void TenantChanged(Guid tenantId) => Tenants.Add(tenantId);

    /// <inheritdoc/>
    public void Dispose()
    {
        Clusters.Dispose();
        Tenants.Dispose();
    }
}
