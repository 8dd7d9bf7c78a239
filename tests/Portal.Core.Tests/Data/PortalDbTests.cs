using System.Data.Common;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.Time.Testing;
using Portal.Core.Audit;
using Portal.Core.Clusters;
using Portal.Core.Data;
using Portal.Core.Tenants;
using Portal.Testing;
using static Portal.Testing.Builders;

namespace Portal.Core.Tests.Data;

/// <summary>PortalDb on the production store: every test gets a freshly migrated PostgreSQL database.</summary>
public sealed class PostgresPortalDbTests(PostgresServer server) : PortalDbTests
{
    protected override Task<string> CreateDatabaseAsync() => server.CreateDatabaseAsync();

    protected override PortalDb Open(string connectionString, TimeProvider time) =>
        PostgresPortalDb.Create(connectionString, time);
}

/// <summary>The same behaviour on the embedded SQLite file the portal uses without a connection string.</summary>
public sealed class SqlitePortalDbTests : PortalDbTests
{
    readonly SqliteDatabase _file = SqliteDatabase.Create();

    protected override Task<string> CreateDatabaseAsync() => Task.FromResult(_file.ConnectionString);

    protected override PortalDb Open(string connectionString, TimeProvider time) =>
        SqlitePortalDb.Create(connectionString, time);

    protected override ValueTask DisposeDatabaseAsync() => _file.DisposeAsync();
}

/// <summary>What PortalDb guarantees on either provider; xunit runs these once per subclass.</summary>
public abstract class PortalDbTests : IAsyncLifetime
{
    static readonly DateTimeOffset Start = new(2026, 11, 25, 9, 0, 0, TimeSpan.Zero);

    string _connectionString = "";

    protected FakeTimeProvider Time { get; } = new(Start);

    protected static CancellationToken Ct => TestContext.Current.CancellationToken;

    protected abstract Task<string> CreateDatabaseAsync();

    protected abstract PortalDb Open(string connectionString, TimeProvider time);

    protected virtual ValueTask DisposeDatabaseAsync() => ValueTask.CompletedTask;

    public async ValueTask InitializeAsync()
    {
        _connectionString = await CreateDatabaseAsync();
        await using var db = NewDb();
        await db.Database.MigrateAsync(Ct);
    }

    public ValueTask DisposeAsync() => DisposeDatabaseAsync();

    /// <summary>A new context (a new unit of work) on the test's database.</summary>
    protected PortalDb NewDb() => Open(_connectionString, Time);

    async Task<Tenant> SavedTenantAsync()
    {
        var tenant = ATenant().Build();
        await using var db = NewDb();
        db.Tenants.Add(tenant);
        await db.SaveChangesAsync(Ct);
        return tenant;
    }

    async Task<Cluster> SavedClusterAsync(Cluster cluster)
    {
        await using var db = NewDb();
        db.Clusters.Add(cluster);
        await db.SaveChangesAsync(Ct);
        return cluster;
    }

    async Task<Exception?> SaveErrorAsync(Action<PortalDb> change)
    {
        await using var db = NewDb();
        change(db);
        return await Record.ExceptionAsync(() => db.SaveChangesAsync(Ct));
    }

    [Fact]
    public async Task An_audit_entry_of_what_a_user_typed_is_saved_with_control_characters_replaced_and_cut_to_its_column()
    {
        await using (var db = NewDb())
        {
            // A refusal's record of a path with a NUL and an unpaired surrogate, longer than the Target column.
            db.AuditLog.Add(new AuditEntry { Actor = "eve\u0000", Action = "tenant.update", Target = "tenants/a\u0000b\ud800" + new string('x', 600), Detail = "\u0001" });
            await db.SaveChangesAsync(Ct);
        }

        await using var read = NewDb();
        var saved = await read.AuditLog.AsNoTracking().SingleAsync(Ct);
        Assert.Equal(("eve\uFFFD", "tenants/a\uFFFDb\uFFFD" + new string('x', 512 - 12), "\uFFFD"), (saved.Actor, saved.Target, saved.Detail));
    }

