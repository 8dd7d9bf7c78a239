using Portal.Core.Clusters;
using Portal.Core.Tenants;

namespace Portal.Provisioning.Tests;

/// <summary>Test data builders: say what matters to the test, default the rest.</summary>
internal static class Builders
{
    public static ClusterBuilder ASparkCluster() => new();

    public static TenantBuilder ATenant() => new();
}

internal sealed class ClusterBuilder
{
    string _name = "etl";
    Guid _tenantId = Guid.CreateVersion7();
    int _workers = 2;
    string _image = "apache/spark:4.0.1";
    bool _connect;
    Dictionary<string, string> _conf = [];
    string _workerCores = "2";
    string _workerMemory = "4Gi";
    TimeSpan _ttl = TimeSpan.FromHours(8);
    DateTimeOffset _createdAt = new(2026, 11, 25, 8, 0, 0, TimeSpan.Zero);

    public ClusterBuilder Named(string name) { _name = name; return this; }

    public ClusterBuilder For(Tenant tenant) { _tenantId = tenant.Id; return this; }

    public ClusterBuilder WithWorkers(int workers) { _workers = workers; return this; }

    public ClusterBuilder WithWorkerSize(string cores, string memory) { _workerCores = cores; _workerMemory = memory; return this; }

    public ClusterBuilder WithImage(string image) { _image = image; return this; }

    public ClusterBuilder WithSparkConnect() { _connect = true; return this; }

    public ClusterBuilder WithConf(string key, string value) { _conf[key] = value; return this; }

    public ClusterBuilder WithTimeToLive(TimeSpan ttl) { _ttl = ttl; return this; }

    public ClusterBuilder CreatedAt(DateTimeOffset at) { _createdAt = at; return this; }

    public Cluster Build() => new()
    {
        Id = Guid.CreateVersion7(),
        TenantId = _tenantId,
        Name = _name,
        Owner = "alice",
        CreatedAt = _createdAt,
        ExpiresAt = _createdAt + _ttl,
        Spec = new ClusterSpec
        {
            SparkVersion = "4.0.1",
            Image = _image,
            Workers = _workers,
            WorkerCores = _workerCores,
            WorkerMemory = _workerMemory,
            MasterCores = "1",
            MasterMemory = "1Gi",
            SparkConf = new Dictionary<string, string>(_conf),
            SparkConnect = _connect,
            TimeToLive = _ttl,
        },
    };
}

internal sealed class TenantBuilder
{
    string _slug = "team-a";
    string? _group;
    TenantQuota _quota = new();

    public TenantBuilder WithSlug(string slug) { _slug = slug; return this; }

    public TenantBuilder WithDirectoryGroup(string group) { _group = group; return this; }

    public TenantBuilder WithQuota(TenantQuota quota) { _quota = quota; return this; }

    public Tenant Build() => new()
    {
        Id = Guid.CreateVersion7(),
        Slug = _slug,
        DisplayName = _slug,
        Namespace = "spark-" + _slug,
        Quota = _quota,
        DirectoryGroup = _group,
        CreatedAt = new DateTimeOffset(2026, 11, 25, 8, 0, 0, TimeSpan.Zero),
    };
}
