using Portal.Core;
using Portal.Provisioning;
using Portal.Provisioning.Kubernetes;
using Portal.Sandbox;

namespace Portal.Web.Features.Kubernetes;

/// <summary>Connects the portal to Kubernetes: a configured cluster, or else the embedded sandbox.</summary>
internal static class KubernetesSetup
{
    /// <summary>File name of the sandbox's kubeconfig and saved state in the data directory.</summary>
    public const string SandboxKubeconfigFile = "sandbox.kubeconfig";
    public const string SandboxStateFile = "sandbox-state.json";

    /// <summary>
    /// Starts the embedded sandbox when no kubeconfig or in-cluster configuration is present, then registers the
    /// provisioning service. The sandbox starts before the host is built so that provisioning connects to it through
    /// a kubeconfig exactly as it would to a real API server; the container owns it and stops it (saving its state) last.
    /// </summary>
    public static async Task AddPortalKubernetesAsync(this WebApplicationBuilder builder, CancellationToken ct = default)
    {
        var configuration = builder.Configuration;
        var kubernetes = configuration.GetSection(KubernetesOptions.Section).Get<KubernetesOptions>() ?? new();
        if (KubernetesConnection.DetectMode(kubernetes) == KubernetesMode.Sandbox)
        {
            var dataDirectory = Path.GetFullPath(configuration[$"{PortalOptions.Section}:{nameof(PortalOptions.DataDirectory)}"]
                ?? PortalOptions.DefaultDataDirectory);
            Directory.CreateDirectory(dataDirectory);

            var options = configuration.GetSection(SandboxOptions.Section).Get<SandboxOptions>() ?? new();
            // The SQLite file survives restarts, so the sandbox's objects do too: otherwise a restart would find every
            // Running cluster's pods gone and rebuild them.
            options.StatePath ??= Path.Combine(dataDirectory, SandboxStateFile);
            options.Validate();

            var sandbox = await KubeSandbox.StartAsync(options, ct);
            var kubeconfig = kubernetes.SandboxKubeconfig ?? Path.Combine(dataDirectory, SandboxKubeconfigFile);
            await sandbox.WriteKubeconfigAsync(kubeconfig, ct);
            configuration[$"{KubernetesOptions.Section}:{nameof(KubernetesOptions.SandboxKubeconfig)}"] = kubeconfig;

            // A factory registration, so the container disposes the sandbox at shutdown.
            builder.Services.AddSingleton(_ => sandbox);
            builder.Services.AddHostedService(sp => new SandboxAnnouncement(
                sp.GetRequiredService<ILogger<SandboxAnnouncement>>(), sandbox.BaseAddress, kubeconfig));
        }

        builder.AddProvisioning();
        builder.Services.AddHealthChecks().AddKubernetesHealthCheck(tags: "ready");
    }
}

/// <summary>Tells whoever started the portal that Kubernetes is simulated, and where kubectl can look inside.</summary>
internal sealed partial class SandboxAnnouncement(ILogger<SandboxAnnouncement> logger, Uri server, string kubeconfig) : IHostedService
{
    public Task StartAsync(CancellationToken cancellationToken)
    {
        SandboxStarted(logger, server, kubeconfig);
        return Task.CompletedTask;
    }

    public Task StopAsync(CancellationToken cancellationToken) => Task.CompletedTask;

    [LoggerMessage(LogLevel.Warning,
        "Started the embedded Kubernetes sandbox at {Server}: no kubeconfig or in-cluster configuration was found, so clusters are simulated and no container runs. Inspect it with: kubectl --kubeconfig {Kubeconfig} get all -A")]
    static partial void SandboxStarted(ILogger logger, Uri server, string kubeconfig);
}
