using k8s;
using Microsoft.Extensions.Configuration;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Portal.Core.Clusters;
using Portal.Core.Data;
using Portal.Core.Tenants;
using Portal.Provisioning.Kubernetes;
using Portal.Provisioning.Tests.Reconciler;
using Portal.Testing;
using static Portal.Testing.Builders;

namespace Portal.Provisioning.Tests;

/// <summary>AddProvisioning as the host calls it: configuration in, a working controller out.</summary>
public sealed class ProvisioningWiringTests(PostgresServer postgres)
{
    static CancellationToken Ct => TestContext.Current.CancellationToken;

    [Fact]
    public async Task A_host_with_AddProvisioning_brings_a_cluster_to_running()
    {
        await using var h = await Harness.StartAsync(postgres);
        var kubeconfig = Path.Combine(Path.GetTempPath(), $"portal-kubeconfig-{Guid.NewGuid():N}");
        await h.Sandbox.WriteKubeconfigAsync(kubeconfig, Ct);
        var builder = Host.CreateApplicationBuilder();
        builder.Configuration.AddInMemoryCollection(new Dictionary<string, string?>
        {
            ["Kubernetes:Kubeconfig"] = kubeconfig,
            ["Kubernetes:WaitingRequeueSeconds"] = "1",
            ["Kubernetes:PollSeconds"] = "1",
            ["Kubernetes:LeaseDurationSeconds"] = "2",
        });
        // The data layer's registration lives in Web; the test registers the one service provisioning needs from it.
        builder.Services.AddSingleton(h.Dbs);
        builder.AddProvisioning();
        using var host = builder.Build();
        var tenant = await h.AddTenantAsync(ATenant().Build());
        var cluster = await h.AddClusterAsync(ASparkCluster().In(tenant).Build());

        await host.StartAsync(Ct);
        var deadline = DateTime.UtcNow + TimeSpan.FromSeconds(30);
        while ((await h.ReadClusterAsync(cluster.Id)).Status.Phase != ClusterPhase.Running && DateTime.UtcNow < deadline)
        {
            await Task.Delay(100, Ct);
        }

        await host.StopAsync(Ct);
        File.Delete(kubeconfig);
        Assert.Equal(ClusterPhase.Running, (await h.ReadClusterAsync(cluster.Id)).Status.Phase);
    }

    [Fact]
    public async Task A_cluster_created_through_ClusterService_is_reconciled_without_waiting_for_the_database_poll()
    {
        await using var h = await Harness.StartAsync(postgres);
        var kubeconfig = Path.Combine(Path.GetTempPath(), $"portal-kubeconfig-{Guid.NewGuid():N}");
        await h.Sandbox.WriteKubeconfigAsync(kubeconfig, Ct);
        var builder = Host.CreateApplicationBuilder();
        builder.Configuration.AddInMemoryCollection(new Dictionary<string, string?>
        {
            ["Kubernetes:Kubeconfig"] = kubeconfig,
            ["Kubernetes:WaitingRequeueSeconds"] = "1",
            ["Kubernetes:LeaseDurationSeconds"] = "2",
            // The poll and the resync both come round only after the test's time limit: nothing but the signal
            // can queue a cluster created once the start-up work is done.
            ["Kubernetes:PollSeconds"] = "300",
            ["Kubernetes:ResyncSeconds"] = "300",
        });
        builder.Services.AddSingleton(h.Dbs);
        builder.AddProvisioning();
        using var host = builder.Build();
        var tenant = ATenant().Build();
        tenant.Members.Add(new Membership { TenantId = tenant.Id, Subject = "alice", Role = TenantRole.Member });
        await h.AddTenantAsync(tenant);
        var early = await h.AddClusterAsync(ASparkCluster().In(tenant).Build());
        await host.StartAsync(Ct);
        // Running means the leader's first resync and first poll, which queue every row, are behind us.
        if (!await UntilRunningAsync(h, early.Id))
        {
            throw new TimeoutException("The cluster asked for before the start never ran; the host is not working at all.");
        }

        // As the portal builds it for a request: the caller given, everything else from the host's services.
        var clusters = ActivatorUtilities.CreateInstance<ClusterService>(host.Services, new Caller("alice", IsPlatformAdmin: false));

        var created = await clusters.CreateAsync(tenant.Slug, new CreateClusterRequest { Name = "signalled" }, idempotencyKey: null, Ct);
        var running = await UntilRunningAsync(h, created.Value!.Cluster.Id);

        await host.StopAsync(Ct);
        File.Delete(kubeconfig);
        Assert.True(running);
    }

