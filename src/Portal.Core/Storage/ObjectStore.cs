namespace Portal.Core.Storage;

/// <summary>
/// An S3-compatible endpoint and the key a tenant's clusters reach it with. The secret key is kept only as
/// Data Protection ciphertext (<see cref="ObjectStoreSecrets"/>) and reaches Kubernetes as a Secret that Spark pods
/// read through their environment: never in Spark conf, a ConfigMap or an answer.
/// </summary>
public sealed class ObjectStore
{
    /// <summary>Primary key.</summary>
    public Guid Id { get; init; } = Guid.CreateVersion7();

    /// <summary>The tenant it belongs to.</summary>
    public Guid TenantId { get; init; }

    /// <summary>DNS-1035 label, unique within the tenant; names the Secret (<c>objectstore-{name}</c>).</summary>
    public required string Name { get; init; }

    /// <summary>The endpoint's absolute http(s) URL (<c>fs.s3a.endpoint</c>).</summary>
    public required string Endpoint { get; init; }

    /// <summary>The signing region (<c>fs.s3a.endpoint.region</c>).</summary>
    public required string Region { get; init; }

    /// <summary>
    /// Where the tenant's data lives: "bucket" or "bucket/prefix". Event logs written to this store must be under it.
    /// </summary>
    public required string BucketPrefix { get; init; }

    /// <summary>
    /// Whether buckets are addressed as paths (<c>https://host/bucket</c>) rather than host names; MinIO and most
    /// self-hosted stores need it (<c>fs.s3a.path.style.access</c>).
    /// </summary>
    public bool PathStyleAccess { get; init; }

    /// <summary>The access key id; an identifier, shown to the tenant's members.</summary>
    public required string AccessKeyId { get; set; }

    /// <summary>The secret key protected with <see cref="ObjectStoreSecrets"/>; never leaves Core in clear but to Kubernetes.</summary>
    public required string ProtectedSecretKey { get; set; }

    /// <summary>Bumped by every key rotation; pods carry it in an annotation, so a rotation restarts them.</summary>
    public int KeyVersion { get; set; } = 1;

    /// <summary>Subject of the admin who registered it.</summary>
    public required string CreatedBy { get; init; }

    /// <summary>When it was registered; stamped on save.</summary>
    public DateTimeOffset CreatedAt { get; init; }

    /// <summary>When its key was last rotated, or null.</summary>
    public DateTimeOffset? RotatedAt { get; set; }

    /// <summary>Optimistic concurrency token, bumped on every write.</summary>
    public long Version { get; set; }
}
