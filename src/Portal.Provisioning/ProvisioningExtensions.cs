using Microsoft.AspNetCore.DataProtection;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.DependencyInjection.Extensions;
using Microsoft.Extensions.Diagnostics.HealthChecks;
using Microsoft.Extensions.Hosting;
using Portal.Provisioning.Reconciler;
using Portal.Provisioning.Spark;

namespace Portal.Provisioning;

/// <summary>Start-up wiring of the provisioning service.</summary>
public static class ProvisioningExtensions
{
    /// <summary>
    /// Registers <see cref="KubernetesOptions"/> (section <c>Kubernetes</c>, validated at start), the Kubernetes
    /// connection, <see cref="ProvisioningQueues"/>, the reconcilers, the
    /// <see cref="ProvisioningService"/> hosted service, <see cref="ProvisioningMetrics"/> (created when a metrics reader asks for it), and <see cref="ClusterWrites"/> and <see cref="TenantWrites"/>,
    /// the process-wide signals through which <see cref="ClusterService"/> and <see cref="TenantService"/> (registered
    /// by the host) have their writes reconciled at once.
    /// Needs <c>IDbContextFactory&lt;PortalDb&gt;</c> from the data layer's registration; adds <see cref="ClusterVersions"/>
    /// unless the data layer has.
    /// </summary>
    public static TBuilder AddProvisioning<TBuilder>(this TBuilder builder)
        where TBuilder : IHostApplicationBuilder
    {
        ArgumentNullException.ThrowIfNull(builder);
        var services = builder.Services;
        services.AddOptions<KubernetesOptions>()
            .BindConfiguration(KubernetesOptions.Section)
            .ValidateDataAnnotations()
            .ValidateOnStart();
        services.TryAddSingleton(TimeProvider.System);
        services.TryAddSingleton(sp => KubernetesConnection.Create(sp.GetRequiredService<IOptions<KubernetesOptions>>().Value));
        services.TryAddSingleton<KubernetesApi>();
        services.TryAddSingleton<ProvisioningQueues>();
        // The same singleton the data layer registers, so the poll shares the UI loop's reads in the portal.
        services.TryAddSingleton<ClusterVersions>();
        services.TryAddSingleton<ClusterWrites>();
        services.TryAddSingleton<TenantWrites>();
        services.TryAddSingleton<SparkEndpoint>();
        services.TryAddSingleton<SparkObserver>();
        // Object-store keys reach their Secrets unprotected with the host's key ring (the portal database's).
        services.AddDataProtection();
        services.TryAddSingleton<ObjectStoreSecrets>();
        services.TryAddSingleton<ClusterReconciler>();
        services.TryAddSingleton<TenantReconciler>();
        services.TryAddSingleton<ClusterResync>();
        services.TryAddSingleton<TenantResync>();
        services.TryAddSingleton<ProvisioningService>();
        services.TryAddSingleton<ProvisioningMetrics>();
        services.AddHostedService(sp => sp.GetRequiredService<ProvisioningService>());
        return builder;
    }

    /// <summary>
    /// Adds the check "kubernetes": the API server answers. Its description names the connection mode
    /// (ExplicitKubeconfig, Kubeconfig, InCluster, Sandbox); its data adds whether this replica leads provisioning.
    /// An unreachable API server reports <paramref name="failureStatus"/>, Degraded by default: the portal still
    /// serves and records requests, and provisioning catches up when the API server is back.
    /// </summary>
    public static IHealthChecksBuilder AddKubernetesHealthCheck(this IHealthChecksBuilder builder,
        HealthStatus failureStatus = HealthStatus.Degraded, params string[] tags)
    {
        ArgumentNullException.ThrowIfNull(builder);
        return builder.AddCheck<KubernetesHealthCheck>("kubernetes", failureStatus, tags);
    }
}
