namespace Portal.Core.Storage;

/// <summary>A request for a new tenant volume.</summary>
public sealed record CreateVolumeRequest
{
    /// <summary>Required. Lower-case letters, digits and '-', starting with a letter, at most 40 characters; unique in the tenant.</summary>
    public string? Name { get; init; }

    /// <summary>Required. Size, a Kubernetes quantity from 1Gi to Storage:MaxVolumeSize (e.g. "100Gi").</summary>
    public string? Size { get; init; }

    /// <summary>One of Storage:StorageClasses (GET /api/v1/storage-classes). Default: the first of them.</summary>
    public string? StorageClass { get; init; }

    /// <summary>ReadWriteOnce, ReadWriteMany or ReadOnlyMany. Default: ReadWriteMany, which every pod of a cluster can share.</summary>
    public VolumeAccessMode? AccessMode { get; init; }
}

/// <summary>A request to register an S3-compatible object store for a tenant.</summary>
public sealed record CreateObjectStoreRequest
{
    /// <summary>Required. Lower-case letters, digits and '-', starting with a letter, at most 40 characters; unique in the tenant.</summary>
    public string? Name { get; init; }

    /// <summary>Required. The endpoint's http(s) URL, without a path (e.g. "https://s3.eu-west-1.amazonaws.com").</summary>
    public string? Endpoint { get; init; }

    /// <summary>The signing region. Default: "us-east-1", which most S3-compatible stores accept.</summary>
    public string? Region { get; init; }

    /// <summary>Required. "bucket" or "bucket/prefix": where the tenant's data lives.</summary>
    public string? BucketPrefix { get; init; }

    /// <summary>Address buckets as paths (MinIO and most self-hosted stores). Default: false.</summary>
    public bool? PathStyleAccess { get; init; }

    /// <summary>Required. The access key id.</summary>
    public string? AccessKeyId { get; init; }

    /// <summary>Required. The secret key: stored encrypted, never shown again.</summary>
    public string? SecretKey { get; init; }
}

/// <summary>A new key for an object store; the clusters that use it restart with it.</summary>
public sealed record RotateObjectStoreKeyRequest
{
    /// <summary>The new access key id. Default: the current one.</summary>
    public string? AccessKeyId { get; init; }

    /// <summary>Required. The new secret key.</summary>
    public string? SecretKey { get; init; }
}
