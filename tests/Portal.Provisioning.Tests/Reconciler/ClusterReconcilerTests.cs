using k8s;
using Portal.Core.Audit;
using Portal.Core.Clusters;
using Portal.Core.Tenants;
using Portal.Provisioning.Manifests;
using Portal.Sandbox;
using Portal.Testing;
using static Portal.Testing.Builders;

namespace Portal.Provisioning.Tests.Reconciler;

public sealed class ClusterReconcilerTests(PostgresServer postgres)
{
    static CancellationToken Ct => TestContext.Current.CancellationToken;

    [Fact]
    public async Task A_cluster_whose_namespace_is_not_made_yet_waits_in_requested()
    {
        await using var h = await Harness.StartAsync(postgres);
        var tenant = await h.AddTenantAsync(ATenant().Build());
        var cluster = await h.AddClusterAsync(ASparkCluster().In(tenant).Build());

        var result = await h.NewPortal().Clusters.ReconcileAsync(cluster.Id, Ct);

        Assert.Equal((ClusterPhase.Requested, true), ((await h.ReadClusterAsync(cluster.Id)).Status.Phase, result.RequeueAfter is not null));
    }

    [Fact]
    public async Task A_cluster_waiting_for_its_namespace_runs_once_the_tenant_has_one()
    {
        await using var h = await Harness.StartAsync(postgres);
        var tenant = await h.AddTenantAsync(ATenant().Build());
        var cluster = await h.AddClusterAsync(ASparkCluster().In(tenant).Build());
        var portal = h.NewPortal();
        await portal.Clusters.ReconcileAsync(cluster.Id, Ct);

        await portal.Tenants.ReconcileAsync(tenant.Id, Ct);

        Assert.Equal(ClusterPhase.Running, (await h.ReconcileUntilAsync(portal, cluster.Id, ClusterPhase.Running)).Status.Phase);
    }

    [Fact]
    public async Task Reconcile_creates_a_master_service_owned_by_the_clusters_root()
    {
        await using var h = await Harness.StartAsync(postgres);
        var tenant = await h.ATenantWithNamespaceAsync();
        var cluster = await h.AddClusterAsync(ASparkCluster().Named("etl").In(tenant).Build());

        await h.NewPortal().Clusters.ReconcileAsync(cluster.Id, Ct);

        var root = await h.Client.CoreV1.ReadNamespacedConfigMapAsync("etl", tenant.Namespace, cancellationToken: Ct);
        var service = await h.Client.CoreV1.ReadNamespacedServiceAsync("etl-master", tenant.Namespace, cancellationToken: Ct);
        Assert.Equal(root.Metadata.Uid, Assert.Single(service.Metadata.OwnerReferences).Uid);
    }

    [Fact]
    public async Task A_cluster_goes_through_provisioning_and_starting_to_running()
    {
        await using var h = await Harness.StartAsync(postgres);
        var tenant = await h.ATenantWithNamespaceAsync();
        var cluster = await h.AddClusterAsync(ASparkCluster().In(tenant).Build());

        await h.ReconcileUntilAsync(h.NewPortal(), cluster.Id, ClusterPhase.Running);

        var phases = (await h.EventsOfAsync(cluster.Id)).Select(e => e.Phase);
        Assert.Equal([ClusterPhase.Provisioning, ClusterPhase.Starting, ClusterPhase.Running], phases);
    }

    [Fact]
    public async Task A_running_cluster_reports_its_endpoints()
    {
        await using var h = await Harness.StartAsync(postgres);
        var tenant = await h.ATenantWithNamespaceAsync();
        var cluster = await h.AddClusterAsync(ASparkCluster().Named("etl").In(tenant).Build().WithSparkConnect());

        var running = await h.ReconcileUntilAsync(h.NewPortal(), cluster.Id, ClusterPhase.Running);

        var ns = tenant.Namespace;
        Assert.Equal(
            ($"spark://etl-master.{ns}.svc:7077", $"http://etl-master.{ns}.svc:8080", $"sc://etl-connect.{ns}.svc:15002", 2),
            (running.Status.MasterUrl, running.Status.MasterUiUrl, running.Status.ConnectUrl, running.Status.ReadyWorkers));
    }

