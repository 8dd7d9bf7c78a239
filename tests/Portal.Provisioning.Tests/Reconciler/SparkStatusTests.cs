using k8s;
using Microsoft.EntityFrameworkCore;
using Portal.Core.Audit;
using Portal.Core.Clusters;
using Portal.Core.Tenants;
using Portal.Sandbox;
using Portal.Testing;
using static Portal.Testing.Builders;

namespace Portal.Provisioning.Tests.Reconciler;

/// <summary>
/// Status read from Spark itself (the master's /json/ and the Connect driver's REST API, through the sandbox's
/// service proxy), and what the portal does with it: Running only when workers registered, master restarts, idle
/// shutdown on the portal's (fake) clock, and scratch space counted by the tenant's quota.
/// </summary>
public sealed class SparkStatusTests(PostgresServer postgres)
{
    static CancellationToken Ct => TestContext.Current.CancellationToken;

    internal static readonly TimeSpan IdleTimeout = TimeSpan.FromMinutes(10);

    /// <summary>A tenant policy with <see cref="IdleTimeout"/>, for the tests of idle shutdown.</summary>
    internal static void WithIdleTimeout(Tenant tenant) => tenant.Policy = tenant.Policy with { IdleTimeout = IdleTimeout };

    [Fact]
    public async Task A_cluster_whose_pods_are_ready_waits_for_its_workers_to_register_with_the_master()
    {
        // Registration far in the future: the pods get Ready, Spark never reports the workers during the test.
        await using var h = await Harness.StartAsync(postgres, new SandboxOptions { SparkRegistrationDelay = TimeSpan.FromHours(1) });
        var tenant = await h.ATenantWithNamespaceAsync();
        var cluster = await h.AddClusterAsync(ASparkCluster().Named("etl").In(tenant).WithWorkers(2).Build());
        var portal = h.NewPortal();
        await portal.Clusters.ReconcileAsync(cluster.Id, Ct);
        Assert.True(await Harness.EventuallyAsync(async () => (await h.FindDeploymentAsync(tenant.Namespace, "etl-worker"))?.Status?.ReadyReplicas == 2, seconds: 60));

        await portal.Clusters.ReconcileAsync(cluster.Id, Ct);

        var starting = await h.ReadClusterAsync(cluster.Id);
        Assert.Equal((ClusterPhase.Starting, "WaitingForSpark", 2, 0), (starting.Status.Phase, starting.Status.Reason, starting.Status.ReadyWorkers, starting.Status.RegisteredWorkers));
    }

    [Fact]
    public async Task A_running_cluster_reports_its_workers_and_cores_as_the_master_counts_them()
    {
        await using var h = await Harness.StartAsync(postgres);
        var tenant = await h.ATenantWithNamespaceAsync();
        var cluster = await h.AddClusterAsync(ASparkCluster().Named("etl").In(tenant).WithWorkers(3).Build().WithWorkerSize("1500m", "2Gi"));

        var running = await h.ReconcileUntilAsync(h.NewPortal(), cluster.Id, ClusterPhase.Running);

        Assert.Equal((3, 6), (running.Status.RegisteredWorkers, running.Status.SparkCores));
    }

    [Fact]
    public async Task A_cluster_with_connect_runs_once_its_connect_server_is_an_application_of_the_master()
    {
        await using var h = await Harness.StartAsync(postgres);
        var tenant = await h.ATenantWithNamespaceAsync();
        var cluster = await h.AddClusterAsync(ASparkCluster().Named("etl").In(tenant).Build().WithSparkConnect());

        var running = await h.ReconcileUntilAsync(h.NewPortal(), cluster.Id, ClusterPhase.Running);

        Assert.Equal(1, running.Status.ActiveApplications);
    }

    [Fact]
    public async Task After_a_master_restart_the_workers_register_with_the_new_master()
    {
        await using var h = await Harness.StartAsync(postgres);
        var tenant = await h.ATenantWithNamespaceAsync();
        var cluster = await h.AddClusterAsync(ASparkCluster().Named("etl").In(tenant).WithWorkers(2).Build());
        var portal = h.NewPortal();
        await h.ReconcileUntilAsync(portal, cluster.Id, ClusterPhase.Running);

        var ready = await h.RestartMasterUntilReadyAsync(tenant.Namespace, cluster.Id, workers: 2, () => portal.Clusters.ReconcileAsync(cluster.Id, Ct));

        Assert.True(ready);
    }

    [Fact]
    public async Task An_idle_cluster_ends_by_itself_after_the_tenants_idle_timeout()
    {
        await using var h = await Harness.StartAsync(postgres);
        var tenant = await h.ATenantWithNamespaceAsync(WithIdleTimeout);
        var cluster = await h.AddClusterAsync(ASparkCluster().Named("etl").In(tenant).Build().WithSparkConnect());
        var portal = h.NewPortal();
        await h.ReconcileUntilAsync(portal, cluster.Id, ClusterPhase.Running);

        h.Time.Advance(IdleTimeout);
        var deleted = await h.ReconcileUntilAsync(portal, cluster.Id, ClusterPhase.Deleted);

        Assert.Equal(ClusterTermination.Idle, deleted.Status.TerminationReason);
    }

