namespace Portal.Provisioning.WorkQueue;

/// <summary>
/// The two queues of the provisioning service. The API calls <see cref="ClusterChanged"/> and
/// <see cref="TenantChanged"/> after a write so this replica reacts at once; other replicas notice the write
/// through the database poll, so a missed call costs latency, never correctness.
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
