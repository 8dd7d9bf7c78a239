using System.Net;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Hosting.Server;
using Microsoft.AspNetCore.Hosting.Server.Features;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Portal.Sandbox.Api;
using Portal.Sandbox.Controllers;
using Portal.Sandbox.Network;
using Portal.Sandbox.SparkConnect;

namespace Portal.Sandbox;

/// <summary>
/// An embedded Kubernetes API server on loopback: real HTTP, the real REST API, simulated controllers and kubelet.
/// No container ever runs. Point any Kubernetes client at <see cref="BaseAddress"/> or <see cref="KubeconfigYaml"/>.
/// </summary>
public sealed class KubeSandbox : IAsyncDisposable
{
    readonly WebApplication _app;
    readonly ControllerHost _controllers;
    readonly Registry _registry;
    readonly PortForward _portForward;
    int _disposed;

    KubeSandbox(WebApplication app, ControllerHost controllers, Registry registry, SandboxOptions options, Uri baseAddress, SparkSimulation spark,
        PodNetwork pods, PortForward portForward)
    {
        _portForward = portForward;
        Spark = spark;
        PodNetwork = pods;
        _app = app;
        _controllers = controllers;
        _registry = registry;
        Options = options;
        BaseAddress = baseAddress;
        KubeconfigYaml = Kubeconfig.For(baseAddress);
    }

    /// <summary><c>http://127.0.0.1:PORT</c>.</summary>
    public Uri BaseAddress { get; }

    /// <summary>A complete kubeconfig with one context named <c>sandbox</c>, whose token is a cluster administrator (docs/sandbox.md, RBAC).</summary>
    public string KubeconfigYaml { get; }

    /// <summary>The options in force; <see cref="SandboxOptions.Faults"/> may be changed while running.</summary>
    public SandboxOptions Options { get; }

    /// <summary>The simulated Spark daemons in the sandbox's pods, and hooks that submit applications and jobs to them.</summary>
    public SparkSimulation Spark { get; }

    /// <summary>What the sandbox's persistent volumes hold, per claim (the "disks" pods share through their mounts).</summary>
    public Volumes.VolumeFiles Volumes => Spark.Volumes;

    /// <summary>Every request RBAC allowed for a service account, as decided: what a caller really needed.</summary>
    public AuthorizationLog Authorizations { get; private init; } = new();

    /// <summary>The pods' network: dial a pod's port as a TCP connection to its IP would (the Spark daemons' UIs and Connect servers answer).</summary>
    public PodNetwork PodNetwork { get; }

    /// <summary>What the simulated Spark Connect servers saw: every RPC with its headers, session ids and outcome.</summary>
    public SparkConnectStandIn SparkConnect => PodNetwork.Recorder;

    internal Registry Registry => _registry;

    /// <summary>
    /// What <c>pods/portforward</c> connections reach (a test seam, and where a pod network plugs in); by default every
    /// port refuses, with the kubelet's message on the error stream. May be replaced while the sandbox runs.
    /// </summary>
    internal PodDialer PodDialer
    {
        get => _portForward.Dialer;
        set => _portForward.Dialer = value;
    }

    /// <summary>Starts the sandbox on loopback and returns once it accepts requests.</summary>
    public static async Task<KubeSandbox> StartAsync(SandboxOptions? options = null, CancellationToken ct = default) =>
        await StartAsync(options, loggerFactory: null, ct);

