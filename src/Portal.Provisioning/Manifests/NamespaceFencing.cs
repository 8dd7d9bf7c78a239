namespace Portal.Provisioning.Manifests;

/// <summary>
/// The deployment-wide inputs of a tenant namespace's fences: what every tenant gets regardless of its own row.
/// </summary>
public sealed record NamespaceFencing
{
    /// <summary>Namespace the portal runs in; its pods may reach the Spark UIs and the Connect port.</summary>
    public required string PortalNamespace { get; init; }

    /// <summary>CIDRs Spark pods may reach beyond their own cluster and DNS (e.g. object storage).</summary>
    public IReadOnlyList<string> EgressAllowCidrs { get; init; } = [];

    /// <summary>LimitRange default (and default request) CPU of a container that states none.</summary>
    public string DefaultContainerCpu { get; init; } = "1";

    /// <summary>LimitRange default (and default request) memory of a container that states none.</summary>
    public string DefaultContainerMemory { get; init; } = "1Gi";

    /// <summary>LimitRange maximum CPU of one container.</summary>
    public string MaxContainerCpu { get; init; } = "16";

    /// <summary>LimitRange maximum memory of one container.</summary>
    public string MaxContainerMemory { get; init; } = "64Gi";
}
