using System.Net;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Hosting.Server;
using Microsoft.AspNetCore.Hosting.Server.Features;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using Portal.Sandbox.Api;
using Portal.Sandbox.Controllers;
using Portal.Sandbox.Spark;
using Portal.Sandbox.Storage;

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
    int _disposed;

    KubeSandbox(WebApplication app, ControllerHost controllers, Registry registry, SandboxOptions options, Uri baseAddress, SparkSimulation spark)
    {
        Spark = spark;
        _app = app;
        _controllers = controllers;
        _registry = registry;
        Options = options;
        BaseAddress = baseAddress;
        KubeconfigYaml = Kubeconfig.For(baseAddress);
    }

    /// <summary><c>http://127.0.0.1:PORT</c>.</summary>
    public Uri BaseAddress { get; }

    /// <summary>A complete kubeconfig with one context named <c>sandbox</c>; any token is accepted.</summary>
    public string KubeconfigYaml { get; }

    /// <summary>The options in force; <see cref="SandboxOptions.Faults"/> may be changed while running.</summary>
    public SandboxOptions Options { get; }

    /// <summary>The simulated Spark daemons in the sandbox's pods, and hooks that submit applications and jobs to them.</summary>
    public SparkSimulation Spark { get; }

    internal Registry Registry => _registry;

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
        var handler = new ResourceHandler(registry, options, logger, app.Lifetime.ApplicationStopping);
        Uri? address = null;
        var router = new ApiRouter(handler, new ServiceProxy(registry, spark), spark, () => address is null ? "127.0.0.1" : $"{address.Host}:{address.Port}");
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
        var controllers = new ControllerHost(registry, options, logger, spark);
        controllers.Start();
        return new KubeSandbox(app, controllers, registry, options, address, spark);
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
