using k8s;
using k8s.Models;
using Portal.Core.Clusters;
using Portal.Core.Tenants;
using Portal.Provisioning.Manifests;
using Portal.Testing;
using static Portal.Testing.Builders;

namespace Portal.Provisioning.Tests.Reconciler;

public sealed class TenantReconcilerTests(PostgresServer postgres)
{
    static CancellationToken Ct => TestContext.Current.CancellationToken;

    [Fact]
    public async Task A_tenant_gets_a_namespace_holding_pod_security_restricted()
    {
        await using var h = await Harness.StartAsync(postgres);
        var tenant = await h.AddTenantAsync(ATenant().Build());

        await h.NewPortal().Tenants.ReconcileAsync(tenant.Id, Ct);

        var ns = await h.Client.CoreV1.ReadNamespaceAsync(tenant.Namespace, cancellationToken: Ct);
        Assert.Equal("restricted", ns.Metadata.Labels["pod-security.kubernetes.io/enforce"]);
    }

    [Fact]
    public async Task A_tenant_namespace_is_fenced_by_quota_limits_policies_and_a_service_account()
    {
        await using var h = await Harness.StartAsync(postgres);
        var tenant = await h.AddTenantAsync(ATenant().Build());

        await h.NewPortal().Tenants.ReconcileAsync(tenant.Id, Ct);

        var ns = tenant.Namespace;
        var found = new[]
        {
            (await h.Client.CoreV1.ListNamespacedResourceQuotaAsync(ns, cancellationToken: Ct)).Items.Count,
            (await h.Client.CoreV1.ListNamespacedLimitRangeAsync(ns, cancellationToken: Ct)).Items.Count,
            (await h.Client.NetworkingV1.ListNamespacedNetworkPolicyAsync(ns, cancellationToken: Ct)).Items.Count,
            (await h.Client.CoreV1.ListNamespacedServiceAccountAsync(ns, labelSelector: Labels.ManagedSelector, cancellationToken: Ct)).Items.Count,
        };
        Assert.Equal([1, 1, 3, 1], found);
    }

    [Fact]
    public async Task Changing_the_tenants_quota_changes_its_resource_quota()
    {
        await using var h = await Harness.StartAsync(postgres);
        var tenant = await h.AddTenantAsync(ATenant().Build());
        var portal = h.NewPortal();
        await portal.Tenants.ReconcileAsync(tenant.Id, Ct);
        await using (var db = h.Dbs.CreateDbContext())
        {
            var row = db.Tenants.Single(t => t.Id == tenant.Id);
            row.Quota = row.Quota with { Cpu = "7" };
            await db.SaveChangesAsync(Ct);
        }

        await portal.Tenants.ReconcileAsync(tenant.Id, Ct);

        var quota = await h.Client.CoreV1.ReadNamespacedResourceQuotaAsync("spark-portal-quota", tenant.Namespace, cancellationToken: Ct);
        Assert.Equal("7", quota.Spec.Hard["limits.cpu"].ToString());
    }

    [Fact]
    public async Task Clearing_the_directory_group_removes_its_role_binding()
    {
        await using var h = await Harness.StartAsync(postgres);
        var tenant = await h.AddTenantAsync(ATenant().Build().WithDirectoryGroup("team-a-devs"));
        var portal = h.NewPortal();
        await portal.Tenants.ReconcileAsync(tenant.Id, Ct);
        await using (var db = h.Dbs.CreateDbContext())
        {
            db.Tenants.Single(t => t.Id == tenant.Id).DirectoryGroup = null;
            await db.SaveChangesAsync(Ct);
        }

        await portal.Tenants.ReconcileAsync(tenant.Id, Ct);

        Assert.Empty((await h.Client.RbacAuthorizationV1.ListNamespacedRoleBindingAsync(tenant.Namespace, cancellationToken: Ct)).Items);
    }