    [Fact]
    public async Task An_idle_shutdown_is_in_the_clusters_history_and_audited_by_the_system()
    {
        await using var h = await Harness.StartAsync(postgres);
        var tenant = await h.ATenantWithNamespaceAsync(WithIdleTimeout);
        var cluster = await h.AddClusterAsync(ASparkCluster().Named("etl").In(tenant).Build());
        var portal = h.NewPortal();
        await h.ReconcileUntilAsync(portal, cluster.Id, ClusterPhase.Running);

        h.Time.Advance(IdleTimeout);
        await portal.Clusters.ReconcileAsync(cluster.Id, Ct);

        await using var db = h.Dbs.CreateDbContext();
        var audit = await db.AuditLog.SingleAsync(a => a.Action == "cluster.idle", Ct);
        var history = (await h.EventsOfAsync(cluster.Id)).Single(e => e.Phase == ClusterPhase.Deleting);
        Assert.Equal(("system", AuditOutcome.Succeeded, "Idle"), (audit.Actor, audit.Outcome, history.Reason));
    }

    [Fact]
    public async Task A_running_connect_job_keeps_a_cluster_from_going_idle()
    {
        await using var h = await Harness.StartAsync(postgres);
        var tenant = await h.ATenantWithNamespaceAsync(WithIdleTimeout);
        var cluster = await h.AddClusterAsync(ASparkCluster().Named("etl").In(tenant).Build().WithSparkConnect());
        var portal = h.NewPortal();
        await h.ReconcileUntilAsync(portal, cluster.Id, ClusterPhase.Running);
        h.Sandbox.Spark.StartConnectJob(tenant.Namespace, "etl-connect");

        h.Time.Advance(IdleTimeout);
        await portal.Clusters.ReconcileAsync(cluster.Id, Ct);

        var busy = await h.ReadClusterAsync(cluster.Id);
        Assert.Equal((ClusterPhase.Running, false), (busy.Status.Phase, busy.Status.Idle));
    }

    [Fact]
    public async Task An_application_that_ran_between_two_looks_restarts_the_idle_time()
    {
        await using var h = await Harness.StartAsync(postgres);
        var tenant = await h.ATenantWithNamespaceAsync(WithIdleTimeout);
        var cluster = await h.AddClusterAsync(ASparkCluster().Named("etl").In(tenant).Build());
        var portal = h.NewPortal();
        await h.ReconcileUntilAsync(portal, cluster.Id, ClusterPhase.Running);
        await portal.Clusters.ReconcileAsync(cluster.Id, Ct);
        h.Time.Advance(IdleTimeout / 2);
        var app = h.Sandbox.Spark.StartApplication(tenant.Namespace, "etl-master", "nightly job");
        h.Sandbox.Spark.FinishApplication(tenant.Namespace, app);

        await portal.Clusters.ReconcileAsync(cluster.Id, Ct);

        var cluster2 = await h.ReadClusterAsync(cluster.Id);
        Assert.Equal((h.Time.GetUtcNow(), true), (cluster2.Status.LastActivityAt, cluster2.Status.Idle));
    }

    [Fact]
    public async Task A_tenant_without_an_idle_timeout_keeps_an_idle_cluster_running()
    {
        await using var h = await Harness.StartAsync(postgres);
        var tenant = await h.ATenantWithNamespaceAsync();
        var cluster = await h.AddClusterAsync(ASparkCluster().Named("etl").In(tenant).Build());
        var portal = h.NewPortal();
        await h.ReconcileUntilAsync(portal, cluster.Id, ClusterPhase.Running);

        h.Time.Advance(TimeSpan.FromHours(7));
        await portal.Clusters.ReconcileAsync(cluster.Id, Ct);

        var idle = await h.ReadClusterAsync(cluster.Id);
        Assert.Equal((ClusterPhase.Running, true), (idle.Status.Phase, idle.Status.Idle));
    }

    [Fact]
    public async Task A_cluster_whose_scratch_space_does_not_fit_the_ephemeral_storage_quota_fails_as_exceeded_quota()
    {
        await using var h = await Harness.StartAsync(postgres);
        // Room for the master (2Gi scratch + logs) and one worker (10Gi + logs), not a second worker.
        var tenant = await h.ATenantWithNamespaceAsync(t => t.Quota = t.Quota with { EphemeralStorage = "14Gi" });
        var cluster = await h.AddClusterAsync(ASparkCluster().Named("etl").In(tenant).WithWorkers(2).Build());

        var failed = await h.ReconcileUntilAsync(h.NewPortal(), cluster.Id, ClusterPhase.Failed);

        Assert.Equal("ExceededQuota", failed.Status.Reason);
    }
}