    [Fact]
    public async Task A_cluster_round_trips_with_its_spec_conf_and_status()
    {
        var tenant = await SavedTenantAsync();
        var saved = await SavedClusterAsync(ASparkCluster().In(tenant).Named("etl").WithWorkers(3)
            .WithConf("spark.sql.shuffle.partitions", "64").WithConf("spark.eventLog.enabled", "true")
            .WithStatus(new ClusterStatus
            {
                Phase = ClusterPhase.Running,
                Reason = "AllWorkersReady",
                ObservedGeneration = 1,
                ReadyWorkers = 3,
                MasterUrl = "spark://etl-master:7077",
                RunningSince = Start.AddMinutes(2),
            })
            .Build());

        await using var db = NewDb();
        var loaded = await db.Clusters.SingleAsync(c => c.Id == saved.Id, Ct);

        Assert.Equivalent(
            new { saved.Name, saved.Owner, saved.Spec.Workers, saved.Spec.SparkConf, saved.Spec.TimeToLive, saved.Status },
            new { loaded.Name, loaded.Owner, loaded.Spec.Workers, loaded.Spec.SparkConf, loaded.Spec.TimeToLive, loaded.Status },
            strict: true);
    }

    [Fact]
    public async Task Clusters_filter_by_phase_in_the_database()
    {
        var tenant = await SavedTenantAsync();
        await SavedClusterAsync(ASparkCluster().In(tenant).Named("running").WithStatus(new() { Phase = ClusterPhase.Running }).Build());
        await SavedClusterAsync(ASparkCluster().In(tenant).Named("failed").WithStatus(new() { Phase = ClusterPhase.Failed }).Build());

        await using var db = NewDb();
        var names = await db.Clusters.Where(c => c.Status.Phase == ClusterPhase.Running).Select(c => c.Name).ToListAsync(Ct);

        Assert.Equal(["running"], names);
    }

    [Fact]
    public async Task A_status_replaced_with_a_new_record_is_saved()
    {
        var tenant = await SavedTenantAsync();
        var cluster = await SavedClusterAsync(ASparkCluster().In(tenant).Build());

        await using (var db = NewDb())
        {
            var tracked = await db.Clusters.SingleAsync(c => c.Id == cluster.Id, Ct);
            tracked.Status = tracked.Status with { Phase = ClusterPhase.Provisioning, Message = "Creating pods" };
            await db.SaveChangesAsync(Ct);
        }

        await using var check = NewDb();
        Assert.Equal(ClusterPhase.Provisioning, (await check.Clusters.SingleAsync(c => c.Id == cluster.Id, Ct)).Status.Phase);
    }

    [Fact]
    public async Task A_spark_conf_entry_changed_in_place_is_saved()
    {
        var tenant = await SavedTenantAsync();
        var cluster = await SavedClusterAsync(ASparkCluster().In(tenant).WithConf("spark.executor.cores", "1").Build());

        await using (var db = NewDb())
        {
            var tracked = await db.Clusters.SingleAsync(c => c.Id == cluster.Id, Ct);
            tracked.Spec.SparkConf["spark.executor.cores"] = "2";
            await db.SaveChangesAsync(Ct);
        }

        await using var check = NewDb();
        Assert.Equal("2", (await check.Clusters.SingleAsync(c => c.Id == cluster.Id, Ct)).Spec.SparkConf["spark.executor.cores"]);
    }

    [Fact]
    public async Task A_new_cluster_starts_at_version_1()
    {
        var tenant = await SavedTenantAsync();

        var cluster = await SavedClusterAsync(ASparkCluster().In(tenant).Build());

        Assert.Equal(1, cluster.Version);
    }

    [Fact]
    public async Task Saving_a_modified_cluster_bumps_its_version()
    {
        var tenant = await SavedTenantAsync();
        var cluster = await SavedClusterAsync(ASparkCluster().In(tenant).Build());

        await using var db = NewDb();
        var tracked = await db.Clusters.SingleAsync(c => c.Id == cluster.Id, Ct);
        tracked.Spec = tracked.Spec with { Workers = 5 };
        await db.SaveChangesAsync(Ct);

        Assert.Equal(2, tracked.Version);
    }

    [Fact]
    public async Task Saving_a_modified_tenant_bumps_its_version()
    {
        var tenant = await SavedTenantAsync();

        await using var db = NewDb();
        var tracked = await db.Tenants.SingleAsync(t => t.Id == tenant.Id, Ct);
        tracked.Quota = tracked.Quota with { MaxClusters = 20 };
        await db.SaveChangesAsync(Ct);

        Assert.Equal(2, tracked.Version);
    }

    [Fact]
    public async Task The_second_of_two_racing_cluster_writers_gets_a_concurrency_conflict()
    {
        var tenant = await SavedTenantAsync();
        var cluster = await SavedClusterAsync(ASparkCluster().In(tenant).Build());
        await using var first = NewDb();
        await using var second = NewDb();
        var mine = await first.Clusters.SingleAsync(c => c.Id == cluster.Id, Ct);
        var theirs = await second.Clusters.SingleAsync(c => c.Id == cluster.Id, Ct);

        mine.Spec = mine.Spec with { Workers = 4 };
        await first.SaveChangesAsync(Ct);
        theirs.Spec = theirs.Spec with { Workers = 8 };

        await Assert.ThrowsAsync<DbUpdateConcurrencyException>(() => second.SaveChangesAsync(Ct));
    }

