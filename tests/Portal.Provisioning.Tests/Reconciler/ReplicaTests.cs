using Portal.Core.Clusters;
using Portal.Provisioning.Reconciler;
using Portal.Testing;
using static Portal.Testing.Builders;

namespace Portal.Provisioning.Tests.Reconciler;

/// <summary>Two portal replicas against one database and one API server: one leads, and no work is done twice.</summary>
public sealed class ReplicaTests(PostgresServer postgres)
{
    static CancellationToken Ct => TestContext.Current.CancellationToken;

    [Fact]
    public async Task Exactly_one_of_two_replicas_leads()
    {
        await using var h = await Harness.StartAsync(postgres);
        var (a, b) = (h.NewReplica(), h.NewReplica());
        await a.StartAsync(Ct);
        await b.StartAsync(Ct);

        await UntilAsync(() => a.IsLeader || b.IsLeader);

        Assert.NotEqual(a.IsLeader, b.IsLeader);
        await a.StopAsync(Ct);
        await b.StopAsync(Ct);
    }

    [Fact]
    public async Task Two_replicas_bring_a_cluster_to_running_with_each_phase_recorded_once()
    {
        await using var h = await Harness.StartAsync(postgres);
        var tenant = await h.AddTenantAsync(ATenant().Build());
        var cluster = await h.AddClusterAsync(ASparkCluster().In(tenant).Build().WithSparkConnect());
        var (a, b) = (h.NewReplica(), h.NewReplica());
        await a.StartAsync(Ct);
        await b.StartAsync(Ct);

        await UntilAsync(async () => (await h.ReadClusterAsync(cluster.Id)).Status.Phase == ClusterPhase.Running);

        var events = await h.EventsOfAsync(cluster.Id);
        Assert.True(events.Select(e => e.Phase).SequenceEqual([ClusterPhase.Provisioning, ClusterPhase.Starting, ClusterPhase.Running]),
            "Phases recorded: " + string.Join("; ", events.Select(e => $"{e.Phase} ({e.Reason}: {e.Message})")));
        await a.StopAsync(Ct);
        await b.StopAsync(Ct);
    }

    [Fact]
    public async Task When_the_leader_stops_the_other_replica_takes_over()
    {
        await using var h = await Harness.StartAsync(postgres);
        var (a, b) = (h.NewReplica(), h.NewReplica());
        await a.StartAsync(Ct);
        await b.StartAsync(Ct);
        await UntilAsync(() => a.IsLeader || b.IsLeader);
        var (leader, follower) = a.IsLeader ? (a, b) : (b, a);
        await leader.StopAsync(Ct);

        var tenant = await h.AddTenantAsync(ATenant().Build());
        var cluster = await h.AddClusterAsync(ASparkCluster().In(tenant).Build());

        await UntilAsync(async () => (await h.ReadClusterAsync(cluster.Id)).Status.Phase == ClusterPhase.Running);
        Assert.True(follower.IsLeader);
        await follower.StopAsync(Ct);
    }

    static Task UntilAsync(Func<bool> condition) => UntilAsync(() => Task.FromResult(condition()));

    // Leases and watches run on real time; the ceiling covers a 2 s lease expiring many times over.
    static Task UntilAsync(Func<Task<bool>> condition) =>
        Eventually.HoldsAsync(condition, "the replicas got there", every: TimeSpan.FromMilliseconds(100), ct: Ct);
}
