namespace Portal.Core.Storage;

/// <summary>
/// A named PersistentVolumeClaim a tenant's admins gave the tenant: it outlives every cluster that mounts it and is
/// counted in the tenant's storage quota (<c>requests.storage</c>, <c>persistentvolumeclaims</c>).
/// </summary>
public sealed class TenantVolume
{
    /// <summary>Primary key.</summary>
    public Guid Id { get; init; } = Guid.CreateVersion7();

    /// <summary>The tenant it belongs to; the claim lives in that tenant's namespace.</summary>
    public Guid TenantId { get; init; }

    /// <summary>DNS-1035 label, unique within the tenant; also the claim's name in the namespace.</summary>
    public required string Name { get; init; }

    /// <summary>StorageClass of the claim, one of <see cref="StorageOptions.StorageClasses"/>.</summary>
    public required string StorageClass { get; init; }

    /// <summary>Requested size, a Kubernetes quantity (the claim's <c>resources.requests.storage</c>).</summary>
    public required string Size { get; init; }

    /// <summary>How pods may attach it.</summary>
    public VolumeAccessMode AccessMode { get; init; }

    /// <summary>Subject of the admin who created it.</summary>
    public required string CreatedBy { get; init; }

    /// <summary>When it was created; stamped on save.</summary>
    public DateTimeOffset CreatedAt { get; init; }
}

/// <summary>A claim's access mode, as Kubernetes names it.</summary>
public enum VolumeAccessMode
{
    /// <summary>Read-write by the pods of one node: every pod of a cluster that mounts it must land on that node.</summary>
    ReadWriteOnce,

    /// <summary>Read-write by pods on any number of nodes: what a cluster's master, workers and Connect server share.</summary>
    ReadWriteMany,

    /// <summary>Read-only by pods on any number of nodes.</summary>
    ReadOnlyMany,
}