    [Fact]
    public async Task The_second_of_two_racing_tenant_writers_gets_a_concurrency_conflict()
    {
        var tenant = await SavedTenantAsync();
        await using var first = NewDb();
        await using var second = NewDb();
        var mine = await first.Tenants.SingleAsync(t => t.Id == tenant.Id, Ct);
        var theirs = await second.Tenants.SingleAsync(t => t.Id == tenant.Id, Ct);

        mine.DisplayName = "Mine";
        await first.SaveChangesAsync(Ct);
        theirs.DisplayName = "Theirs";

        await Assert.ThrowsAsync<DbUpdateConcurrencyException>(() => second.SaveChangesAsync(Ct));
    }

    [Fact]
    public async Task An_update_expecting_a_stale_version_gets_a_concurrency_conflict()
    {
        var tenant = await SavedTenantAsync();
        var cluster = await SavedClusterAsync(ASparkCluster().In(tenant).Build());
        await using (var db = NewDb())
        {
            var tracked = await db.Clusters.SingleAsync(c => c.Id == cluster.Id, Ct);
            tracked.Spec = tracked.Spec with { Workers = 4 };
            await db.SaveChangesAsync(Ct);
        }

        await using var stale = NewDb();
        var current = await stale.Clusters.SingleAsync(c => c.Id == cluster.Id, Ct);
        stale.ExpectVersion(current, expectedVersion: 1);
        current.Spec = current.Spec with { Workers = 8 };

        await Assert.ThrowsAsync<DbUpdateConcurrencyException>(() => stale.SaveChangesAsync(Ct));
    }

    [Fact]
    public async Task Creation_times_left_unset_come_from_the_time_provider()
    {
        Time.Advance(TimeSpan.FromMinutes(5));

        var tenant = await SavedTenantAsync();

        Assert.Equal(Start.AddMinutes(5), tenant.CreatedAt);
    }

    [Fact]
    public async Task Two_tenants_cannot_share_a_slug()
    {
        await SaveErrorAsync(db => db.Tenants.Add(ATenant().WithSlug("analytics").Build()));

        var error = await SaveErrorAsync(db => db.Tenants.Add(ATenant().WithSlug("analytics").InNamespace("other").Build()));

        Assert.IsType<DbUpdateException>(error);
    }

    [Fact]
    public async Task Two_tenants_cannot_share_a_namespace()
    {
        await SaveErrorAsync(db => db.Tenants.Add(ATenant().InNamespace("spark-shared").Build()));

        var error = await SaveErrorAsync(db => db.Tenants.Add(ATenant().InNamespace("spark-shared").Build()));

        Assert.IsType<DbUpdateException>(error);
    }

    [Fact]
    public async Task Two_clusters_of_one_tenant_cannot_share_a_name()
    {
        var tenant = await SavedTenantAsync();
        await SavedClusterAsync(ASparkCluster().In(tenant).Named("etl").Build());

        var error = await SaveErrorAsync(db => db.Clusters.Add(ASparkCluster().In(tenant).Named("etl").Build()));

        Assert.IsType<DbUpdateException>(error);
    }

    [Fact]
    public async Task Clusters_of_different_tenants_may_share_a_name()
    {
        var one = await SavedTenantAsync();
        var other = await SavedTenantAsync();
        await SavedClusterAsync(ASparkCluster().In(one).Named("etl").Build());

        var error = await SaveErrorAsync(db => db.Clusters.Add(ASparkCluster().In(other).Named("etl").Build()));

        Assert.Null(error);
    }

    [Fact]
    public async Task Two_clusters_of_one_tenant_cannot_share_an_idempotency_key()
    {
        var tenant = await SavedTenantAsync();
        await SavedClusterAsync(ASparkCluster().In(tenant).WithIdempotencyKey("nb-42").Build());

        var error = await SaveErrorAsync(db => db.Clusters.Add(ASparkCluster().In(tenant).WithIdempotencyKey("nb-42").Build()));

        Assert.IsType<DbUpdateException>(error);
    }

    [Fact]
    public async Task Clusters_without_an_idempotency_key_do_not_conflict()
    {
        var tenant = await SavedTenantAsync();
        await SavedClusterAsync(ASparkCluster().In(tenant).Build());

        var error = await SaveErrorAsync(db => db.Clusters.Add(ASparkCluster().In(tenant).Build()));

        Assert.Null(error);
    }

