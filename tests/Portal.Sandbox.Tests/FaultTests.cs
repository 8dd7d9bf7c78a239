using System.Net;
using k8s;
using static Portal.Sandbox.Tests.Builders;

namespace Portal.Sandbox.Tests;

public sealed class FaultTests : SandboxTest
{
    [Fact]
    public async Task Injected_429s_carry_Retry_After_and_a_TooManyRequests_status()
    {
        Sandbox.Options.Faults.ErrorRate = 1;
        Sandbox.Options.Faults.ErrorStatus = 429;
        Sandbox.Options.Faults.RetryAfterSeconds = 3;
        using var http = new HttpClient { BaseAddress = Sandbox.BaseAddress };

        using var response = await http.GetAsync("/api/v1/namespaces/default/configmaps", Ct);

        var status = KubernetesJson.Deserialize<k8s.Models.V1Status>(await response.Content.ReadAsStringAsync(Ct));
        Assert.Equal((HttpStatusCode.TooManyRequests, TimeSpan.FromSeconds(3), "TooManyRequests"), (response.StatusCode, response.Headers.RetryAfter?.Delta, status.Reason));
    }

    [Fact]
    public async Task Injected_500s_reach_the_client_as_InternalError()
    {
        Sandbox.Options.Faults.ErrorRate = 1;

        var (code, status) = await Refused(() => Client.CoreV1.ListNamespacedConfigMapAsync("default", cancellationToken: Ct));

        Assert.Equal((500, "InternalError"), (code, status.Reason));
    }

    [Fact]
    public async Task Faults_can_be_switched_off_while_running()
    {
        Sandbox.Options.Faults.ErrorRate = 1;
        await Refused(() => Client.CoreV1.ListNamespacedConfigMapAsync("default", cancellationToken: Ct));

        Sandbox.Options.Faults.ErrorRate = 0;

        var list = await Client.CoreV1.ListNamespacedConfigMapAsync("default", cancellationToken: Ct);
        Assert.NotNull(list.Items);
    }

    [Fact]
    public async Task Discovery_is_never_faulted_so_clients_can_always_bootstrap()
    {
        Sandbox.Options.Faults.ErrorRate = 1;
        using var http = new HttpClient { BaseAddress = Sandbox.BaseAddress };

        using var response = await http.GetAsync("/api/v1", Ct);

        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
    }

    [Fact]
    public async Task A_watch_is_dropped_after_the_configured_number_of_events()
    {
        var before = await Client.CoreV1.ListNamespacedConfigMapAsync("default", cancellationToken: Ct);
        for (var i = 0; i < 3; i++)
            await Client.CoreV1.CreateNamespacedConfigMapAsync(AConfigMap($"cm-{i}"), "default", cancellationToken: Ct);
        Sandbox.Options.Faults.DropWatchAfterEvents = 2;

        var received = 0;
        await foreach (var _ in Client.CoreV1.WatchListNamespacedConfigMapAsync("default", resourceVersion: before.Metadata.ResourceVersion, cancellationToken: Ct))
            received++;

        Assert.Equal(2, received);
    }

    [Fact]
    public async Task A_watch_is_dropped_after_the_configured_time()
    {
        Sandbox.Options.Faults.DropWatchAfter = TimeSpan.FromMilliseconds(200);
        var closed = new TaskCompletionSource();
        var current = await Client.CoreV1.ListNamespacedConfigMapAsync("default", cancellationToken: Ct);

        using var watch = Client.CoreV1.WatchListNamespacedConfigMap("default", resourceVersion: current.Metadata.ResourceVersion,
            onEvent: (_, _) => { }, onClosed: () => closed.TrySetResult());

        await closed.Task.WaitAsync(Portal.Testing.Eventually.Ceiling, Ct);
    }
}

public sealed class StateFileTests : IAsyncLifetime
{
    readonly string _dir = Directory.CreateTempSubdirectory("sandbox-state-").FullName;

    static CancellationToken Ct => TestContext.Current.CancellationToken;

