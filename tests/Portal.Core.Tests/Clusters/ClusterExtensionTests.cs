using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.Logging.Abstractions;
using Microsoft.Extensions.Options;
using Microsoft.Extensions.Time.Testing;
using Portal.Core.Audit;
using Portal.Core.Clusters;
using Portal.Core.Data;
using Portal.Core.Tenants;
using Portal.Testing;
using static Portal.Testing.Builders;

namespace Portal.Core.Tests.Clusters;

/// <summary>ClusterService.ExtendAsync on a freshly migrated PostgreSQL database per test.</summary>
public sealed class ClusterExtensionTests(PostgresServer server) : IAsyncLifetime
{
    readonly FakeTimeProvider _time = new(new DateTimeOffset(2026, 12, 4, 9, 0, 0, TimeSpan.Zero));
    readonly Tenant _tenant = ATenant().Build();
    readonly ClusterWrites _writes = new();
    Cluster _cluster = null!;
    string _connectionString = "";

    static CancellationToken Ct => TestContext.Current.CancellationToken;

    public async ValueTask InitializeAsync()
    {
        _connectionString = await server.CreateDatabaseAsync();
        await using var db = NewDb();
        await db.Database.MigrateAsync(Ct);
        db.Tenants.Add(_tenant);
        db.Memberships.Add(new Membership { TenantId = _tenant.Id, Subject = "alice", Role = TenantRole.Member });
        db.Memberships.Add(new Membership { TenantId = _tenant.Id, Subject = "bob", Role = TenantRole.Member });
        db.Memberships.Add(new Membership { TenantId = _tenant.Id, Subject = "vera", Role = TenantRole.Viewer });
        _cluster = ASparkCluster().In(_tenant).Named("etl").CreatedAt(_time.GetUtcNow()).Build();
        db.Clusters.Add(_cluster);
        await db.SaveChangesAsync(Ct);
    }

    public ValueTask DisposeAsync() => ValueTask.CompletedTask;

    PortalDb NewDb() => PostgresPortalDb.Create(_connectionString, _time);

    ClusterService Clusters(string subject) =>
        new(new DbFactory(NewDb), new Caller(subject, false), Options.Create(new ClusterOptions()), _time, _writes, NullLogger<ClusterService>.Instance);

    [Fact]
    public async Task Extending_a_cluster_stores_the_new_expiry()
    {
        await Clusters("alice").ExtendAsync(_tenant.Slug, "etl", TimeSpan.FromHours(2), expectedVersion: null, Ct);

        await using var db = NewDb();
        Assert.Equal(_time.GetUtcNow().AddHours(10), (await db.Clusters.SingleAsync(c => c.Id == _cluster.Id, Ct)).ExpiresAt);
    }

    [Fact]
    public async Task Extending_a_cluster_is_audited_for_its_caller()
    {
        await Clusters("alice").ExtendAsync(_tenant.Slug, "etl", TimeSpan.FromHours(2), expectedVersion: null, Ct);

        await using var db = NewDb();
        var audit = await db.AuditLog.SingleAsync(a => a.Action == "cluster.extend", Ct);
        Assert.Equal(("alice", AuditOutcome.Succeeded), (audit.Actor, audit.Outcome));
    }

    [Fact]
    public async Task Extending_a_cluster_signals_its_write_so_the_leader_moves_the_wake_up_at_once()
    {
        await Clusters("alice").ExtendAsync(_tenant.Slug, "etl", TimeSpan.FromHours(2), expectedVersion: null, Ct);

        // Already written when ExtendAsync returns; the limit only turns a missing signal into a failure, not a hang.
        using var limit = CancellationTokenSource.CreateLinkedTokenSource(Ct);
        limit.CancelAfter(Eventually.Ceiling);
        Assert.Equal(_cluster.Id, await _writes.ReadAllAsync(limit.Token).FirstAsync(limit.Token));
    }

    [Fact]
    public async Task A_viewer_may_not_extend_a_cluster()
    {
        var outcome = await Clusters("vera").ExtendAsync(_tenant.Slug, "etl", TimeSpan.FromHours(2), expectedVersion: null, Ct);

        Assert.Equal(FailureKind.Forbidden, outcome.Failure?.Kind);
    }

    [Fact]
    public async Task A_member_may_not_extend_another_members_cluster()
    {
        var outcome = await Clusters("bob").ExtendAsync(_tenant.Slug, "etl", TimeSpan.FromHours(2), expectedVersion: null, Ct);

        Assert.Equal(FailureKind.Forbidden, outcome.Failure?.Kind);
    }

    [Fact]
    public async Task An_extension_with_a_stale_version_is_refused_as_a_failed_precondition()
    {
        var outcome = await Clusters("alice").ExtendAsync(_tenant.Slug, "etl", TimeSpan.FromHours(2), expectedVersion: _cluster.Version + 7, Ct);

        Assert.Equal(FailureKind.PreconditionFailed, outcome.Failure?.Kind);
    }

    [Fact]
    public async Task An_extension_past_the_maximum_leaves_the_expiry_as_it_was()
    {
        await Clusters("alice").ExtendAsync(_tenant.Slug, "etl", TimeSpan.FromDays(30), expectedVersion: null, Ct);

        await using var db = NewDb();
        Assert.Equal(_cluster.ExpiresAt, (await db.Clusters.SingleAsync(c => c.Id == _cluster.Id, Ct)).ExpiresAt);
    }
}
