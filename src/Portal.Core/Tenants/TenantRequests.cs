namespace Portal.Core.Tenants;

/// <summary>A platform admin's request for a new tenant.</summary>
public sealed record CreateTenantRequest
{
    /// <summary>
    /// Required. Lower-case letters, digits and '-', starting with a letter, at most 40 characters. The tenant's
    /// Kubernetes namespace is 'spark-{slug}'.
    /// </summary>
    public string? Slug { get; init; }

    /// <summary>Required. Human name, 1 to 200 characters.</summary>
    public string? DisplayName { get; init; }

    /// <summary>Resource ceiling. Default: cpu "32", memory "128Gi", maxPods 100, maxClusters 10.</summary>
    public TenantQuota? Quota { get; init; }

    /// <summary>
    /// Limits on members' clusters. Default: defaultTimeToLive 08:00:00, maxTimeToLive 7.00:00:00, no idle timeout,
    /// maxWorkersPerCluster 50, and the presets Small, Medium and Large.
    /// </summary>
    public TenantPolicy? Policy { get; init; }
}

/// <summary>A platform admin's change to a tenant; fields left out stay as they are.</summary>
public sealed record UpdateTenantRequest
{
    /// <summary>New human name, 1 to 200 characters; unchanged when left out.</summary>
    public string? DisplayName { get; init; }

    /// <summary>
    /// New resource ceiling, replacing the whole quota (omitted fields take the defaults); unchanged when left out.
    /// </summary>
    public TenantQuota? Quota { get; init; }

    /// <summary>
    /// New policy, replacing the whole policy (omitted fields take the defaults); unchanged when left out.
    /// </summary>
    public TenantPolicy? Policy { get; init; }
}
