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

            // Registered before provisioning, so it stops after it: hosted services stop in reverse order.
            builder.Services.AddHostedService(sp => new SandboxHost(sandbox, kubeconfig, sp.GetRequiredService<ILogger<SandboxHost>>()));
        }

        builder.AddProvisioning();
        builder.Services.AddHealthChecks().AddKubernetesHealthCheck(tags: "ready");
    }
}

/// <summary>
/// Owns the embedded sandbox for the portal's lifetime: says that Kubernetes is simulated and where kubectl can look
/// inside, and stops it (saving its state) when the portal stops.
/// </summary>
internal sealed partial class SandboxHost(KubeSandbox sandbox, string kubeconfig, ILogger<SandboxHost> logger) : IHostedService, IAsyncDisposable
{
    public Task StartAsync(CancellationToken cancellationToken)
    {
        SandboxStarted(logger, sandbox.BaseAddress, kubeconfig);
        return Task.CompletedTask;
    }

    public async Task StopAsync(CancellationToken cancellationToken) => await sandbox.DisposeAsync();

    // Also when the host is disposed without having been started or stopped (a failed start-up).
    public ValueTask DisposeAsync() => sandbox.DisposeAsync();

    [LoggerMessage(LogLevel.Warning,
        "Started the embedded Kubernetes sandbox at {Server}: no kubeconfig or in-cluster configuration was found, so clusters are simulated and no container runs. Inspect it with: kubectl --kubeconfig {Kubeconfig} get all -A")]
    static partial void SandboxStarted(ILogger logger, Uri server, string kubeconfig);
}