    [Fact]
    public async Task Reconciling_an_unchanged_cluster_again_changes_no_object()
    {
        await using var h = await Harness.StartAsync(postgres);
        var tenant = await h.ATenantWithNamespaceAsync();
        var cluster = await h.AddClusterAsync(ASparkCluster().In(tenant).Build().WithSparkConnect());
        var portal = h.NewPortal();
        await h.ReconcileUntilAsync(portal, cluster.Id, ClusterPhase.Running);
        var before = await ResourceVersionsAsync(h, tenant.Namespace, cluster.Id);

        await portal.Clusters.ReconcileAsync(cluster.Id, Ct);

        Assert.Equal(before, await ResourceVersionsAsync(h, tenant.Namespace, cluster.Id));
    }

    [Fact]
    public async Task A_worker_deployment_deleted_by_hand_comes_back()
    {
        await using var h = await Harness.StartAsync(postgres);
        var tenant = await h.ATenantWithNamespaceAsync();
        var cluster = await h.AddClusterAsync(ASparkCluster().Named("etl").In(tenant).Build());
        var portal = h.NewPortal();
        await h.ReconcileUntilAsync(portal, cluster.Id, ClusterPhase.Running);
        await h.Client.AppsV1.DeleteNamespacedDeploymentAsync("etl-worker", tenant.Namespace, cancellationToken: Ct);

        await portal.Clusters.ReconcileAsync(cluster.Id, Ct);

        Assert.NotNull(await h.FindDeploymentAsync(tenant.Namespace, "etl-worker"));
    }

    [Fact]
    public async Task A_worker_count_changed_by_hand_is_set_back()
    {
        await using var h = await Harness.StartAsync(postgres);
        var tenant = await h.ATenantWithNamespaceAsync();
        var cluster = await h.AddClusterAsync(ASparkCluster().Named("etl").In(tenant).WithWorkers(2).Build());
        var portal = h.NewPortal();
        await h.ReconcileUntilAsync(portal, cluster.Id, ClusterPhase.Running);
        await h.Client.AppsV1.PatchNamespacedDeploymentScaleAsync(
            new k8s.Models.V1Patch("{\"spec\":{\"replicas\":7}}", k8s.Models.V1Patch.PatchType.MergePatch), "etl-worker", tenant.Namespace, cancellationToken: Ct);

        await portal.Clusters.ReconcileAsync(cluster.Id, Ct);

        Assert.Equal(2, (await h.FindDeploymentAsync(tenant.Namespace, "etl-worker"))!.Spec.Replicas);
    }

    [Fact]
    public async Task Scaling_changes_the_worker_count_in_place()
    {
        await using var h = await Harness.StartAsync(postgres);
        var tenant = await h.ATenantWithNamespaceAsync();
        var cluster = await h.AddClusterAsync(ASparkCluster().Named("etl").In(tenant).WithWorkers(2).Build());
        var portal = h.NewPortal();
        await h.ReconcileUntilAsync(portal, cluster.Id, ClusterPhase.Running);
        var before = await h.FindDeploymentAsync(tenant.Namespace, "etl-worker");
        await h.UpdateClusterAsync(cluster.Id, c => { c.Spec = c.Spec with { Workers = 4 }; c.Generation++; });

        await portal.Clusters.ReconcileAsync(cluster.Id, Ct);

        var after = await h.FindDeploymentAsync(tenant.Namespace, "etl-worker");
        Assert.Equal((before!.Metadata.Uid, 4), (after!.Metadata.Uid, after.Spec.Replicas));
    }