    /// <summary>Starts the sandbox, logging through <paramref name="loggerFactory"/> (the console program passes its own).</summary>
    public static async Task<KubeSandbox> StartAsync(SandboxOptions? options, ILoggerFactory? loggerFactory, CancellationToken ct = default)
    {
        options ??= new SandboxOptions();
        options.Validate();

        var store = new ObjectStore(options.WatchHistoryLimit);
        var registry = new Registry(store);
        if (options.StatePath is { } statePath) StateFile.Load(statePath, store);
        registry.Seed();
        var spark = new SparkSimulation(registry, options);

        var builder = WebApplication.CreateSlimBuilder();
        builder.Logging.ClearProviders();
        // The sandbox is embedded: the host it lives in owns Ctrl+C and SIGTERM, not this inner web app.
        builder.Services.AddSingleton<IHostLifetime, EmbeddedLifetime>();
        if (loggerFactory is not null) builder.Services.AddSingleton(loggerFactory);
        builder.WebHost.ConfigureKestrel(k =>
        {
            k.Listen(IPAddress.Loopback, options.Port);
            k.Limits.MaxRequestBodySize = 16 * 1024 * 1024;
        });
        var app = builder.Build();
        var logger = app.Services.GetRequiredService<ILoggerFactory>().CreateLogger("Portal.Sandbox");
        // Watches end when the sandbox stops, so shutdown never waits on long-running streams.
        var handler = new ResourceHandler(registry, options, logger, app.Lifetime.ApplicationStopping) { TerminatedLog = spark.TerminatedLog };
        Uri? address = null;
        var portForward = new PortForward(registry, app.Lifetime.ApplicationStopping);
        var authorizations = new AuthorizationLog();
        var router = new ApiRouter(handler, new ServiceProxy(registry, spark), portForward, spark, new RbacAuthorizer(registry), authorizations,
            () => address is null ? "127.0.0.1" : $"{address.Host}:{address.Port}");
        // pods/portforward speaks WebSocket (KubernetesClient, kubectl's SPDY tunnel).
        app.UseWebSockets();
        app.Run(router.Route);
        try
        {
            await app.StartAsync(ct);
        }
        catch
        {
            // E.g. the port is taken: release what was built before reporting the failure.
            await app.DisposeAsync();
            throw;
        }

        var bound = app.Services.GetRequiredService<IServer>().Features.Get<IServerAddressesFeature>()!.Addresses.First();
        address = new Uri(new Uri(bound.Replace("[::1]", "127.0.0.1", StringComparison.Ordinal)).GetLeftPart(UriPartial.Authority));
        var pods = new PodNetwork(registry, spark, new SparkConnectStandIn());
        try
        {
            await pods.StartAsync(loggerFactory, ct);
        }
        catch
        {
            await app.DisposeAsync();
            throw;
        }
        var controllers = new ControllerHost(registry, options, logger, spark);
        controllers.Start();
        // Port-forward reaches what the pod network says listens on a pod's port, as the kubelet dials inside the pod.
        portForward.Dialer = async (pod, port, cancellation) =>
        {
            try
            {
                return await pods.DialAsync(pod, port, cancellation);
            }
            catch (ConnectionRefusedException)
            {
                throw new PortRefusedException(pod, port);
            }
        };
        return new KubeSandbox(app, controllers, registry, options, address, spark, pods, portForward) { Authorizations = authorizations };
    }

    /// <summary>Writes <see cref="KubeconfigYaml"/> to <paramref name="path"/>, creating its directory.</summary>
    public async Task WriteKubeconfigAsync(string path, CancellationToken ct = default)
    {
        var dir = Path.GetDirectoryName(Path.GetFullPath(path));
        if (dir is not null) Directory.CreateDirectory(dir);
        await File.WriteAllTextAsync(path, KubeconfigYaml, ct);
    }

    /// <summary>Stops serving, then saves state when <see cref="SandboxOptions.StatePath"/> is set.</summary>
    public async ValueTask DisposeAsync()
    {
        if (Interlocked.Exchange(ref _disposed, 1) == 1) return;
        await _controllers.DisposeAsync();
        await PodNetwork.DisposeAsync();
        using (var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(2)))
            await _app.StopAsync(timeout.Token);
        await _app.DisposeAsync();
        if (Options.StatePath is { } statePath) StateFile.Save(statePath, _registry.Store);
    }
}

/// <summary>A host lifetime that hooks no console signals.</summary>
internal sealed class EmbeddedLifetime : IHostLifetime
{
    public Task WaitForStartAsync(CancellationToken cancellationToken) => Task.CompletedTask;

    public Task StopAsync(CancellationToken cancellationToken) => Task.CompletedTask;
}

internal static class Kubeconfig
{
    public static string For(Uri server) => $"""
        apiVersion: v1
        kind: Config
        clusters:
        - name: sandbox
          cluster:
            server: {server.GetLeftPart(UriPartial.Authority)}
        users:
        - name: sandbox
          user:
            token: sandbox
        contexts:
        - name: sandbox
          context:
            cluster: sandbox
            user: sandbox
            namespace: default
        current-context: sandbox
        preferences: {"{}"}

        """;
}
