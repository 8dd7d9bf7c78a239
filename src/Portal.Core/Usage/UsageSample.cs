namespace Portal.Core.Usage;

/// <summary>
/// What one tenant's live clusters asked for during one sampling interval: the basis of per-tenant usage
/// accounting. At most one row exists per tenant and interval start, however many portal replicas sample.
/// </summary>
/// <remarks>
/// Figures are requests (what the tenant reserved in its quota), not measured consumption: they are what the tenant
/// holds whether or not its jobs are busy, and they need no metrics server.
/// </remarks>
public sealed class UsageSample
{
    /// <summary>Database key.</summary>
    public long Id { get; init; }

    /// <summary>The tenant sampled. No foreign key: accounting outlives the tenant, as the audit log does.</summary>
    public Guid TenantId { get; init; }

    /// <summary>Start of the sampling interval (UTC), a whole multiple of <see cref="Interval"/> since the epoch.</summary>
    public DateTimeOffset At { get; init; }

    /// <summary>Length of the interval this sample stands for, so totals stay right when the interval is reconfigured.</summary>
    public TimeSpan Interval { get; init; }

    /// <summary>Clusters not being deleted.</summary>
    public int Clusters { get; init; }

    /// <summary>CPU cores those clusters request.</summary>
    public decimal CpuCores { get; init; }

    /// <summary>Memory bytes those clusters request.</summary>
    public long MemoryBytes { get; init; }

    /// <summary>Pods those clusters run.</summary>
    public int Pods { get; init; }
}
