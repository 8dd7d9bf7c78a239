using Portal.Core.Audit;
using Portal.Core.Clusters;
using Portal.Core.Tenants;
using Portal.Provisioning.Reconciler;
using Portal.Testing;
using static Portal.Testing.Builders;

namespace Portal.Provisioning.Tests.Reconciler;

public sealed class ClusterLifetimeTests(PostgresServer postgres)
{
    static readonly DateTimeOffset Created = new(2026, 11, 25, 8, 0, 0, TimeSpan.Zero);
    static readonly TenantPolicy Policy = new() { MaxTimeToLive = TimeSpan.FromHours(24) };

    static Cluster EightHourCluster() => ASparkCluster().CreatedAt(Created).Build();

    [Fact]
    public void An_extension_adds_to_the_current_expiry()
    {
        var change = ClusterLifetime.Decide(EightHourCluster(), Policy, TimeSpan.FromHours(4), Created.AddHours(1));

        Assert.Equal(Created.AddHours(12), change.ExpiresAt);
    }

    [Fact]
    public void An_extension_past_the_tenants_maximum_is_refused()
    {
        var change = ClusterLifetime.Decide(EightHourCluster(), Policy, TimeSpan.FromHours(17), Created.AddHours(1));

        Assert.Equal((ExtensionRefusal.BeyondMaximum, Created.AddHours(24)), (change.Refusal, change.Latest));
    }

    [Fact]
    public void An_extension_up_to_the_maximum_exactly_is_allowed()
    {
        var change = ClusterLifetime.Decide(EightHourCluster(), Policy, TimeSpan.FromHours(16), Created.AddHours(1));

        Assert.True(change.Succeeded);
    }

    [Fact]
    public void A_cluster_being_deleted_cannot_be_extended()
    {
        var cluster = EightHourCluster();
        cluster.DeletionRequestedAt = Created.AddHours(1);

        var change = ClusterLifetime.Decide(cluster, Policy, TimeSpan.FromHours(1), Created.AddHours(1));

        Assert.Equal(ExtensionRefusal.Ending, change.Refusal);
    }

    [Fact]
    public void A_non_positive_extension_is_refused()
    {
        var change = ClusterLifetime.Decide(EightHourCluster(), Policy, TimeSpan.Zero, Created.AddHours(1));

        Assert.Equal(ExtensionRefusal.NotPositive, change.Refusal);
    }

    [Fact]
    public async Task Extending_a_cluster_stores_the_new_expiry_and_audits_it()
    {
        await using var h = await Harness.StartAsync(postgres);
        var tenant = await h.AddTenantAsync(ATenant().Build());
        var cluster = await h.AddClusterAsync(ASparkCluster().In(tenant).CreatedAt(h.Time.GetUtcNow()).Build());

        await h.NewPortal().Lifetime.ExtendAsync(cluster.Id, TimeSpan.FromHours(2), "alice", TestContext.Current.CancellationToken);

        await using var db = h.Dbs.CreateDbContext();
        var audit = db.AuditLog.Single(a => a.Action == "cluster.extend");
        Assert.Equal((h.Time.GetUtcNow().AddHours(10), "alice", AuditOutcome.Succeeded), ((await h.ReadClusterAsync(cluster.Id)).ExpiresAt, audit.Actor, audit.Outcome));
    }

    [Fact]
    public async Task Extending_a_cluster_signals_its_write_so_the_leader_moves_the_wake_up_at_once()
    {
        await using var h = await Harness.StartAsync(postgres);
        var tenant = await h.AddTenantAsync(ATenant().Build());
        var cluster = await h.AddClusterAsync(ASparkCluster().In(tenant).CreatedAt(h.Time.GetUtcNow()).Build());
        var portal = h.NewPortal();

        await portal.Lifetime.ExtendAsync(cluster.Id, TimeSpan.FromHours(2), "alice", TestContext.Current.CancellationToken);

        // Already written when ExtendAsync returns; the limit only turns a missing signal into a failure, not a hang.
        using var limit = CancellationTokenSource.CreateLinkedTokenSource(TestContext.Current.CancellationToken);
        limit.CancelAfter(TimeSpan.FromSeconds(10));
        Assert.Equal(cluster.Id, await portal.Writes.ReadAllAsync(limit.Token).FirstAsync(limit.Token));
    }
}