    [Fact]
    public async Task A_scaled_cluster_reports_every_worker_ready_for_the_new_generation()
    {
        await using var h = await Harness.StartAsync(postgres);
        var tenant = await h.ATenantWithNamespaceAsync();
        var cluster = await h.AddClusterAsync(ASparkCluster().In(tenant).WithWorkers(1).Build());
        var portal = h.NewPortal();
        await h.ReconcileUntilAsync(portal, cluster.Id, ClusterPhase.Running);
        await h.UpdateClusterAsync(cluster.Id, c => { c.Spec = c.Spec with { Workers = 3 }; c.Generation++; });

        var scaled = await ReconcileUntilReadyWorkersAsync(h, portal, cluster.Id, 3);

        Assert.Equal((ClusterPhase.Running, 2L), (scaled.Status.Phase, scaled.Status.ObservedGeneration));
    }

    [Fact]
    public async Task Switching_spark_connect_off_removes_its_objects()
    {
        await using var h = await Harness.StartAsync(postgres);
        var tenant = await h.ATenantWithNamespaceAsync();
        var cluster = await h.AddClusterAsync(ASparkCluster().Named("etl").In(tenant).Build().WithSparkConnect());
        var portal = h.NewPortal();
        await portal.Clusters.ReconcileAsync(cluster.Id, Ct);
        await h.UpdateClusterAsync(cluster.Id, c => { c.Spec = c.Spec with { SparkConnect = false }; c.Generation++; });

        await portal.Clusters.ReconcileAsync(cluster.Id, Ct);

        Assert.Null(await h.FindDeploymentAsync(tenant.Namespace, "etl-connect"));
    }

    [Fact]
    public async Task An_image_that_cannot_be_pulled_fails_the_cluster_with_ImagePullBackOff()
    {
        await using var h = await Harness.StartAsync(postgres, new SandboxOptions { ImagePullFailurePattern = "does-not-exist" });
        var tenant = await h.ATenantWithNamespaceAsync();
        var cluster = await h.AddClusterAsync(ASparkCluster().In(tenant).Build().WithImage("apache/spark:does-not-exist"));

        var failed = await h.ReconcileUntilAsync(h.NewPortal(), cluster.Id, ClusterPhase.Failed);

        Assert.Equal("ImagePullBackOff", failed.Status.Reason);
    }

    [Fact]
    public async Task A_cluster_beyond_the_tenants_quota_fails_with_ExceededQuota()
    {
        await using var h = await Harness.StartAsync(postgres);
        var tenant = await h.ATenantWithNamespaceAsync(t => t.Quota = new TenantQuota { Cpu = "3", Memory = "64Gi", MaxPods = 20, MaxClusters = 2 });
        var cluster = await h.AddClusterAsync(ASparkCluster().In(tenant).WithWorkers(2).Build().WithWorkerSize("2", "2Gi"));

        var failed = await h.ReconcileUntilAsync(h.NewPortal(), cluster.Id, ClusterPhase.Failed);

        Assert.Equal("ExceededQuota", failed.Status.Reason);
    }

    [Fact]
    public async Task A_spec_the_manifests_cannot_render_fails_the_cluster_with_InvalidSpec()
    {
        await using var h = await Harness.StartAsync(postgres);
        var tenant = await h.ATenantWithNamespaceAsync();
        // A row the API's validation never saw (restored from an old backup, say): no quantity Kubernetes can parse.
        var cluster = await h.AddClusterAsync(ASparkCluster().In(tenant).Build().WithWorkerSize("lots", "2Gi"));

        await h.NewPortal().Clusters.ReconcileAsync(cluster.Id, Ct);

        var failed = await h.ReadClusterAsync(cluster.Id);
        Assert.Equal((ClusterPhase.Failed, "InvalidSpec"), (failed.Status.Phase, failed.Status.Reason));
    }

    [Fact]
    public async Task A_failed_phase_lands_in_the_history_with_its_reason()
    {
        await using var h = await Harness.StartAsync(postgres, new SandboxOptions { ImagePullFailurePattern = "does-not-exist" });
        var tenant = await h.ATenantWithNamespaceAsync();
        var cluster = await h.AddClusterAsync(ASparkCluster().In(tenant).Build().WithImage("apache/spark:does-not-exist"));

        await h.ReconcileUntilAsync(h.NewPortal(), cluster.Id, ClusterPhase.Failed);

        var last = (await h.EventsOfAsync(cluster.Id))[^1];
        Assert.Equal((ClusterPhase.Failed, "ImagePullBackOff"), (last.Phase, last.Reason));
    }

