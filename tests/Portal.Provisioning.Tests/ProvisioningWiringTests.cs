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

    // The poll and the resync both come round only after the tests' time limit: nothing but the in-process signals
    // can queue a row written once the start-up work is done.
    static readonly Dictionary<string, string?> SignalsOnly = new()
    {
        ["Kubernetes:PollSeconds"] = "300",
        ["Kubernetes:ResyncSeconds"] = "300",
    };

    [Fact]
    public async Task A_host_with_AddProvisioning_brings_a_cluster_to_running()
    {
        await using var h = await Harness.StartAsync(postgres);
        var tenant = await h.AddTenantAsync(ATenant().Build());
        var cluster = await h.AddClusterAsync(ASparkCluster().In(tenant).Build());

        await using var host = await ProvisioningHost.StartAsync(h, new() { ["Kubernetes:PollSeconds"] = "1" });

        Assert.True(await UntilRunningAsync(h, cluster.Id));
    }

    [Fact]
    public async Task A_cluster_created_through_ClusterService_is_reconciled_without_waiting_for_the_database_poll()
    {
        await using var h = await Harness.StartAsync(postgres);
        var tenant = ATenant().Build();
        tenant.Members.Add(new Membership { TenantId = tenant.Id, Subject = "alice", Role = TenantRole.Member });
        await h.AddTenantAsync(tenant);
        var early = await h.AddClusterAsync(ASparkCluster().In(tenant).Build());
        await using var host = await ProvisioningHost.StartAsync(h, SignalsOnly);
        // Running means the leader's first resync and first poll, which queue every row, are behind us.
        if (!await UntilRunningAsync(h, early.Id))
        {
            throw new TimeoutException("The cluster asked for before the start never ran; the host is not working at all.");
        }

        // As the portal builds it for a request: the caller given, everything else from the host's services.
        var clusters = ActivatorUtilities.CreateInstance<ClusterService>(host.Services, new Caller("alice", IsPlatformAdmin: false));
        var created = await clusters.CreateAsync(tenant.Slug, new CreateClusterRequest { Name = "signalled" }, idempotencyKey: null, Ct);

        Assert.True(await UntilRunningAsync(h, created.Value!.Cluster.Id));
    }

    [Fact]
    public async Task A_quota_changed_through_TenantService_reaches_the_namespace_without_waiting_for_the_database_poll()
    {
        await using var h = await Harness.StartAsync(postgres);
        var tenant = await h.AddTenantAsync(ATenant().Build());
        await using var host = await ProvisioningHost.StartAsync(h, SignalsOnly);
        if (!await Harness.EventuallyAsync(async () => await QuotaCpuAsync(h, tenant.Namespace) == tenant.Quota.Cpu, seconds: 30))
        {
            throw new TimeoutException("The tenant's ResourceQuota never appeared; the host is not working at all.");
        }

        var tenants = ActivatorUtilities.CreateInstance<TenantService>(host.Services, new Caller("root", IsPlatformAdmin: true));
        await tenants.UpdateAsync(tenant.Slug, new UpdateTenantRequest { Quota = tenant.Quota with { Cpu = "7" } }, expectedVersion: null, Ct);

        Assert.True(await Harness.EventuallyAsync(async () => await QuotaCpuAsync(h, tenant.Namespace) == "7", seconds: 30));
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

    static Task<bool> UntilRunningAsync(Harness h, Guid clusterId) =>
        Harness.EventuallyAsync(async () => (await h.ReadClusterAsync(clusterId)).Status.Phase == ClusterPhase.Running, seconds: 30);

    static async Task<string?> QuotaCpuAsync(Harness h, string ns) =>
        (await h.Client.CoreV1.ListNamespacedResourceQuotaAsync(ns, cancellationToken: Ct))
        .Items.SingleOrDefault()?.Spec.Hard["requests.cpu"].ToString();

    /// <summary>
    /// A started host built the way the portal builds it (<c>AddProvisioning</c> from configuration), on the harness's
    /// sandbox (through a kubeconfig file) and database, with fast requeues and Lease plus <c>settings</c>.
    /// </summary>
    sealed class ProvisioningHost(IHost host, string kubeconfig) : IAsyncDisposable
    {
        public IServiceProvider Services => host.Services;

        public static async Task<ProvisioningHost> StartAsync(Harness h, Dictionary<string, string?> settings)
        {
            var kubeconfig = Path.Combine(Path.GetTempPath(), $"portal-kubeconfig-{Guid.NewGuid():N}");
            await h.Sandbox.WriteKubeconfigAsync(kubeconfig, Ct);
            var builder = Host.CreateApplicationBuilder();
            builder.Configuration.AddInMemoryCollection(new Dictionary<string, string?>
            {
                ["Kubernetes:Kubeconfig"] = kubeconfig,
                ["Kubernetes:WaitingRequeueSeconds"] = "1",
                ["Kubernetes:LeaseDurationSeconds"] = "2",
            });
            builder.Configuration.AddInMemoryCollection(settings);
            // The data layer's registration lives in Web; the test registers the one service provisioning needs from it.
            builder.Services.AddSingleton(h.Dbs);
            builder.AddProvisioning();
            var started = new ProvisioningHost(builder.Build(), kubeconfig);
            await started.StartAsync();
            return started;
        }

        Task StartAsync() => host.StartAsync(Ct);

        public async ValueTask DisposeAsync()
        {
            await host.StopAsync(CancellationToken.None);
            host.Dispose();
            File.Delete(kubeconfig);
        }
    }
}