    string StatePath => Path.Combine(_dir, "state.json");

    public ValueTask InitializeAsync() => ValueTask.CompletedTask;

    public ValueTask DisposeAsync()
    {
        Directory.Delete(_dir, recursive: true);
        return ValueTask.CompletedTask;
    }

    [Fact]
    public async Task Objects_saved_on_stop_are_loaded_on_the_next_start()
    {
        string uid;
        await using (var first = await KubeSandbox.StartAsync(new SandboxOptions { StatePath = StatePath }, Ct))
        {
            using var client = new Kubernetes(new KubernetesClientConfiguration { Host = first.BaseAddress.ToString() });
            uid = (await client.CoreV1.CreateNamespacedConfigMapAsync(AConfigMap("kept"), "default", cancellationToken: Ct)).Metadata.Uid;
        }

        await using var second = await KubeSandbox.StartAsync(new SandboxOptions { StatePath = StatePath }, Ct);
        using var again = new Kubernetes(new KubernetesClientConfiguration { Host = second.BaseAddress.ToString() });
        var loaded = await again.CoreV1.ReadNamespacedConfigMapAsync("kept", "default", cancellationToken: Ct);

        Assert.Equal(uid, loaded.Metadata.Uid);
    }

    [Fact]
    public async Task Resource_versions_continue_after_a_reload()
    {
        long saved;
        await using (var first = await KubeSandbox.StartAsync(new SandboxOptions { StatePath = StatePath }, Ct))
        {
            using var client = new Kubernetes(new KubernetesClientConfiguration { Host = first.BaseAddress.ToString() });
            saved = long.Parse((await client.CoreV1.CreateNamespacedConfigMapAsync(AConfigMap("kept"), "default", cancellationToken: Ct)).Metadata.ResourceVersion, System.Globalization.CultureInfo.InvariantCulture);
        }

        await using var second = await KubeSandbox.StartAsync(new SandboxOptions { StatePath = StatePath }, Ct);
        using var again = new Kubernetes(new KubernetesClientConfiguration { Host = second.BaseAddress.ToString() });
        var created = await again.CoreV1.CreateNamespacedConfigMapAsync(AConfigMap("new"), "default", cancellationToken: Ct);

        Assert.True(long.Parse(created.Metadata.ResourceVersion, System.Globalization.CultureInfo.InvariantCulture) > saved);
    }
}

public sealed class OptionsTests
{
    [Fact]
    public async Task An_invalid_error_status_is_refused_at_start()
    {
        var options = new SandboxOptions { Faults = { ErrorStatus = 418 } };

        await Assert.ThrowsAsync<System.ComponentModel.DataAnnotations.ValidationException>(() => KubeSandbox.StartAsync(options, TestContext.Current.CancellationToken));
    }

    [Fact]
    public async Task An_invalid_image_pull_failure_pattern_is_refused_at_start()
    {
        var options = new SandboxOptions { ImagePullFailurePattern = "([" };

        await Assert.ThrowsAsync<System.ComponentModel.DataAnnotations.ValidationException>(() => KubeSandbox.StartAsync(options, TestContext.Current.CancellationToken));
    }

    [Fact]
    public async Task The_kubeconfig_has_one_context_named_sandbox_pointing_at_the_base_address()
    {
        await using var sandbox = await KubeSandbox.StartAsync(ct: TestContext.Current.CancellationToken);
        var path = Path.Combine(Path.GetTempPath(), $"sandbox-{Guid.NewGuid():N}", "config");
        await sandbox.WriteKubeconfigAsync(path, TestContext.Current.CancellationToken);

        var config = KubernetesClientConfiguration.BuildConfigFromConfigFile(path);

        Assert.Equal((sandbox.BaseAddress.GetLeftPart(UriPartial.Authority), "sandbox"), (config.Host.TrimEnd('/'), config.CurrentContext));
        Directory.Delete(Path.GetDirectoryName(path)!, recursive: true);
    }
}
