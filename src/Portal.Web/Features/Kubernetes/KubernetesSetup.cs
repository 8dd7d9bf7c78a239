using k8s;
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
    /// Registers the provisioning service and its Kubernetes connection. When no kubeconfig or in-cluster
    /// configuration is present, the connection is to the embedded sandbox, started on first use and reached through
    /// a kubeconfig exactly as a real API server would be.
    /// </summary>
    public static WebApplicationBuilder AddPortalKubernetes(this WebApplicationBuilder builder)
    {
        var configuration = builder.Configuration;
        var kubernetes = configuration.GetSection(KubernetesOptions.Section).Get<KubernetesOptions>() ?? new();
        if (KubernetesConnection.DetectMode(kubernetes) == KubernetesMode.Sandbox)
        {
            var dataDirectory = Path.GetFullPath(configuration[$"{PortalOptions.Section}:{nameof(PortalOptions.DataDirectory)}"]
                ?? PortalOptions.DefaultDataDirectory);
            var options = configuration.GetSection(SandboxOptions.Section).Get<SandboxOptions>() ?? new();
            // The SQLite file survives restarts, so the sandbox's objects do too: otherwise a restart would find every
            // Running cluster's pods gone and rebuild them.
            options.StatePath ??= Path.Combine(dataDirectory, SandboxStateFile);
            options.Validate();
            var kubeconfig = kubernetes.SandboxKubeconfig ?? Path.Combine(dataDirectory, SandboxKubeconfigFile);

            builder.Services.AddSingleton(sp => new SandboxHost(options, kubeconfig, sp.GetRequiredService<ILogger<SandboxHost>>()));
            // Registered before provisioning, so it stops after it: hosted services stop in reverse order.
            builder.Services.AddHostedService(sp => sp.GetRequiredService<SandboxHost>());
            // Registered before AddProvisioning, whose TryAdd then leaves it in place.
            builder.Services.AddSingleton(sp => sp.GetRequiredService<SandboxHost>().Connect());
        }

        builder.AddProvisioning();
        builder.Services.AddHealthChecks().AddKubernetesHealthCheck(tags: "ready");
        return builder;
    }
}

/// <summary>
/// Owns the embedded sandbox for the portal's lifetime. It starts when provisioning first asks for its connection,
/// that is after the portal's host is built: a web host started while Program builds the portal's would be taken for
/// the portal by WebApplicationFactory, and the migrate and token commands never need one. It says that Kubernetes is
/// simulated and where kubectl can look inside, and stops the sandbox (saving its state) when the portal stops.
/// </summary>
internal sealed partial class SandboxHost(SandboxOptions options, string kubeconfig, ILogger<SandboxHost> logger)
    : IHostedService, IAsyncDisposable
{
    private readonly Lock _gate = new();
    private KubeSandbox? _sandbox;

    /// <summary>Starts the sandbox if it isn't running, writes its kubeconfig, and connects to it through that file.</summary>
    public KubernetesConnection Connect()
    {
        lock (_gate)
        {
            if (_sandbox is null)
            {
                // Synchronous because DI factories are; it runs once, on loopback, before provisioning starts.
                var sandbox = KubeSandbox.StartAsync(options).GetAwaiter().GetResult();
                sandbox.WriteKubeconfigAsync(kubeconfig).GetAwaiter().GetResult();
                _sandbox = sandbox;
                SandboxStarted(logger, sandbox.BaseAddress, kubeconfig);
            }
        }

        return KubernetesConnection.FromConfig(KubernetesMode.Sandbox, KubernetesClientConfiguration.BuildConfigFromConfigFile(kubeconfig));
    }

    public Task StartAsync(CancellationToken cancellationToken) => Task.CompletedTask;

    public async Task StopAsync(CancellationToken cancellationToken) => await DisposeAsync();

    // Also when the host is disposed without having been stopped (a failed start-up).
    public ValueTask DisposeAsync() => _sandbox?.DisposeAsync() ?? ValueTask.CompletedTask;

    [LoggerMessage(LogLevel.Warning,
        "Started the embedded Kubernetes sandbox at {Server}: no kubeconfig or in-cluster configuration was found, so clusters are simulated and no container runs. Inspect it with: kubectl --kubeconfig {Kubeconfig} get all -A")]
    static partial void SandboxStarted(ILogger logger, Uri server, string kubeconfig);
}
