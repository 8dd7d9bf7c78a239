using Microsoft.AspNetCore.DataProtection;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.Options;
using Microsoft.Extensions.Time.Testing;
using Portal.Core.Audit;
using Portal.Core.Clusters;
using Portal.Core.Data;
using Portal.Core.Storage;
using Portal.Core.Tenants;
using Portal.Testing;
using static Portal.Testing.Builders;

namespace Portal.Core.Tests.Storage;

/// <summary>VolumeService and ObjectStoreService on a freshly migrated PostgreSQL database per test.</summary>
public sealed class StorageServicesTests(PostgresServer server) : IAsyncLifetime
{
    const string SecretKey = "wJalrXUtnFEMI-K7MDENG-bPxRfiCYEXAMPLEKEY";

    readonly FakeTimeProvider _time = new(new DateTimeOffset(2026, 12, 3, 9, 0, 0, TimeSpan.Zero));
    readonly EphemeralDataProtectionProvider _keys = new();
    readonly Tenant _tenant = ATenant().Build();
    readonly Tenant _other = ATenant().Build();
    string _connectionString = "";

    static CancellationToken Ct => TestContext.Current.CancellationToken;

    public async ValueTask InitializeAsync()
    {
        _connectionString = await server.CreateDatabaseAsync();
        await using var db = NewDb();
        await db.Database.MigrateAsync(Ct);
        db.Tenants.AddRange(_tenant, _other);
        db.Memberships.Add(new Membership { TenantId = _tenant.Id, Subject = "alice", Role = TenantRole.Admin });
        db.Memberships.Add(new Membership { TenantId = _tenant.Id, Subject = "bob", Role = TenantRole.Member });
        db.Memberships.Add(new Membership { TenantId = _other.Id, Subject = "mallory", Role = TenantRole.Admin });
        await db.SaveChangesAsync(Ct);
    }

    public ValueTask DisposeAsync() => ValueTask.CompletedTask;

    PortalDb NewDb() => PostgresPortalDb.Create(_connectionString, _time);

    VolumeService Volumes(string subject) =>
        new(new DbFactory(NewDb), new Caller(subject, false), Options.Create(new StorageOptions()), new TenantWrites());

    ObjectStoreService Stores(string subject) =>
        new(new DbFactory(NewDb), new Caller(subject, false), new ObjectStoreSecrets(_keys), _time, new TenantWrites(), new ClusterWrites());

    HistoryServerService Histories(string subject) =>
        new(new DbFactory(NewDb), new Caller(subject, false), Options.Create(new ClusterOptions()), _time, new TenantWrites());

    static CreateVolumeRequest AVolume(string name = "shared", string size = "100Gi") => new() { Name = name, Size = size };

    static CreateObjectStoreRequest AStore(string name = "lake") => new()
    {
        Name = name,
        Endpoint = "https://minio.example.com:9000",
        BucketPrefix = "analytics/spark",
        PathStyleAccess = true,
        AccessKeyId = "AKIAEXAMPLE",
        SecretKey = SecretKey,
    };

    async Task SetQuotaAsync(TenantQuota quota)
    {
        await using var db = NewDb();
        var tenant = await db.Tenants.SingleAsync(t => t.Id == _tenant.Id, Ct);
        tenant.Quota = quota;
        await db.SaveChangesAsync(Ct);
    }

    async Task AddClusterMountingAsync(string volume, ClusterPhase phase)
    {
        await using var db = NewDb();
        var cluster = ASparkCluster().Named("etl").In(_tenant).WithStatus(new ClusterStatus { Phase = phase }).Build();
        cluster.Spec = cluster.Spec with { Volumes = [new ClusterVolume(volume, volume, ReadOnly: false)] };
        db.Clusters.Add(cluster);
        await db.SaveChangesAsync(Ct);
    }