    [Fact]
    public async Task Deleting_a_cluster_leaves_nothing_of_it_in_the_namespace()
    {
        await using var h = await Harness.StartAsync(postgres);
        var tenant = await h.ATenantWithNamespaceAsync();
        var cluster = await h.AddClusterAsync(ASparkCluster().In(tenant).Build().WithSparkConnect());
        var portal = h.NewPortal();
        await h.ReconcileUntilAsync(portal, cluster.Id, ClusterPhase.Running);
        await h.UpdateClusterAsync(cluster.Id, c => c.DeletionRequestedAt = h.Time.GetUtcNow());

        await h.ReconcileUntilAsync(portal, cluster.Id, ClusterPhase.Deleted);

        Assert.Empty(await ResourceVersionsAsync(h, tenant.Namespace, cluster.Id));
    }

    [Fact]
    public async Task A_deleted_cluster_keeps_its_row_with_the_end_time()
    {
        await using var h = await Harness.StartAsync(postgres);
        var tenant = await h.ATenantWithNamespaceAsync();
        var cluster = await h.AddClusterAsync(ASparkCluster().In(tenant).Build());
        var portal = h.NewPortal();
        await portal.Clusters.ReconcileAsync(cluster.Id, Ct);
        await h.UpdateClusterAsync(cluster.Id, c => c.DeletionRequestedAt = h.Time.GetUtcNow());

        var deleted = await h.ReconcileUntilAsync(portal, cluster.Id, ClusterPhase.Deleted);

        Assert.Equal(h.Time.GetUtcNow(), deleted.Status.EndedAt);
    }

    [Fact]
    public async Task A_cluster_whose_time_to_live_runs_out_is_deleted()
    {
        await using var h = await Harness.StartAsync(postgres);
        var tenant = await h.ATenantWithNamespaceAsync();
        var cluster = await h.AddClusterAsync(ASparkCluster().In(tenant).CreatedAt(h.Time.GetUtcNow()).Build());
        var portal = h.NewPortal();
        await h.ReconcileUntilAsync(portal, cluster.Id, ClusterPhase.Running);

        h.Time.Advance(TimeSpan.FromHours(8));
        var deleted = await h.ReconcileUntilAsync(portal, cluster.Id, ClusterPhase.Deleted);

        Assert.Equal("Expired", (await h.EventsOfAsync(cluster.Id)).Single(e => e.Phase == ClusterPhase.Deleting).Reason);
    }

    [Fact]
    public async Task An_expired_cluster_is_audited_as_cluster_expire_by_the_system()
    {
        await using var h = await Harness.StartAsync(postgres);
        var tenant = await h.ATenantWithNamespaceAsync();
        var cluster = await h.AddClusterAsync(ASparkCluster().In(tenant).CreatedAt(h.Time.GetUtcNow()).Build());
        var portal = h.NewPortal();
        await portal.Clusters.ReconcileAsync(cluster.Id, Ct);

        h.Time.Advance(TimeSpan.FromHours(8));
        await portal.Clusters.ReconcileAsync(cluster.Id, Ct);

        await using var db = h.Dbs.CreateDbContext();
        var audit = db.AuditLog.Single(a => a.Action == "cluster.expire");
        Assert.Equal(("system", $"tenants/{tenant.Slug}/clusters/{cluster.Name}", AuditOutcome.Succeeded), (audit.Actor, audit.Target, audit.Outcome));
    }

    [Fact]
    public async Task A_running_cluster_asks_to_be_woken_for_its_next_spark_status()
    {
        await using var h = await Harness.StartAsync(postgres);
        var tenant = await h.ATenantWithNamespaceAsync();
        var cluster = await h.AddClusterAsync(ASparkCluster().In(tenant).CreatedAt(h.Time.GetUtcNow()).Build());
        var portal = h.NewPortal();
        await h.ReconcileUntilAsync(portal, cluster.Id, ClusterPhase.Running);

        var result = await portal.Clusters.ReconcileAsync(cluster.Id, Ct);

        Assert.Equal(TimeSpan.FromSeconds(h.Options.SparkStatusSeconds), result.RequeueAfter);
    }

