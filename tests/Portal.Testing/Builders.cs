using Portal.Core.Clusters;
using Portal.Core.Tenants;

namespace Portal.Testing;

/// <summary>Test data builders: start from a valid default and say only what the test is about.</summary>
public static class Builders
{
    /// <summary>A tenant with a unique slug and matching namespace.</summary>
    public static TenantBuilder ATenant() => new();

    /// <summary>A two-worker cluster with a unique name, owned by "alice".</summary>
    public static ClusterBuilder ASparkCluster() => new();
}

/// <summary>Builds a <see cref="Tenant"/>.</summary>
public sealed class TenantBuilder
{
    string _slug = $"t-{Guid.NewGuid():N}"[..20];
    string? _namespace;

    /// <summary>Sets the slug (and, unless set, the namespace "spark-&lt;slug&gt;").</summary>
    public TenantBuilder WithSlug(string slug)
    {
        _slug = slug;
        return this;
    }

    /// <summary>Sets the Kubernetes namespace.</summary>
    public TenantBuilder InNamespace(string @namespace)
    {
        _namespace = @namespace;
        return this;
    }

    /// <summary>Creates the tenant.</summary>
    public Tenant Build() => new()
    {
        Slug = _slug,
        DisplayName = $"Tenant {_slug}",
        Namespace = _namespace ?? $"spark-{_slug}",
    };
}

/// <summary>Builds a <see cref="Cluster"/>.</summary>
public sealed class ClusterBuilder
{
    string _name = $"c-{Guid.NewGuid():N}"[..12];
    Guid _tenantId;
    int _workers = 2;
    string? _idempotencyKey;
    Dictionary<string, string> _conf = [];
    ClusterStatus _status = new();
    DateTimeOffset _createdAt;

    /// <summary>Sets the cluster name.</summary>
    public ClusterBuilder Named(string name)
    {
        _name = name;
        return this;
    }

    /// <summary>Puts the cluster in <paramref name="tenant"/>.</summary>
    public ClusterBuilder In(Tenant tenant)
    {
        _tenantId = tenant.Id;
        return this;
    }

    /// <summary>Sets the worker count.</summary>
    public ClusterBuilder WithWorkers(int workers)
    {
        _workers = workers;
        return this;
    }

    /// <summary>Adds a Spark conf entry.</summary>
    public ClusterBuilder WithConf(string key, string value)
    {
        _conf[key] = value;
        return this;
    }

    /// <summary>Sets the create request's Idempotency-Key.</summary>
    public ClusterBuilder WithIdempotencyKey(string key)
    {
        _idempotencyKey = key;
        return this;
    }

    /// <summary>Sets the reported status.</summary>
    public ClusterBuilder WithStatus(ClusterStatus status)
    {
        _status = status;
        return this;
    }

    /// <summary>Sets the creation time (otherwise the database stamps it on insert).</summary>
    public ClusterBuilder CreatedAt(DateTimeOffset at)
    {
        _createdAt = at;
        return this;
    }

    /// <summary>Creates the cluster.</summary>
    public Cluster Build() => new()
    {
        TenantId = _tenantId,
        Name = _name,
        Owner = "alice",
        Spec = new ClusterSpec
        {
            SparkVersion = ClusterOptions.BuiltInImages[0].SparkVersion,
            Image = ClusterOptions.BuiltInImages[0].Image,
            Workers = _workers,
            WorkerCores = "1",
            WorkerMemory = "2Gi",
            MasterCores = "1",
            MasterMemory = "1Gi",
            SparkConf = new Dictionary<string, string>(_conf),
            TimeToLive = TimeSpan.FromHours(8),
        },
        Status = _status,
        CreatedAt = _createdAt,
        ExpiresAt = (_createdAt == default ? DateTimeOffset.UnixEpoch : _createdAt) + TimeSpan.FromHours(8),
        IdempotencyKey = _idempotencyKey,
    };
}