    [Fact]
    public async Task A_tenant_admin_gives_the_tenant_a_shared_volume_of_the_default_class()
    {
        var created = await Volumes("alice").CreateAsync(_tenant.Slug, AVolume(), Ct);

        Assert.Equal(("standard", VolumeAccessMode.ReadWriteMany, "100Gi"), (created.Value?.StorageClass, created.Value?.AccessMode, created.Value?.Size));
    }

    [Fact]
    public async Task A_member_may_list_volumes_but_not_create_them()
    {
        var created = await Volumes("bob").CreateAsync(_tenant.Slug, AVolume(), Ct);

        Assert.Equal((FailureKind.Forbidden, "storage.admins-only"), (created.Failure?.Kind, created.Failure?.Code));
    }

    [Fact]
    public async Task A_storage_class_outside_the_allow_list_is_refused_at_its_field()
    {
        var created = await Volumes("alice").CreateAsync(_tenant.Slug, AVolume() with { StorageClass = "fast-ssd" }, Ct);

        Assert.Contains("storageClass", created.Failure?.Errors?.Keys ?? []);
    }

    [Fact]
    public async Task A_volume_beyond_the_storage_quota_is_refused_naming_the_limit()
    {
        await SetQuotaAsync(new TenantQuota { Storage = "150Gi" });
        await Volumes("alice").CreateAsync(_tenant.Slug, AVolume("first"), Ct);

        var second = await Volumes("alice").CreateAsync(_tenant.Slug, AVolume("second"), Ct);

        Assert.Equal(("quota.storage", "100Gi"), (second.Failure?.Code, second.Failure?.Quota?.InUse));
    }

    [Fact]
    public async Task The_volume_count_quota_is_held()
    {
        await SetQuotaAsync(new TenantQuota { MaxVolumes = 1 });
        await Volumes("alice").CreateAsync(_tenant.Slug, AVolume("first", "1Gi"), Ct);

        var second = await Volumes("alice").CreateAsync(_tenant.Slug, AVolume("second", "1Gi"), Ct);

        Assert.Equal("quota.maxVolumes", second.Failure?.Code);
    }

    [Fact]
    public async Task A_volume_a_live_cluster_mounts_cannot_be_deleted()
    {
        await Volumes("alice").CreateAsync(_tenant.Slug, AVolume(), Ct);
        await AddClusterMountingAsync("shared", ClusterPhase.Running);

        var deleted = await Volumes("alice").DeleteAsync(_tenant.Slug, "shared", Ct);

        Assert.Equal("volume.in-use", deleted.Failure?.Code);
    }

    [Fact]
    public async Task A_volume_only_deleted_clusters_mounted_can_be_deleted()
    {
        await Volumes("alice").CreateAsync(_tenant.Slug, AVolume(), Ct);
        await AddClusterMountingAsync("shared", ClusterPhase.Deleted);

        var deleted = await Volumes("alice").DeleteAsync(_tenant.Slug, "shared", Ct);

        Assert.Null(deleted.Failure);
    }

    [Fact]
    public async Task Another_tenants_admin_does_not_find_the_volume()
    {
        await Volumes("alice").CreateAsync(_tenant.Slug, AVolume(), Ct);

        var seen = await Volumes("mallory").GetAsync(_tenant.Slug, "shared", Ct);

        Assert.Equal(FailureKind.NotFound, seen.Failure?.Kind);
    }

    [Fact]
    public async Task An_object_stores_secret_key_is_stored_only_as_ciphertext()
    {
        await Stores("alice").CreateAsync(_tenant.Slug, AStore(), Ct);

        await using var db = NewDb();
        var stored = await db.ObjectStores.SingleAsync(Ct);
        Assert.DoesNotContain(SecretKey, stored.ProtectedSecretKey, StringComparison.Ordinal);
        Assert.Equal(SecretKey, new ObjectStoreSecrets(_keys).Unprotect(stored.ProtectedSecretKey));
    }