    [Fact]
    public async Task A_running_cluster_about_to_expire_asks_to_be_woken_at_its_expiry()
    {
        await using var h = await Harness.StartAsync(postgres);
        var tenant = await h.ATenantWithNamespaceAsync();
        var cluster = await h.AddClusterAsync(ASparkCluster().In(tenant).CreatedAt(h.Time.GetUtcNow()).Build());
        var portal = h.NewPortal();
        await h.ReconcileUntilAsync(portal, cluster.Id, ClusterPhase.Running);
        h.Time.Advance(TimeSpan.FromHours(8) - TimeSpan.FromSeconds(5));

        var result = await portal.Clusters.ReconcileAsync(cluster.Id, Ct);

        Assert.Equal(TimeSpan.FromSeconds(5) + TimeSpan.FromMilliseconds(1), result.RequeueAfter);
    }

    [Fact]
    public async Task Objects_of_a_cluster_with_no_row_are_swept_away()
    {
        await using var h = await Harness.StartAsync(postgres);
        var tenant = await h.ATenantWithNamespaceAsync();
        var ghost = ASparkCluster().Named("ghost").In(tenant).Build();
        var portal = h.NewPortal();
        var root = await portal.Api.ApplyAsync(ClusterManifests.Root(ghost, tenant.Namespace), Ct);
        foreach (var child in ClusterManifests.Children(ghost, tenant.Namespace, ClusterManifests.OwnerReference(root)))
        {
            await portal.Api.ApplyAsync(child, Ct);
        }

        await portal.Resync.RunAsync(Ct);

        // The sweep deletes the root; garbage collection takes the rest, and the simulated controllers may still be
        // creating a pod for a ReplicaSet already gone, as in Kubernetes: gone within seconds, not at once.
        var left = await ResourceVersionsAsync(h, tenant.Namespace, ghost.Id);
        await Eventually.TryAsync(async () => (left = await ResourceVersionsAsync(h, tenant.Namespace, ghost.Id)).Count == 0, every: TimeSpan.FromMilliseconds(100), ct: Ct);
        Assert.Empty(left);
    }

    [Fact]
    public async Task The_sweep_leaves_live_clusters_alone()
    {
        await using var h = await Harness.StartAsync(postgres);
        var tenant = await h.ATenantWithNamespaceAsync();
        var cluster = await h.AddClusterAsync(ASparkCluster().In(tenant).Build());
        var portal = h.NewPortal();
        await portal.Clusters.ReconcileAsync(cluster.Id, Ct);

        var report = await portal.Resync.RunAsync(Ct);

        Assert.Equal(0, report.OrphansDeleted);
    }

    [Fact]
    public async Task A_converged_cluster_needs_no_work_at_resync()
    {
        await using var h = await Harness.StartAsync(postgres);
        var tenant = await h.ATenantWithNamespaceAsync();
        var cluster = await h.AddClusterAsync(ASparkCluster().In(tenant).Build().WithSparkConnect());
        var portal = h.NewPortal();
        await h.ReconcileUntilAsync(portal, cluster.Id, ClusterPhase.Running);

        var report = await portal.Resync.RunAsync(Ct);

        Assert.Empty(report.NeedingWork);
    }

    [Fact]
    public async Task A_cluster_missing_an_object_needs_work_at_resync()
    {
        await using var h = await Harness.StartAsync(postgres);
        var tenant = await h.ATenantWithNamespaceAsync();
        var cluster = await h.AddClusterAsync(ASparkCluster().Named("etl").In(tenant).Build());
        var portal = h.NewPortal();
        await h.ReconcileUntilAsync(portal, cluster.Id, ClusterPhase.Running);
        await h.Client.CoreV1.DeleteNamespacedServiceAsync("etl-master", tenant.Namespace, cancellationToken: Ct);

        var report = await portal.Resync.RunAsync(Ct);

        Assert.Equal([cluster.Id], report.NeedingWork);
    }