    [Fact]
    public async Task A_quota_changed_through_TenantService_reaches_the_namespace_without_waiting_for_the_database_poll()
    {
        await using var h = await Harness.StartAsync(postgres);
        var kubeconfig = Path.Combine(Path.GetTempPath(), $"portal-kubeconfig-{Guid.NewGuid():N}");
        await h.Sandbox.WriteKubeconfigAsync(kubeconfig, Ct);
        var builder = Host.CreateApplicationBuilder();
        builder.Configuration.AddInMemoryCollection(new Dictionary<string, string?>
        {
            ["Kubernetes:Kubeconfig"] = kubeconfig,
            ["Kubernetes:WaitingRequeueSeconds"] = "1",
            ["Kubernetes:LeaseDurationSeconds"] = "2",
            // As above: only the signal can queue the tenant once the start-up work is done.
            ["Kubernetes:PollSeconds"] = "300",
            ["Kubernetes:ResyncSeconds"] = "300",
        });
        builder.Services.AddSingleton(h.Dbs);
        builder.AddProvisioning();
        using var host = builder.Build();
        var tenant = await h.AddTenantAsync(ATenant().Build());
        await host.StartAsync(Ct);
        if (!await UntilAsync(async () => await QuotaCpuAsync(h, tenant.Namespace) == tenant.Quota.Cpu))
        {
            throw new TimeoutException("The tenant's ResourceQuota never appeared; the host is not working at all.");
        }

        // As the portal builds it for a request: the caller given, everything else from the host's services.
        var tenants = ActivatorUtilities.CreateInstance<TenantService>(host.Services, new Caller("root", IsPlatformAdmin: true));
        await tenants.UpdateAsync(tenant.Slug, new UpdateTenantRequest { Quota = tenant.Quota with { Cpu = "7" } }, expectedVersion: null, Ct);
        var applied = await UntilAsync(async () => await QuotaCpuAsync(h, tenant.Namespace) == "7");

        await host.StopAsync(Ct);
        File.Delete(kubeconfig);
        Assert.True(applied);
    }

    static async Task<string?> QuotaCpuAsync(Harness h, string ns) =>
        (await h.Client.CoreV1.ListNamespacedResourceQuotaAsync(ns, cancellationToken: Ct))
        .Items.SingleOrDefault()?.Spec.Hard["requests.cpu"].ToString();

    static async Task<bool> UntilAsync(Func<Task<bool>> condition)
    {
        var deadline = DateTime.UtcNow + TimeSpan.FromSeconds(30);
        while (!await condition())
        {
            if (DateTime.UtcNow > deadline)
            {
                return false;
            }

            await Task.Delay(100, Ct);
        }

        return true;
    }

    [Fact]
    public void An_invalid_kubernetes_section_stops_the_host_at_start()
    {
        var builder = Host.CreateApplicationBuilder();
        builder.Configuration.AddInMemoryCollection(new Dictionary<string, string?> { ["Kubernetes:EgressAllowCidrs:0"] = "not-a-cidr" });
        builder.Services.AddSingleton<IDbContextFactory<PortalDb>>(_ => throw new InvalidOperationException("not needed"));
        builder.AddProvisioning();
        using var host = builder.Build();

        Assert.ThrowsAny<Microsoft.Extensions.Options.OptionsValidationException>(() => host.Services.GetRequiredService<Microsoft.Extensions.Options.IOptions<KubernetesOptions>>().Value);
    }

    static async Task<bool> UntilRunningAsync(Harness h, Guid clusterId)
    {
        var deadline = DateTime.UtcNow + TimeSpan.FromSeconds(30);
        while ((await h.ReadClusterAsync(clusterId)).Status.Phase != ClusterPhase.Running)
        {
            if (DateTime.UtcNow > deadline)
            {
                return false;
            }

            await Task.Delay(100, Ct);
        }

        return true;
    }
}