    [Fact]
    public async Task Deleting_a_tenant_keeps_its_namespace_while_clusters_remain()
    {
        await using var h = await Harness.StartAsync(postgres);
        var tenant = await h.ATenantWithNamespaceAsync();
        var cluster = await h.AddClusterAsync(ASparkCluster().In(tenant).Build());
        var portal = h.NewPortal();
        await portal.Clusters.ReconcileAsync(cluster.Id, Ct);
        await RequestDeletionAsync(h, tenant);

        await portal.Tenants.ReconcileAsync(tenant.Id, Ct);

        Assert.Equal((true, "Active"), ((await h.ReadClusterAsync(cluster.Id)).IsDeleting, (await h.Client.CoreV1.ReadNamespaceAsync(tenant.Namespace, cancellationToken: Ct)).Status.Phase));
    }

    [Fact]
    public async Task Deleting_a_tenant_deletes_its_clusters_then_its_namespace()
    {
        await using var h = await Harness.StartAsync(postgres);
        var tenant = await h.ATenantWithNamespaceAsync();
        var cluster = await h.AddClusterAsync(ASparkCluster().In(tenant).Build());
        var portal = h.NewPortal();
        await portal.Clusters.ReconcileAsync(cluster.Id, Ct);
        await RequestDeletionAsync(h, tenant);

        await portal.Tenants.ReconcileAsync(tenant.Id, Ct);
        await h.ReconcileUntilAsync(portal, cluster.Id, ClusterPhase.Deleted);
        await ReconcileTenantUntilDoneAsync(portal, tenant.Id);

        var namespaces = await h.Client.CoreV1.ListNamespaceAsync(cancellationToken: Ct);
        Assert.DoesNotContain(tenant.Namespace, namespaces.Items.Select(n => n.Metadata.Name));
    }

    [Fact]
    public async Task A_fenced_tenant_needs_no_work_at_resync()
    {
        await using var h = await Harness.StartAsync(postgres);
        var tenant = await h.AddTenantAsync(ATenant().Build().WithDirectoryGroup("team-a-devs"));
        var portal = h.NewPortal();
        await portal.Tenants.ReconcileAsync(tenant.Id, Ct);

        Assert.Empty(await portal.TenantResync.NeedingWorkAsync(Ct));
    }

    [Fact]
    public async Task A_tenant_missing_a_fence_needs_work_at_resync()
    {
        await using var h = await Harness.StartAsync(postgres);
        var tenant = await h.AddTenantAsync(ATenant().Build());
        var portal = h.NewPortal();
        await portal.Tenants.ReconcileAsync(tenant.Id, Ct);
        await h.Client.CoreV1.DeleteNamespacedLimitRangeAsync("spark-portal-limits", tenant.Namespace, cancellationToken: Ct);

        Assert.Equal([tenant.Id], await portal.TenantResync.NeedingWorkAsync(Ct));
    }

    [Fact]
    public async Task A_deleted_tenant_whose_namespace_is_gone_needs_no_more_work_at_resync()
    {
        await using var h = await Harness.StartAsync(postgres);
        var tenant = await h.ATenantWithNamespaceAsync();
        var portal = h.NewPortal();
        await RequestDeletionAsync(h, tenant);
        await ReconcileTenantUntilDoneAsync(portal, tenant.Id);

        Assert.Empty(await portal.TenantResync.NeedingWorkAsync(Ct));
    }

    static async Task RequestDeletionAsync(Harness h, Tenant tenant)
    {
        await using var db = h.Dbs.CreateDbContext();
        db.Tenants.Single(t => t.Id == tenant.Id).DeletionRequestedAt = h.Time.GetUtcNow();
        await db.SaveChangesAsync(Ct);
    }

    static async Task ReconcileTenantUntilDoneAsync(Portal portal, Guid tenantId)
    {
        await Eventually.TryAsync(async () => (await portal.Tenants.ReconcileAsync(tenantId, Ct)).RequeueAfter is null, ct: Ct);
    }
}
