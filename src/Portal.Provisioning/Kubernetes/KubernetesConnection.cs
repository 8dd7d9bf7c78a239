namespace Portal.Provisioning.Kubernetes;

/// <summary>Where the portal's Kubernetes client points.</summary>
public enum KubernetesMode
{
    /// <summary>The file named by <c>Kubernetes:Kubeconfig</c>.</summary>
    ExplicitKubeconfig,

    /// <summary>KUBECONFIG or ~/.kube/config.</summary>
    Kubeconfig,

    /// <summary>The service account of the pod the portal runs in.</summary>
    InCluster,

    /// <summary>The embedded Kubernetes API server, because nothing else was found.</summary>
    Sandbox,
}

/// <summary>The Kubernetes client the provisioning service uses, and the mode it was configured from.</summary>
public sealed class KubernetesConnection : IDisposable
{
    KubernetesConnection(KubernetesMode mode, IKubernetes client, string server)
    {
        Mode = mode;
        Client = client;
        Server = server;
    }

    /// <summary>Which source the configuration came from; shown in /readyz and the UI.</summary>
    public KubernetesMode Mode { get; }

    /// <summary>The official client.</summary>
    public IKubernetes Client { get; }

    /// <summary>The API server's URL (never credentials).</summary>
    public string Server { get; }

    /// <summary>
    /// Which mode <paramref name="options"/> and the environment select, in order: an explicit kubeconfig,
    /// KUBECONFIG or ~/.kube/config, in-cluster service account, else the sandbox. The host calls this before
    /// building to decide whether to start the sandbox and set <see cref="KubernetesOptions.SandboxKubeconfig"/>.
    /// </summary>
    public static KubernetesMode DetectMode(KubernetesOptions options)
    {
        ArgumentNullException.ThrowIfNull(options);
        if (!string.IsNullOrEmpty(options.Kubeconfig))
        {
            return KubernetesMode.ExplicitKubeconfig;
        }

        if (DefaultKubeconfigPath() is not null)
        {
            return KubernetesMode.Kubeconfig;
        }

        return KubernetesClientConfiguration.IsInCluster() ? KubernetesMode.InCluster : KubernetesMode.Sandbox;
    }

    /// <summary>Builds the client for the mode <see cref="DetectMode"/> selects.</summary>
    /// <exception cref="InvalidOperationException">Sandbox mode, but the host gave no sandbox kubeconfig.</exception>
    public static KubernetesConnection Create(KubernetesOptions options)
    {
        var mode = DetectMode(options);
        var config = mode switch
        {
            KubernetesMode.ExplicitKubeconfig => KubernetesClientConfiguration.BuildConfigFromConfigFile(options.Kubeconfig!, options.Context),
            KubernetesMode.Kubeconfig => KubernetesClientConfiguration.BuildConfigFromConfigFile(DefaultKubeconfigPath()!, options.Context),
            KubernetesMode.InCluster => KubernetesClientConfiguration.InClusterConfig(),
            _ when !string.IsNullOrEmpty(options.SandboxKubeconfig) => KubernetesClientConfiguration.BuildConfigFromConfigFile(options.SandboxKubeconfig),
            _ => throw new InvalidOperationException(
                "No Kubernetes configuration was found (Kubernetes:Kubeconfig, KUBECONFIG, ~/.kube/config, in-cluster) " +
                "and no sandbox was started: set Kubernetes:SandboxKubeconfig."),
        };
        return FromConfig(mode, config);
    }

    /// <summary>A connection from an explicit client configuration (tests, tools), optionally through <paramref name="handlers"/>.</summary>
    public static KubernetesConnection FromConfig(KubernetesMode mode, KubernetesClientConfiguration config, params DelegatingHandler[] handlers)
    {
        ArgumentNullException.ThrowIfNull(config);

        // Watches hold a request open for minutes; the client's 100 s default would cut them. Single calls are
        // bounded by the cancellation tokens the reconciler passes.
        config.HttpClientTimeout = Timeout.InfiniteTimeSpan;
        return new KubernetesConnection(mode, new k8s.Kubernetes(config, handlers), config.Host);
    }

    static string? DefaultKubeconfigPath()
    {
        // KUBECONFIG may list several files; the client reads one, so take the first that exists.
        var fromEnv = Environment.GetEnvironmentVariable("KUBECONFIG");
        if (!string.IsNullOrEmpty(fromEnv))
        {
            return fromEnv.Split(Path.PathSeparator, StringSplitOptions.RemoveEmptyEntries).FirstOrDefault(File.Exists);
        }

        var home = Environment.GetFolderPath(Environment.SpecialFolder.UserProfile);
        var path = Path.Combine(home, ".kube", "config");
        return home.Length > 0 && File.Exists(path) ? path : null;
    }

    /// <inheritdoc/>
    public void Dispose() => Client.Dispose();
}