    [Fact]
    public async Task A_cluster_scaled_by_hand_needs_work_at_resync()
    {
        await using var h = await Harness.StartAsync(postgres);
        var tenant = await h.ATenantWithNamespaceAsync();
        var cluster = await h.AddClusterAsync(ASparkCluster().Named("etl").In(tenant).WithWorkers(2).Build());
        var portal = h.NewPortal();
        await h.ReconcileUntilAsync(portal, cluster.Id, ClusterPhase.Running);
        await h.Client.AppsV1.PatchNamespacedDeploymentScaleAsync(
            new k8s.Models.V1Patch("{\"spec\":{\"replicas\":5}}", k8s.Models.V1Patch.PatchType.MergePatch), "etl-worker", tenant.Namespace, cancellationToken: Ct);

        var report = await portal.Resync.RunAsync(Ct);

        Assert.Equal([cluster.Id], report.NeedingWork);
    }

    [Fact]
    public async Task Transient_api_errors_are_retried_until_the_cluster_runs()
    {
        var sandbox = new SandboxOptions();
        await using var h = await Harness.StartAsync(postgres, sandbox);
        var tenant = await h.ATenantWithNamespaceAsync();
        var cluster = await h.AddClusterAsync(ASparkCluster().In(tenant).Build());
        sandbox.Faults.ErrorRate = 0.2;
        sandbox.Faults.ErrorStatus = 429;
        sandbox.Faults.RetryAfterSeconds = 0;

        // Through the production loop: a 429 with Retry-After is tried again after the wait the server asks for (as
        // client-go does), and a pass that still fails is backed off and run again, as the provisioning service does.
        var running = await h.RunLoopUntilAsync(h.NewPortal(), cluster.Id, ClusterPhase.Running);

        Assert.Equal(2, running.Status.ReadyWorkers);
    }

    static async Task<Cluster> ReconcileUntilReadyWorkersAsync(Harness h, Portal portal, Guid id, int workers)
    {
        Cluster? cluster = null;
        await Eventually.TryAsync(async () =>
        {
            await portal.Clusters.ReconcileAsync(id, Ct);
            cluster = await h.ReadClusterAsync(id);
            return cluster.Status.ReadyWorkers == workers;
        }, ct: Ct);
        return cluster!;
    }

    /// <summary>Kind/name → resourceVersion of every object labelled with the cluster's id.</summary>
    internal static async Task<SortedDictionary<string, string>> ResourceVersionsAsync(Harness h, string ns, Guid clusterId)
    {
        var selector = Labels.SelectorFor(clusterId);
        var all = new SortedDictionary<string, string>(StringComparer.Ordinal);
        foreach (var o in (await h.Client.CoreV1.ListNamespacedConfigMapAsync(ns, labelSelector: selector, cancellationToken: Ct)).Items)
            all[$"ConfigMap/{o.Metadata.Name}"] = o.Metadata.ResourceVersion;
        foreach (var o in (await h.Client.CoreV1.ListNamespacedServiceAsync(ns, labelSelector: selector, cancellationToken: Ct)).Items)
            all[$"Service/{o.Metadata.Name}"] = o.Metadata.ResourceVersion;
        foreach (var o in (await h.Client.AppsV1.ListNamespacedDeploymentAsync(ns, labelSelector: selector, cancellationToken: Ct)).Items)
            all[$"Deployment/{o.Metadata.Name}"] = o.Metadata.ResourceVersion;
        foreach (var o in (await h.Client.NetworkingV1.ListNamespacedNetworkPolicyAsync(ns, labelSelector: selector, cancellationToken: Ct)).Items)
            all[$"NetworkPolicy/{o.Metadata.Name}"] = o.Metadata.ResourceVersion;
        foreach (var o in (await h.Client.CoreV1.ListNamespacedPodAsync(ns, labelSelector: $"{Labels.ClusterId}={clusterId}", cancellationToken: Ct)).Items)
            all[$"Pod/{o.Metadata.Name}"] = o.Metadata.ResourceVersion;
        return all;
    }
}
