using Portal.Sandbox;
using Xunit;

namespace Portal.Testing;

/// <summary>
/// One embedded Kubernetes API server for the whole assembly, started before any portal host and handed to each as
/// its kubeconfig. Test-only: without a kubeconfig the portal starts its own sandbox while Program runs, and
/// WebApplicationFactory, which takes the first host built in the process once it starts listening, would take
/// the sandbox's web host instead of the portal's.
/// </summary>
public sealed class SandboxServer : IAsyncLifetime
{
    private static string? _kubeconfig;
    private static KubeSandbox? _running;
    private readonly DirectoryInfo _directory = Directory.CreateTempSubdirectory("portal-tests-sandbox-");
    private KubeSandbox? _sandbox;

    /// <summary>Path of the running sandbox's kubeconfig.</summary>
    public static string Kubeconfig =>
        _kubeconfig ?? throw new InvalidOperationException("The sandbox assembly fixture has not started.");

    /// <summary>The running sandbox, for what its simulated Spark saw.</summary>
    public static KubeSandbox Sandbox =>
        _running ?? throw new InvalidOperationException("The sandbox assembly fixture has not started.");

    public async ValueTask InitializeAsync()
    {
        _sandbox = _running = await KubeSandbox.StartAsync();
        var path = Path.Combine(_directory.FullName, "kubeconfig");
        await _sandbox.WriteKubeconfigAsync(path);
        _kubeconfig = path;
    }

    public async ValueTask DisposeAsync()
    {
        if (_sandbox is not null)
            await _sandbox.DisposeAsync();
        _directory.Delete(recursive: true);
    }
}
