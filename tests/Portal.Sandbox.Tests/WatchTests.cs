using System.Threading.Channels;
using k8s;
using k8s.Models;
using static Portal.Sandbox.Tests.Builders;

namespace Portal.Sandbox.Tests;

public sealed class WatchTests : SandboxTest
{
    protected override SandboxOptions Options() => new() { PodStartDelay = TimeSpan.FromMilliseconds(100), WatchHistoryLimit = 50 };

    [Fact]
    public async Task Watch_streams_added_modified_and_deleted_events_in_order()
    {
        var seen = Channel.CreateUnbounded<string>();
        var current = await Client.CoreV1.ListNamespacedConfigMapAsync("default", cancellationToken: Ct);
        using var watch = Client.CoreV1.WatchListNamespacedConfigMap("default", resourceVersion: current.Metadata.ResourceVersion,
            onEvent: (type, cm) => seen.Writer.TryWrite($"{type} {cm.Metadata.Name}"));

        await Client.CoreV1.CreateNamespacedConfigMapAsync(AConfigMap("a"), "default", cancellationToken: Ct);
        await Client.CoreV1.PatchNamespacedConfigMapAsync(new V1Patch("""{"data":{"x":"y"}}""", V1Patch.PatchType.MergePatch), "a", "default", cancellationToken: Ct);
        await Client.CoreV1.DeleteNamespacedConfigMapAsync("a", "default", cancellationToken: Ct);

        Assert.Equal(["Added a", "Modified a", "Deleted a"], await Take(seen.Reader, 3));
    }

    [Fact]
    public async Task Watch_from_a_resource_version_replays_the_later_events()
    {
        var before = await Client.CoreV1.CreateNamespacedConfigMapAsync(AConfigMap("first"), "default", cancellationToken: Ct);
        await Client.CoreV1.CreateNamespacedConfigMapAsync(AConfigMap("second"), "default", cancellationToken: Ct);
        await Client.CoreV1.CreateNamespacedConfigMapAsync(AConfigMap("third"), "default", cancellationToken: Ct);

        var replayed = new List<string>();
        await foreach (var (type, cm) in Client.CoreV1.WatchListNamespacedConfigMapAsync("default", resourceVersion: before.Metadata.ResourceVersion, cancellationToken: Ct))
        {
            replayed.Add($"{type} {cm.Metadata.Name}");
            if (replayed.Count == 2) break;
        }

        Assert.Equal(["Added second", "Added third"], replayed);
    }

    [Fact]
    public async Task Watch_without_a_resource_version_starts_with_the_current_objects()
    {
        await Client.CoreV1.CreateNamespacedConfigMapAsync(AConfigMap("existing"), "default", cancellationToken: Ct);

        var first = "";
        await foreach (var (type, cm) in Client.CoreV1.WatchListNamespacedConfigMapAsync("default", cancellationToken: Ct))
        {
            first = $"{type} {cm.Metadata.Name}";
            break;
        }

        Assert.Equal("Added existing", first);
    }

    [Fact]
    public async Task Watch_with_a_label_selector_sees_only_matching_objects()
    {
        var seen = Channel.CreateUnbounded<string>();
        var current = await Client.CoreV1.ListNamespacedConfigMapAsync("default", cancellationToken: Ct);
        using var watch = Client.CoreV1.WatchListNamespacedConfigMap("default", labelSelector: "app=web", resourceVersion: current.Metadata.ResourceVersion,
            onEvent: (type, cm) => seen.Writer.TryWrite($"{type} {cm.Metadata.Name}"));

        await Client.CoreV1.CreateNamespacedConfigMapAsync(AConfigMap("other", new Dictionary<string, string> { ["app"] = "db" }), "default", cancellationToken: Ct);
        await Client.CoreV1.CreateNamespacedConfigMapAsync(AConfigMap("mine", new Dictionary<string, string> { ["app"] = "web" }), "default", cancellationToken: Ct);

        Assert.Equal(["Added mine"], await Take(seen.Reader, 1));
    }

    [Fact]
    public async Task Relabelling_an_object_out_of_a_selector_reports_it_deleted_to_that_watch()
    {
        await Client.CoreV1.CreateNamespacedConfigMapAsync(AConfigMap("mine", new Dictionary<string, string> { ["app"] = "web" }), "default", cancellationToken: Ct);
        var seen = Channel.CreateUnbounded<string>();
        var current = await Client.CoreV1.ListNamespacedConfigMapAsync("default", cancellationToken: Ct);
        using var watch = Client.CoreV1.WatchListNamespacedConfigMap("default", labelSelector: "app=web", resourceVersion: current.Metadata.ResourceVersion,
            onEvent: (type, cm) => seen.Writer.TryWrite($"{type} {cm.Metadata.Name}"));

        await Client.CoreV1.PatchNamespacedConfigMapAsync(new V1Patch("""{"metadata":{"labels":{"app":"db"}}}""", V1Patch.PatchType.MergePatch), "mine", "default", cancellationToken: Ct);
        await Client.CoreV1.PatchNamespacedConfigMapAsync(new V1Patch("""{"metadata":{"labels":{"app":"web"}}}""", V1Patch.PatchType.MergePatch), "mine", "default", cancellationToken: Ct);

        Assert.Equal(["Deleted mine", "Added mine"], await Take(seen.Reader, 2));
    }

