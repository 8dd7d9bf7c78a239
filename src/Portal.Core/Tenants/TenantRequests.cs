using System.ComponentModel;

namespace Portal.Core.Tenants;

/// <summary>A platform admin's request for a new tenant.</summary>
public sealed record CreateTenantRequest
{
    /// <summary>URL- and namespace-safe identifier; the namespace is "spark-{slug}".</summary>
    [Description("Required. Lower-case letters, digits and '-', starting with a letter, at most 40 characters. The tenant's Kubernetes namespace is 'spark-{slug}'.")]
    public string? Slug { get; init; }

    /// <summary>Human name shown in the portal.</summary>
    [Description("Required. Human name, 1 to 200 characters.")]
    public string? DisplayName { get; init; }

    /// <summary>Resource ceiling; omitted fields take the defaults.</summary>
    [Description("Resource ceiling. Default: cpu \"32\", memory \"128Gi\", maxPods 100, maxClusters 10.")]
    public TenantQuota? Quota { get; init; }

    /// <summary>What members may ask for; omitted fields take the defaults.</summary>
    [Description("Limits on members' clusters. Default: defaultTimeToLive 08:00:00, maxTimeToLive 7.00:00:00, no idle timeout, maxWorkersPerCluster 50.")]
    public TenantPolicy? Policy { get; init; }
}

/// <summary>A platform admin's change to a tenant; fields left out stay as they are.</summary>
public sealed record UpdateTenantRequest
{
    /// <summary>New human name.</summary>
    [Description("New human name, 1 to 200 characters; unchanged when left out.")]
    public string? DisplayName { get; init; }

    /// <summary>New resource ceiling, replacing the whole quota.</summary>
    [Description("New resource ceiling, replacing the whole quota (omitted fields take the defaults); unchanged when left out.")]
    public TenantQuota? Quota { get; init; }

    /// <summary>New policy, replacing the whole policy.</summary>
    [Description("New policy, replacing the whole policy (omitted fields take the defaults); unchanged when left out.")]
    public TenantPolicy? Policy { get; init; }
}
