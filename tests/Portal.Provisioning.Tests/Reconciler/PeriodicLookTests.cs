using System.Collections.Concurrent;
using k8s;
using Portal.Core.Clusters;
using Portal.Core.Tenants;
using Portal.Provisioning.Reconciler;
using Portal.Provisioning.WorkQueue;
using Portal.Testing;
using static Portal.Testing.Builders;

namespace Portal.Provisioning.Tests.Reconciler;

/// <summary>
/// The periodic look at a Running cluster (<see cref="ClusterReconciler.LookAsync"/>): when nothing changed since
/// the last whole pass it asks only Spark, and whatever Spark or the row says that the last whole pass didn't see
/// makes it a whole pass again.
/// </summary>
public sealed class PeriodicLookTests(PostgresServer postgres)
{
    static CancellationToken Ct => TestContext.Current.CancellationToken;

    [Fact]
    public async Task A_look_at_a_running_cluster_asks_only_the_spark_master()
    {
        await using var h = await Harness.StartAsync(postgres);
        var tenant = await h.ATenantWithNamespaceAsync();
        var cluster = await h.AddClusterAsync(ASparkCluster().Named("etl").In(tenant).Build());
        var calls = new RequestLog();
        var portal = h.NewPortal(calls);
        await h.ReconcileUntilAsync(portal, cluster.Id, ClusterPhase.Running);
        calls.Clear();

        await portal.Clusters.LookAsync(cluster.Id, Ct);

        Assert.Equal([$"GET /api/v1/namespaces/{tenant.Namespace}/services/http:etl-master:8080/proxy/json/"], calls.Requests);
    }

    [Fact]
    public async Task A_look_asks_for_another_look_when_the_spark_status_is_due()
    {
        await using var h = await Harness.StartAsync(postgres);
        var tenant = await h.ATenantWithNamespaceAsync();
        var cluster = await h.AddClusterAsync(ASparkCluster().Named("etl").In(tenant).Build());
        var portal = h.NewPortal();
        await h.ReconcileUntilAsync(portal, cluster.Id, ClusterPhase.Running);

        var result = await portal.Clusters.LookAsync(cluster.Id, Ct);

        Assert.Equal(ReconcileResult.LookAfter(TimeSpan.FromSeconds(h.Options.SparkStatusSeconds)), result);
    }

    [Fact]
    public async Task A_look_records_an_application_that_ran_since_the_last_one()
    {
        await using var h = await Harness.StartAsync(postgres);
        var tenant = await h.ATenantWithNamespaceAsync(SparkStatusTests.WithIdleTimeout);
        var cluster = await h.AddClusterAsync(ASparkCluster().Named("etl").In(tenant).Build());
        var portal = h.NewPortal();
        await h.ReconcileUntilAsync(portal, cluster.Id, ClusterPhase.Running);
        await portal.Clusters.ReconcileAsync(cluster.Id, Ct);
        h.Time.Advance(SparkStatusTests.IdleTimeout / 2);
        var app = h.Sandbox.Spark.StartApplication(tenant.Namespace, "etl-master", "nightly job");
        h.Sandbox.Spark.FinishApplication(tenant.Namespace, app);

        await portal.Clusters.LookAsync(cluster.Id, Ct);

        var looked = await h.ReadClusterAsync(cluster.Id);
        Assert.Equal(h.Time.GetUtcNow(), looked.Status.LastActivityAt);
    }

    [Fact]
    public async Task A_look_ends_a_cluster_idle_for_its_tenants_idle_timeout()
    {
        await using var h = await Harness.StartAsync(postgres);
        var tenant = await h.ATenantWithNamespaceAsync(SparkStatusTests.WithIdleTimeout);
        var cluster = await h.AddClusterAsync(ASparkCluster().Named("etl").In(tenant).Build());
        var portal = h.NewPortal();
        await h.ReconcileUntilAsync(portal, cluster.Id, ClusterPhase.Running);
        h.Time.Advance(SparkStatusTests.IdleTimeout);

        await portal.Clusters.LookAsync(cluster.Id, Ct);

        var ending = await h.ReadClusterAsync(cluster.Id);
        Assert.Equal((ClusterPhase.Deleting, ClusterTermination.Idle), (ending.Status.Phase, ending.Status.TerminationReason));
    }

    [Fact]
    public async Task A_look_at_a_cluster_whose_spec_changed_applies_the_new_spec()
    {
        await using var h = await Harness.StartAsync(postgres);
        var tenant = await h.ATenantWithNamespaceAsync();
        var cluster = await h.AddClusterAsync(ASparkCluster().Named("etl").In(tenant).WithWorkers(2).Build());
        var portal = h.NewPortal();
        await h.ReconcileUntilAsync(portal, cluster.Id, ClusterPhase.Running);
        await h.UpdateClusterAsync(cluster.Id, c => { c.Spec = c.Spec with { Workers = 3 }; c.Generation++; });

        await portal.Clusters.LookAsync(cluster.Id, Ct);

        Assert.Equal(3, (await h.FindDeploymentAsync(tenant.Namespace, "etl-worker"))?.Spec.Replicas);
    }

    [Fact]
    public async Task After_a_master_restart_looks_follow_the_cluster_until_its_workers_register_again()
    {
        await using var h = await Harness.StartAsync(postgres);
        var tenant = await h.ATenantWithNamespaceAsync();
        var cluster = await h.AddClusterAsync(ASparkCluster().Named("etl").In(tenant).WithWorkers(2).Build());
        var portal = h.NewPortal();
        await h.ReconcileUntilAsync(portal, cluster.Id, ClusterPhase.Running);

        // Spark stops answering, so the looks turn into whole passes, which see the new pod and wait for its workers.
        var ready = await h.RestartMasterUntilReadyAsync(tenant.Namespace, cluster.Id, workers: 2, () => portal.Clusters.LookAsync(cluster.Id, Ct));

        Assert.True(ready);
    }

    [Fact]
    public async Task A_look_without_a_whole_pass_before_it_is_a_whole_pass()
    {
        await using var h = await Harness.StartAsync(postgres);
        var tenant = await h.ATenantWithNamespaceAsync();
        var cluster = await h.AddClusterAsync(ASparkCluster().Named("etl").In(tenant).Build());
        await h.ReconcileUntilAsync(h.NewPortal(), cluster.Id, ClusterPhase.Running);
        await h.Client.CoreV1.DeleteNamespacedServiceAsync("etl-master", tenant.Namespace, cancellationToken: Ct);

        // A restarted portal has seen nothing yet: its first look applies everything.
        await h.NewPortal().Clusters.LookAsync(cluster.Id, Ct);

        Assert.NotNull(await h.Client.CoreV1.ReadNamespacedServiceAsync("etl-master", tenant.Namespace, cancellationToken: Ct));
    }

    /// <summary>Every request the portal's Kubernetes client sends, as its method and unescaped path.</summary>
    sealed class RequestLog : DelegatingHandler
    {
        readonly ConcurrentQueue<string> _requests = new();

        public IReadOnlyList<string> Requests => [.. _requests];

        public void Clear() => _requests.Clear();

        protected override Task<HttpResponseMessage> SendAsync(HttpRequestMessage request, CancellationToken cancellationToken)
        {
            _requests.Enqueue($"{request.Method} {Uri.UnescapeDataString(request.RequestUri!.AbsolutePath)}");
            return base.SendAsync(request, cancellationToken);
        }
    }
}