    [Fact]
    public async Task Watching_all_namespaces_sees_pods_of_every_namespace()
    {
        await CreateNamespace("team-a");
        var seen = Channel.CreateUnbounded<string>();
        var current = await Client.CoreV1.ListPodForAllNamespacesAsync(cancellationToken: Ct);
        using var watch = Client.CoreV1.WatchListPodForAllNamespaces(resourceVersion: current.Metadata.ResourceVersion,
            onEvent: (type, pod) =>
            {
                if (type == WatchEventType.Added) seen.Writer.TryWrite($"{pod.Metadata.NamespaceProperty}/{pod.Metadata.Name}");
            });

        await Client.CoreV1.CreateNamespacedPodAsync(APod("one").Build(), "default", cancellationToken: Ct);
        await Client.CoreV1.CreateNamespacedPodAsync(APod("two").Build(), "team-a", cancellationToken: Ct);

        Assert.Equal(["default/one", "team-a/two"], await Take(seen.Reader, 2));
    }

    [Fact]
    public async Task Watch_from_a_resource_version_older_than_the_history_gets_410_Expired()
    {
        var old = await Client.CoreV1.CreateNamespacedConfigMapAsync(AConfigMap("old"), "default", cancellationToken: Ct);
        for (var i = 0; i < 60; i++)
            await Client.CoreV1.CreateNamespacedConfigMapAsync(AConfigMap($"filler-{i}"), "default", cancellationToken: Ct);
        var errors = Channel.CreateUnbounded<Exception>();

        using var watch = Client.CoreV1.WatchListNamespacedConfigMap("default", resourceVersion: old.Metadata.ResourceVersion,
            onEvent: (_, _) => { }, onError: e => errors.Writer.TryWrite(e));

        var error = Assert.IsType<KubernetesException>(await errors.Reader.ReadAsync(Ct));
        Assert.Equal((410, "Expired"), (error.Status.Code, error.Status.Reason));
    }

    [Fact]
    public async Task The_list_call_with_watch_true_and_the_Watch_extension_streams_pod_events()
    {
        var seen = Channel.CreateUnbounded<string>();
        var current = await Client.CoreV1.ListNamespacedPodAsync("default", cancellationToken: Ct);
        // The portal may use the older list-then-Watch<> form; it is obsolete in KubernetesClient 21 but must still work.
#pragma warning disable CS0618
        using var watch = Client.CoreV1.ListNamespacedPodWithHttpMessagesAsync("default", watch: true, resourceVersion: current.Metadata.ResourceVersion, cancellationToken: Ct)
            .Watch<V1Pod, V1PodList>((type, pod) => seen.Writer.TryWrite($"{type} {pod.Metadata.Name}"));
#pragma warning restore CS0618

        await Client.CoreV1.CreateNamespacedPodAsync(APod("web").Build(), "default", cancellationToken: Ct);

        Assert.Equal("Added web", (await Take(seen.Reader, 1))[0]);
    }

    [Fact]
    public async Task The_list_call_with_watch_true_and_WatchAsync_replays_from_a_resource_version()
    {
        var before = await Client.CoreV1.CreateNamespacedPodAsync(APod("first").Build(), "default", cancellationToken: Ct);
        await Client.CoreV1.DeleteNamespacedPodAsync("first", "default", cancellationToken: Ct);

        var replayed = "";
#pragma warning disable CS0618 // the older form, as above
        await foreach (var (type, pod) in Client.CoreV1.ListNamespacedPodWithHttpMessagesAsync("default", watch: true, resourceVersion: before.Metadata.ResourceVersion, cancellationToken: Ct)
            .WatchAsync<V1Pod, V1PodList>(cancellationToken: Ct))
#pragma warning restore CS0618
        {
            replayed = $"{type} {pod.Metadata.Name}";
            if (type == WatchEventType.Deleted) break;
        }

        Assert.Equal("Deleted first", replayed);
    }

    [Fact]
    public async Task A_watch_asking_for_tables_streams_one_row_tables_as_kubectl_get_watch_expects()
    {
        await Client.CoreV1.CreateNamespacedConfigMapAsync(AConfigMap("existing"), "default", cancellationToken: Ct);
        using var http = new HttpClient { BaseAddress = Sandbox.BaseAddress };
        using var request = new HttpRequestMessage(HttpMethod.Get, "/api/v1/namespaces/default/configmaps?watch=true");
        request.Headers.TryAddWithoutValidation("Accept", "application/json;as=Table;v=v1;g=meta.k8s.io");

        using var response = await http.SendAsync(request, HttpCompletionOption.ResponseHeadersRead, Ct);
        using var reader = new StreamReader(await response.Content.ReadAsStreamAsync(Ct));
        var first = System.Text.Json.Nodes.JsonNode.Parse(await reader.ReadLineAsync(Ct) ?? "{}")!;

        Assert.Equal(("ADDED", "Table", "existing"), ((string?)first["type"], (string?)first["object"]!["kind"], (string?)first["object"]!["rows"]![0]!["cells"]![0]));
    }

    static async Task<List<string>> Take(ChannelReader<string> reader, int count)
    {
        using var timeout = CancellationTokenSource.CreateLinkedTokenSource(Ct);
        timeout.CancelAfter(Portal.Testing.Eventually.Ceiling);
        var result = new List<string>();
        while (result.Count < count) result.Add(await reader.ReadAsync(timeout.Token));
        return result;
    }
}
