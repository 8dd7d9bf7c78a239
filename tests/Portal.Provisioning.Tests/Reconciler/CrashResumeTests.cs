using Portal.Core.Clusters;
using Portal.Testing;
using static Portal.Testing.Builders;

namespace Portal.Provisioning.Tests.Reconciler;

/// <summary>
/// A portal killed between any two of its steps converges on restart with nothing duplicated. "Killed" is a
/// handler that lets n-1 API calls through and fails every call after: whatever the first pass wrote to the
/// database and the API server before that point stays, exactly as after a real crash.
/// </summary>
public sealed class CrashResumeTests(PostgresServer postgres)
{
    static CancellationToken Ct => TestContext.Current.CancellationToken;

    [Fact]
    public async Task A_portal_killed_between_any_two_steps_converges_on_restart_with_nothing_duplicated()
    {
        await using var h = await Harness.StartAsync(postgres);
        // Room for one cluster per step: the quota isn't what this test is about.
        var tenant = await h.ATenantWithNamespaceAsync(t => t.Quota = new Core.Tenants.TenantQuota { Cpu = "1000", Memory = "4Ti", MaxPods = 1000, MaxClusters = 100 });
        var steps = await StepsOfAFirstPassAsync(h, tenant);
        var failures = new List<string>();

        for (var killAt = 1; killAt <= steps; killAt++)
        {
            var cluster = await h.AddClusterAsync(ASparkCluster().Named($"crash-{killAt}").In(tenant).Build().WithSparkConnect());
            await Assert.ThrowsAsync<KillSwitch.Killed>(async () =>
                await h.ReconcileUntilAsync(h.NewPortal(new KillSwitch(killAt)), cluster.Id, ClusterPhase.Running));

            await h.ReconcileUntilAsync(h.NewPortal(), cluster.Id, ClusterPhase.Running);

            var phases = (await h.EventsOfAsync(cluster.Id)).Select(e => e.Phase).ToList();
            if (!phases.SequenceEqual([ClusterPhase.Provisioning, ClusterPhase.Starting, ClusterPhase.Running]))
            {
                failures.Add($"killed at step {killAt}: history {string.Join(", ", phases)}");
            }

            var objects = (await ClusterReconcilerTests.ResourceVersionsAsync(h, tenant.Namespace, cluster.Id)).Keys.Where(k => !k.StartsWith("Pod/", StringComparison.Ordinal));
            var expected = new[]
            {
                $"ConfigMap/{cluster.Name}", $"Deployment/{cluster.Name}-connect", $"Deployment/{cluster.Name}-master", $"Deployment/{cluster.Name}-worker",
                $"NetworkPolicy/{cluster.Name}-intra-cluster", $"Service/{cluster.Name}-connect", $"Service/{cluster.Name}-master",
            };
            if (!objects.SequenceEqual(expected))
            {
                failures.Add($"killed at step {killAt}: objects {string.Join(", ", objects)}");
            }
        }

        Assert.Empty(failures);
    }

    [Fact]
    public async Task A_portal_killed_between_any_two_steps_of_a_deletion_leaves_nothing_behind_on_restart()
    {
        await using var h = await Harness.StartAsync(postgres);
        var tenant = await h.ATenantWithNamespaceAsync(t => t.Quota = new Core.Tenants.TenantQuota { Cpu = "1000", Memory = "4Ti", MaxPods = 1000, MaxClusters = 100 });
        var steps = await StepsOfADeletePassAsync(h, tenant);
        var failures = new List<string>();

        for (var killAt = 1; killAt <= steps; killAt++)
        {
            var cluster = await h.AddClusterAsync(ASparkCluster().Named($"gone-{killAt}").In(tenant).Build().WithSparkConnect());
            await h.ReconcileUntilAsync(h.NewPortal(), cluster.Id, ClusterPhase.Running);
            await h.UpdateClusterAsync(cluster.Id, c => c.DeletionRequestedAt = h.Time.GetUtcNow());
            await Assert.ThrowsAsync<KillSwitch.Killed>(async () =>
                await h.ReconcileUntilAsync(h.NewPortal(new KillSwitch(killAt)), cluster.Id, ClusterPhase.Deleted));

            await h.ReconcileUntilAsync(h.NewPortal(), cluster.Id, ClusterPhase.Deleted);

            var left = await ClusterReconcilerTests.ResourceVersionsAsync(h, tenant.Namespace, cluster.Id);
            var phases = (await h.EventsOfAsync(cluster.Id)).Select(e => e.Phase).ToList();
            if (left.Count > 0 || phases.Count(p => p == ClusterPhase.Deleting) != 1 || phases.Count(p => p == ClusterPhase.Deleted) != 1)
            {
                failures.Add($"killed at step {killAt}: left {string.Join(", ", left.Keys)}; history {string.Join(", ", phases)}");
            }
        }

        Assert.Empty(failures);
    }

    static async Task<int> StepsOfADeletePassAsync(Harness h, Core.Tenants.Tenant tenant)
    {
        var cluster = await h.AddClusterAsync(ASparkCluster().Named("measure-delete").In(tenant).Build().WithSparkConnect());
        await h.ReconcileUntilAsync(h.NewPortal(), cluster.Id, ClusterPhase.Running);
        await h.UpdateClusterAsync(cluster.Id, c => c.DeletionRequestedAt = h.Time.GetUtcNow());
        var counter = new KillSwitch(int.MaxValue);
        await h.NewPortal(counter).Clusters.ReconcileAsync(cluster.Id, Ct);
        return counter.Calls;
    }

    /// <summary>How many API calls one uninterrupted first pass makes: every one of them is a place to die.</summary>
    static async Task<int> StepsOfAFirstPassAsync(Harness h, Core.Tenants.Tenant tenant)
    {
        var counter = new KillSwitch(int.MaxValue);
        var cluster = await h.AddClusterAsync(ASparkCluster().Named("measure").In(tenant).Build().WithSparkConnect());
        await h.NewPortal(counter).Clusters.ReconcileAsync(cluster.Id, Ct);
        return counter.Calls;
    }
}

/// <summary>Passes API calls through until call number <c>killAt</c>, then fails that call and every later one.</summary>
internal sealed class KillSwitch(int killAt) : DelegatingHandler
{
    int _calls;

    public int Calls => _calls;

    protected override Task<HttpResponseMessage> SendAsync(HttpRequestMessage request, CancellationToken cancellationToken) =>
        Interlocked.Increment(ref _calls) >= killAt
            ? throw new Killed()
            : base.SendAsync(request, cancellationToken);

    /// <summary>The process "died"; deliberately not a type any retry policy recognises.</summary>
    internal sealed class Killed : Exception;
}
