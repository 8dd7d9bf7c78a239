using k8s;
using k8s.Autorest;
using k8s.Models;

namespace Portal.Sandbox.Tests;

/// <summary>
/// Base fixture: every test gets its own sandbox on a free loopback port and an official client pointed at it.
/// Pods start after 100 ms instead of the 2 s default, to keep the suite fast.
/// </summary>
public abstract class SandboxTest : IAsyncLifetime
{
    protected KubeSandbox Sandbox { get; private set; } = null!;
    protected Kubernetes Client { get; private set; } = null!;
    protected static CancellationToken Ct => TestContext.Current.CancellationToken;

    /// <summary>Options for this test class's sandbox; override to set faults or patterns.</summary>
    protected virtual SandboxOptions Options() => new() { PodStartDelay = TimeSpan.FromMilliseconds(100) };

    public virtual async ValueTask InitializeAsync()
    {
        Sandbox = await KubeSandbox.StartAsync(Options(), Ct);
        Client = new Kubernetes(new KubernetesClientConfiguration { Host = Sandbox.BaseAddress.ToString() });
    }

    public virtual async ValueTask DisposeAsync()
    {
        Client.Dispose();
        await Sandbox.DisposeAsync();
        GC.SuppressFinalize(this);
    }

    protected async Task<V1Namespace> CreateNamespace(string name, IDictionary<string, string>? labels = null) =>
        await Client.CoreV1.CreateNamespaceAsync(new V1Namespace { Metadata = new V1ObjectMeta { Name = name, Labels = labels } }, cancellationToken: Ct);

    /// <summary>Runs <paramref name="call"/>, expecting the API to refuse it; returns the metav1.Status it answered with.</summary>
    protected static async Task<(int Code, V1Status Status)> Refused(Func<Task> call)
    {
        var e = await Assert.ThrowsAsync<HttpOperationException>(call);
        var status = KubernetesJson.Deserialize<V1Status>(e.Response.Content);
        return ((int)e.Response.StatusCode, status);
    }

    /// <summary>Polls until <paramref name="condition"/> holds (<see cref="Portal.Testing.Eventually"/>); fails naming <paramref name="what"/>.</summary>
    protected static Task Eventually(Func<Task<bool>> condition, string what) =>
        Portal.Testing.Eventually.HoldsAsync(condition, what, every: TimeSpan.FromMilliseconds(25), ct: Ct);
}
