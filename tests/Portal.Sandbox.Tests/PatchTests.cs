using k8s;
using k8s.Models;
using static Portal.Sandbox.Tests.Builders;

namespace Portal.Sandbox.Tests;

public sealed class PatchTests : SandboxTest
{
    [Fact]
    public async Task Json_merge_patch_sets_and_removes_map_entries()
    {
        await Client.CoreV1.CreateNamespacedConfigMapAsync(AConfigMap("settings", new Dictionary<string, string> { ["old"] = "1" }), "default", cancellationToken: Ct);
        var patch = new V1Patch("""{"metadata":{"labels":{"old":null,"new":"2"}}}""", V1Patch.PatchType.MergePatch);

        var patched = await Client.CoreV1.PatchNamespacedConfigMapAsync(patch, "settings", "default", cancellationToken: Ct);

        Assert.Equal(new Dictionary<string, string> { ["new"] = "2" }, patched.Metadata.Labels);
    }

    [Fact]
    public async Task Strategic_merge_patch_merges_containers_by_name()
    {
        var pod = APod("web").Build();
        pod.Spec.Containers.Add(new V1Container { Name = "sidecar", Image = "busybox:1.36" });
        await Client.CoreV1.CreateNamespacedPodAsync(pod, "default", cancellationToken: Ct);
        var patch = new V1Patch("""{"spec":{"containers":[{"name":"sidecar","image":"busybox:1.37"}]}}""", V1Patch.PatchType.StrategicMergePatch);

        var patched = await Client.CoreV1.PatchNamespacedPodAsync(patch, "web", "default", cancellationToken: Ct);

        Assert.Equal(["app=nginx:1.27", "sidecar=busybox:1.37"], patched.Spec.Containers.Select(c => $"{c.Name}={c.Image}"));
    }

    [Fact]
    public async Task Strategic_merge_patch_deletes_a_list_item_with_the_patch_directive()
    {
        var pod = APod("web").Build();
        pod.Spec.Containers[0].Env = [new V1EnvVar { Name = "A", Value = "1" }, new V1EnvVar { Name = "B", Value = "2" }];
        await Client.CoreV1.CreateNamespacedPodAsync(pod, "default", cancellationToken: Ct);
        var patch = new V1Patch("""{"spec":{"containers":[{"name":"app","env":[{"name":"A","$patch":"delete"}]}]}}""", V1Patch.PatchType.StrategicMergePatch);

        var patched = await Client.CoreV1.PatchNamespacedPodAsync(patch, "web", "default", cancellationToken: Ct);

        Assert.Equal(["B"], patched.Spec.Containers[0].Env.Select(e => e.Name));
    }

    [Fact]
    public async Task Json_patch_applies_its_operations_in_order()
    {
        await Client.CoreV1.CreateNamespacedConfigMapAsync(AConfigMap("settings"), "default", cancellationToken: Ct);
        var patch = new V1Patch("""[{"op":"add","path":"/data/extra","value":"x"},{"op":"remove","path":"/data/key"},{"op":"replace","path":"/data/extra","value":"y"}]""", V1Patch.PatchType.JsonPatch);

        var patched = await Client.CoreV1.PatchNamespacedConfigMapAsync(patch, "settings", "default", cancellationToken: Ct);

        Assert.Equal(new Dictionary<string, string> { ["extra"] = "y" }, patched.Data);
    }

    [Fact]
    public async Task Json_patch_test_operation_failure_is_refused_with_422()
    {
        await Client.CoreV1.CreateNamespacedConfigMapAsync(AConfigMap("settings"), "default", cancellationToken: Ct);
        var patch = new V1Patch("""[{"op":"test","path":"/data/key","value":"other"}]""", V1Patch.PatchType.JsonPatch);

        var (code, _) = await Refused(() => Client.CoreV1.PatchNamespacedConfigMapAsync(patch, "settings", "default", cancellationToken: Ct));

        Assert.Equal(422, code);
    }

    [Fact]
    public async Task Patching_a_missing_object_returns_404()
    {
        var patch = new V1Patch("""{"data":{"a":"b"}}""", V1Patch.PatchType.MergePatch);

        var (code, _) = await Refused(() => Client.CoreV1.PatchNamespacedConfigMapAsync(patch, "ghost", "default", cancellationToken: Ct));

        Assert.Equal(404, code);
    }

    [Fact]
    public async Task Scale_subresource_changes_the_replica_count()
    {
        await Client.AppsV1.CreateNamespacedDeploymentAsync(ADeployment("web").Build(), "default", cancellationToken: Ct);
        var patch = new V1Patch("""{"spec":{"replicas":4}}""", V1Patch.PatchType.MergePatch);

        await Client.AppsV1.PatchNamespacedDeploymentScaleAsync(patch, "web", "default", cancellationToken: Ct);

        var scaled = await Client.AppsV1.ReadNamespacedDeploymentAsync("web", "default", cancellationToken: Ct);
        Assert.Equal(4, scaled.Spec.Replicas);
    }
}