    [Fact]
    public async Task A_user_has_one_membership_per_tenant()
    {
        var tenant = await SavedTenantAsync();
        await SaveErrorAsync(db => db.Memberships.Add(new Membership { TenantId = tenant.Id, Subject = "alice", Role = TenantRole.Member }));

        var error = await SaveErrorAsync(db => db.Memberships.Add(new Membership { TenantId = tenant.Id, Subject = "alice", Role = TenantRole.Admin }));

        Assert.IsType<DbUpdateException>(error);
    }

    [Fact]
    public async Task Modifying_an_audit_entry_is_refused()
    {
        var entry = new AuditEntry { Actor = "alice", Action = "cluster.create", Outcome = AuditOutcome.Succeeded };
        await SaveErrorAsync(db => db.AuditLog.Add(entry));

        var error = await SaveErrorAsync(db => db.AuditLog.Attach(entry).Property(e => e.Detail).CurrentValue = "rewritten");

        Assert.IsType<InvalidOperationException>(error);
    }

    [Fact]
    public async Task Deleting_an_audit_entry_is_refused()
    {
        var entry = new AuditEntry { Actor = "alice", Action = "cluster.delete", Outcome = AuditOutcome.Denied };
        await SaveErrorAsync(db => db.AuditLog.Add(entry));

        var error = await SaveErrorAsync(db => db.AuditLog.Remove(entry));

        Assert.IsType<InvalidOperationException>(error);
    }

    [Fact]
    public async Task A_bulk_delete_of_the_audit_log_is_refused_by_the_database()
    {
        await SaveErrorAsync(db => db.AuditLog.Add(new AuditEntry { Actor = "alice", Action = "signin", Outcome = AuditOutcome.Succeeded }));

        await using var db = NewDb();
        var error = await Record.ExceptionAsync(() => db.AuditLog.ExecuteDeleteAsync(Ct));

        Assert.IsAssignableFrom<DbException>(error);
    }

    [Fact]
    public async Task A_bulk_update_of_the_audit_log_is_refused_by_the_database()
    {
        await SaveErrorAsync(db => db.AuditLog.Add(new AuditEntry { Actor = "alice", Action = "signin", Outcome = AuditOutcome.Succeeded }));

        await using var db = NewDb();
        var error = await Record.ExceptionAsync(() => db.AuditLog.ExecuteUpdateAsync(set => set.SetProperty(e => e.Actor, "mallory"), Ct));

        Assert.IsAssignableFrom<DbException>(error);
    }

    [Fact]
    public async Task Audit_entries_are_appended_with_the_current_time()
    {
        Time.Advance(TimeSpan.FromSeconds(30));

        var entry = new AuditEntry { Actor = "alice", Action = "cluster.create", Outcome = AuditOutcome.Succeeded };
        await SaveErrorAsync(db => db.AuditLog.Add(entry));

        await using var db = NewDb();
        Assert.Equal(Start.AddSeconds(30), (await db.AuditLog.SingleAsync(e => e.Id == entry.Id, Ct)).At);
    }

    [Fact]
    public async Task Clusters_order_by_creation_time_whatever_the_offset()
    {
        var tenant = await SavedTenantAsync();
        // 10:30+02:00 is 08:30 UTC, the earliest instant although its clock reading is the latest.
        await SavedClusterAsync(ASparkCluster().In(tenant).Named("second").CreatedAt(Start).Build());
        await SavedClusterAsync(ASparkCluster().In(tenant).Named("first").CreatedAt(new(2026, 11, 25, 10, 30, 0, TimeSpan.FromHours(2))).Build());
        await SavedClusterAsync(ASparkCluster().In(tenant).Named("third").CreatedAt(Start.AddHours(1)).Build());

        await using var db = NewDb();
        var names = await db.Clusters.OrderBy(c => c.CreatedAt).Select(c => c.Name).ToListAsync(Ct);

        Assert.Equal(["first", "second", "third"], names);
    }

    [Fact]
    public async Task Clusters_filter_by_expiry_time()
    {
        var tenant = await SavedTenantAsync();
        await SavedClusterAsync(ASparkCluster().In(tenant).Named("expired").CreatedAt(Start.AddHours(-9)).Build());
        await SavedClusterAsync(ASparkCluster().In(tenant).Named("alive").CreatedAt(Start).Build());

        await using var db = NewDb();
        var now = Start;
        var expired = await db.Clusters.Where(c => c.ExpiresAt <= now).Select(c => c.Name).ToListAsync(Ct);

        Assert.Equal(["expired"], expired);
    }
}