    [Fact]
    public async Task No_audit_entry_of_an_object_stores_life_holds_its_secret_key()
    {
        await Stores("alice").CreateAsync(_tenant.Slug, AStore(), Ct);
        await Stores("alice").RotateAsync(_tenant.Slug, "lake", new RotateObjectStoreKeyRequest { SecretKey = SecretKey + "-2" }, null, Ct);
        await Stores("alice").CreateAsync(_tenant.Slug, AStore() with { SecretKey = SecretKey + " bad" }, Ct);

        await using var db = NewDb();
        var audit = await db.AuditLog.AsNoTracking().ToListAsync(Ct);
        Assert.DoesNotContain(audit, a => $"{a.Target} {a.Detail}".Contains(SecretKey, StringComparison.Ordinal));
    }

    [Fact]
    public async Task Rotating_a_key_bumps_its_version_so_the_pods_that_use_it_restart()
    {
        await Stores("alice").CreateAsync(_tenant.Slug, AStore(), Ct);

        var rotated = await Stores("alice").RotateAsync(_tenant.Slug, "lake", new RotateObjectStoreKeyRequest { SecretKey = "new-secret" }, null, Ct);

        Assert.Equal(2, rotated.Value?.KeyVersion);
    }

    [Fact]
    public async Task Rotating_with_a_stale_if_match_is_refused()
    {
        var created = await Stores("alice").CreateAsync(_tenant.Slug, AStore(), Ct);

        var rotated = await Stores("alice").RotateAsync(_tenant.Slug, "lake", new RotateObjectStoreKeyRequest { SecretKey = "new" }, created.Value!.Version + 1, Ct);

        Assert.Equal(FailureKind.PreconditionFailed, rotated.Failure?.Kind);
    }

    [Theory]
    [InlineData("endpoint", "ftp://minio.example.com")]
    [InlineData("endpoint", "https://minio.example.com/bucket")]
    [InlineData("endpoint", "https://user:pw@minio.example.com")]
    [InlineData("bucketPrefix", "Bad_Bucket")]
    [InlineData("bucketPrefix", "analytics/../x")]
    public async Task A_malformed_object_store_is_refused_at_its_field(string field, string value)
    {
        var request = field == "endpoint" ? AStore() with { Endpoint = value } : AStore() with { BucketPrefix = value };

        var created = await Stores("alice").CreateAsync(_tenant.Slug, request, Ct);

        Assert.Equal([field], created.Failure?.Errors?.Keys.ToArray() ?? []);
    }

    [Fact]
    public async Task An_object_store_a_live_cluster_uses_cannot_be_removed()
    {
        await Stores("alice").CreateAsync(_tenant.Slug, AStore(), Ct);
        await using (var db = NewDb())
        {
            var cluster = ASparkCluster().Named("etl").In(_tenant).WithStatus(new ClusterStatus { Phase = ClusterPhase.Starting }).Build();
            cluster.Spec = cluster.Spec with { ObjectStore = "lake" };
            db.Clusters.Add(cluster);
            await db.SaveChangesAsync(Ct);
        }

        var removed = await Stores("alice").DeleteAsync(_tenant.Slug, "lake", Ct);

        Assert.Equal("objectstore.in-use", removed.Failure?.Code);
    }

    [Fact]
    public async Task A_history_server_the_quota_has_no_room_for_is_refused_naming_the_limit()
    {
        await Volumes("alice").CreateAsync(_tenant.Slug, AVolume("logs", "1Gi"), Ct);
        await SetQuotaAsync(new TenantQuota { Memory = "1Gi" });

        var started = await Histories("bob").StartAsync(_tenant.Slug, new StartHistoryServerRequest { Volume = "logs" }, Ct);

        Assert.Equal(("quota.memory", "2Gi"), (started.Failure?.Code, started.Failure?.Quota?.Requested));
    }

    [Fact]
    public async Task Refusals_are_audited_as_denied()
    {
        await Volumes("bob").CreateAsync(_tenant.Slug, AVolume(), Ct);

        await using var db = NewDb();
        Assert.True(await db.AuditLog.AnyAsync(a => a.Action == "volume.create" && a.Actor == "bob" && a.Outcome == AuditOutcome.Denied, Ct));
    }
}
