using k8s;
using k8s.Models;
using Microsoft.Extensions.Diagnostics.HealthChecks;
using Microsoft.Extensions.Logging.Testing;
using Portal.Core.Clusters;
using Portal.Core.Tenants;
using Portal.Provisioning.Kubernetes;
using Portal.Provisioning.Reconciler;
using Portal.Testing;
using static Portal.Testing.Builders;

namespace Portal.Provisioning.Tests.Reconciler;

/// <summary>
/// The running service: watches, not the five-minute resync, bring things back. The harness's resync is the
/// default 300 s, far beyond these tests' 20 s limit, so only a watch can make them pass.
/// </summary>
public sealed class ProvisioningServiceTests(PostgresServer postgres)
{
    static CancellationToken Ct => TestContext.Current.CancellationToken;

    [Fact]
    public async Task A_worker_deployment_deleted_by_hand_is_restored_through_the_watch()
    {
        await using var h = await Harness.StartAsync(postgres);
        var tenant = await h.AddTenantAsync(ATenant().Build());
        var cluster = await h.AddClusterAsync(ASparkCluster().Named("etl").In(tenant).Build());
        var service = await StartedAsync(h);
        var last = "";
        await UntilAsync(async () =>
        {
            var status = (await h.ReadClusterAsync(cluster.Id)).Status;
            last = $"{status.Phase} {status.Reason}: {status.Message}";
            return status.Phase == ClusterPhase.Running;
        }, () => last);
        var before = await h.FindDeploymentAsync(tenant.Namespace, "etl-worker");

        await h.Client.AppsV1.DeleteNamespacedDeploymentAsync("etl-worker", tenant.Namespace, cancellationToken: Ct);

        var restored = await EventuallyAsync(async () => await h.FindDeploymentAsync(tenant.Namespace, "etl-worker") is { } d && d.Metadata.Uid != before!.Metadata.Uid);
        await service.StopAsync(Ct);
        Assert.True(restored);
    }

    [Fact]
    public async Task A_default_deny_policy_deleted_by_hand_is_restored_through_the_watch()
    {
        await using var h = await Harness.StartAsync(postgres);
        var tenant = await h.AddTenantAsync(ATenant().Build());
        var service = await StartedAsync(h);
        await UntilAsync(async () => await PolicyUidAsync(h, tenant.Namespace) is not null);
        var before = await PolicyUidAsync(h, tenant.Namespace);

        await h.Client.NetworkingV1.DeleteNamespacedNetworkPolicyAsync("default-deny", tenant.Namespace, cancellationToken: Ct);

        var restored = await EventuallyAsync(async () => await PolicyUidAsync(h, tenant.Namespace) is { } uid && uid != before);
        await service.StopAsync(Ct);
        Assert.True(restored);
    }

    [Fact]
    public async Task A_resource_quota_spec_edited_by_hand_is_restored_through_the_watch()
    {
        await using var h = await Harness.StartAsync(postgres);
        var tenant = await h.AddTenantAsync(ATenant().Build());
        var service = await StartedAsync(h);
        await UntilAsync(async () => await QuotaPodsAsync(h, tenant.Namespace) == "100");

        await EditQuotaAsync(h, tenant.Namespace, """{"spec":{"hard":{"pods":"1"}}}""");

        var restored = await EventuallyAsync(async () => await QuotaPodsAsync(h, tenant.Namespace) == "100");
        await service.StopAsync(Ct);
        Assert.True(restored);
    }

    [Fact]
    public async Task The_service_keeps_running_while_the_api_server_is_unreachable()
    {
        await using var h = await Harness.StartAsync(postgres);
        var log = new FakeLogger<ProvisioningService>();
        var service = h.NewReplica(logger: log);
        await h.Sandbox.DisposeAsync();

        await service.StartAsync(Ct);
        // Past the namespace check's retries and into more than one failed election attempt.
        await UntilAsync(() => Task.FromResult(log.Collector.GetSnapshot().Count(r => r.Id.Name == "LeaseError") >= 2),
            () => $"{log.Collector.Count} log entries, the last: {log.LatestRecord.Message}");

        Assert.Null(service.ExecuteTask!.Exception);
        Assert.False(service.ExecuteTask!.IsCompleted);
        await service.StopAsync(Ct);
    }

    [Fact]
    public async Task The_health_check_reports_the_connection_mode()
    {
        await using var h = await Harness.StartAsync(postgres);
        var check = new KubernetesHealthCheck(h.Connect(), h.NewReplica());

        var result = await check.CheckHealthAsync(new HealthCheckContext(), Ct);

        Assert.Equal((HealthStatus.Healthy, "Sandbox"), (result.Status, result.Data["mode"]));
    }

    [Fact]
    public async Task An_unreachable_api_server_reports_the_registered_failure_status()
    {
        await using var h = await Harness.StartAsync(postgres);
        var check = new KubernetesHealthCheck(h.Connect(), h.NewReplica());
        await h.Sandbox.DisposeAsync();
        var context = new HealthCheckContext { Registration = new HealthCheckRegistration("kubernetes", check, HealthStatus.Degraded, []) };

        var result = await check.CheckHealthAsync(context, Ct);

        Assert.Equal(HealthStatus.Degraded, result.Status);
    }

    static async Task<ProvisioningService> StartedAsync(Harness h)
    {
        var service = h.NewReplica();
        await service.StartAsync(Ct);
        return service;
    }

    const string QuotaName = "spark-portal-quota";

    static async Task<string?> QuotaPodsAsync(Harness h, string ns) =>
        (await h.Client.CoreV1.ListNamespacedResourceQuotaAsync(ns, fieldSelector: $"metadata.name={QuotaName}", cancellationToken: Ct))
        .Items.SingleOrDefault()?.Spec.Hard["pods"].ToString();

    static Task EditQuotaAsync(Harness h, string ns, string mergePatch) =>
        h.Client.CoreV1.PatchNamespacedResourceQuotaAsync(new V1Patch(mergePatch, V1Patch.PatchType.MergePatch), QuotaName, ns, cancellationToken: Ct);

    static async Task<string?> PolicyUidAsync(Harness h, string ns) =>
        (await h.Client.NetworkingV1.ListNamespacedNetworkPolicyAsync(ns, fieldSelector: "metadata.name=default-deny", cancellationToken: Ct))
        .Items.SingleOrDefault(p => p.Metadata.Name == "default-deny")?.Metadata.Uid;

    static async Task UntilAsync(Func<Task<bool>> condition, Func<string>? state = null)
    {
        if (!await EventuallyAsync(condition))
        {
            throw new TimeoutException($"The service did not get there within 60 s{(state is null ? "" : $"; last seen: {state()}")}.");
        }
    }

    // Generous: on a loaded machine a watch event and the pass it triggers can take many seconds.
    static Task<bool> EventuallyAsync(Func<Task<bool>> condition) => Harness.EventuallyAsync(condition, seconds: 60);
}
