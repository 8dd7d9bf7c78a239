using k8s;
using k8s.Models;
using static Portal.Sandbox.Tests.Builders;

namespace Portal.Sandbox.Tests;

public sealed class ControllerTests : SandboxTest
{
    protected override SandboxOptions Options() => new() { PodStartDelay = TimeSpan.FromMilliseconds(100), ImagePullFailurePattern = "^registry.invalid/" };

    async Task<IList<V1Pod>> Pods(string selector) =>
        (await Client.CoreV1.ListNamespacedPodAsync("default", labelSelector: selector, cancellationToken: Ct)).Items;

    [Fact]
    public async Task A_deployment_reaches_its_ready_replica_count()
    {
        await Client.AppsV1.CreateNamespacedDeploymentAsync(ADeployment("web").WithReplicas(3).Build(), "default", cancellationToken: Ct);

        await Eventually(async () => (await Client.AppsV1.ReadNamespacedDeploymentAsync("web", "default", cancellationToken: Ct)).Status?.ReadyReplicas == 3, "three replicas are ready");

        var status = (await Client.AppsV1.ReadNamespacedDeploymentAsync("web", "default", cancellationToken: Ct)).Status;
        Assert.Equal((3, 3, 3, 1L), (status.Replicas ?? 0, status.AvailableReplicas ?? 0, status.UpdatedReplicas ?? 0, status.ObservedGeneration ?? 0));
    }

    [Fact]
    public async Task Deployment_pods_are_owned_by_its_replica_set()
    {
        await Client.AppsV1.CreateNamespacedDeploymentAsync(ADeployment("web").WithReplicas(1).Build(), "default", cancellationToken: Ct);
        await Eventually(async () => (await Pods("app=web")).Count == 1, "the pod exists");

        var rs = Assert.Single((await Client.AppsV1.ListNamespacedReplicaSetAsync("default", cancellationToken: Ct)).Items);
        var pod = Assert.Single(await Pods("app=web"));

        Assert.Equal((rs.Metadata.Uid, "ReplicaSet", true), (pod.Metadata.OwnerReferences[0].Uid, pod.Metadata.OwnerReferences[0].Kind, pod.Metadata.OwnerReferences[0].Controller == true));
    }

    [Fact]
    public async Task Pods_go_from_pending_to_running_and_ready()
    {
        var created = await Client.CoreV1.CreateNamespacedPodAsync(APod("web").Build(), "default", cancellationToken: Ct);

        await Eventually(async () => (await Client.CoreV1.ReadNamespacedPodAsync("web", "default", cancellationToken: Ct)).Status.Phase == "Running", "the pod runs");

        var pod = await Client.CoreV1.ReadNamespacedPodAsync("web", "default", cancellationToken: Ct);
        Assert.Equal(("Pending", "True", true), (created.Status.Phase, pod.Status.Conditions.Single(c => c.Type == "Ready").Status, pod.Status.ContainerStatuses[0].Ready));
    }

    [Fact]
    public async Task Scaling_a_deployment_down_removes_pods()
    {
        await Client.AppsV1.CreateNamespacedDeploymentAsync(ADeployment("web").WithReplicas(3).Build(), "default", cancellationToken: Ct);
        await Eventually(async () => (await Pods("app=web")).Count == 3, "three pods exist");

        await Client.AppsV1.PatchNamespacedDeploymentScaleAsync(new V1Patch("""{"spec":{"replicas":1}}""", V1Patch.PatchType.MergePatch), "web", "default", cancellationToken: Ct);

        await Eventually(async () => (await Pods("app=web")).Count == 1, "one pod is left");
    }

    [Fact]
    public async Task Changing_the_template_rolls_pods_onto_a_new_replica_set()
    {
        await Client.AppsV1.CreateNamespacedDeploymentAsync(ADeployment("web").WithReplicas(2).Build(), "default", cancellationToken: Ct);
        await Eventually(async () => (await Pods("app=web")).Count == 2, "two pods exist");

        var patch = new V1Patch("""{"spec":{"template":{"spec":{"containers":[{"name":"app","image":"nginx:1.28"}]}}}}""", V1Patch.PatchType.StrategicMergePatch);
        await Client.AppsV1.PatchNamespacedDeploymentAsync(patch, "web", "default", cancellationToken: Ct);

        await Eventually(async () => (await Pods("app=web")) is { Count: 2 } pods && pods.All(p => p.Spec.Containers[0].Image == "nginx:1.28"), "both pods run the new image");
    }

    [Fact]
    public async Task Reverting_a_template_scales_the_original_replica_set_back_up()
    {
        await Client.AppsV1.CreateNamespacedDeploymentAsync(ADeployment("web").Build(), "default", cancellationToken: Ct);
        await Eventually(async () => (await Client.AppsV1.ListNamespacedReplicaSetAsync("default", cancellationToken: Ct)).Items.Count == 1, "the first replica set exists");
        var original = (await Client.AppsV1.ListNamespacedReplicaSetAsync("default", cancellationToken: Ct)).Items[0].Metadata.Name;
        await Client.AppsV1.PatchNamespacedDeploymentAsync(new V1Patch("""{"spec":{"template":{"spec":{"containers":[{"name":"app","image":"nginx:1.28"}]}}}}""", V1Patch.PatchType.StrategicMergePatch), "web", "default", cancellationToken: Ct);
        await Eventually(async () => (await Client.AppsV1.ListNamespacedReplicaSetAsync("default", cancellationToken: Ct)).Items.Count == 2, "a second replica set exists");

        await Client.AppsV1.PatchNamespacedDeploymentAsync(new V1Patch("""{"spec":{"template":{"spec":{"containers":[{"name":"app","image":"nginx:1.27"}]}}}}""", V1Patch.PatchType.StrategicMergePatch), "web", "default", cancellationToken: Ct);

        await Eventually(async () => (await Client.AppsV1.ReadNamespacedReplicaSetAsync(original, "default", cancellationToken: Ct)).Spec.Replicas == 1, "the original replica set is scaled back up");
        Assert.Equal(2, (await Client.AppsV1.ListNamespacedReplicaSetAsync("default", cancellationToken: Ct)).Items.Count);
    }

    [Fact]
    public async Task A_stateful_set_creates_ordinal_pods_in_order()
    {
        await Client.AppsV1.CreateNamespacedStatefulSetAsync(ADeployment("db").WithReplicas(3).BuildStatefulSet(), "default", cancellationToken: Ct);

        await Eventually(async () => (await Client.AppsV1.ReadNamespacedStatefulSetAsync("db", "default", cancellationToken: Ct)).Status?.ReadyReplicas == 3, "three replicas are ready");

        var pods = await Pods("app=db");
        Assert.Equal(["db-0", "db-1", "db-2"], pods.OrderBy(p => p.Metadata.CreationTimestamp).ThenBy(p => p.Metadata.Name).Select(p => p.Metadata.Name));
    }

    [Fact]
    public async Task Scaling_a_stateful_set_down_removes_the_highest_ordinals()
    {
        await Client.AppsV1.CreateNamespacedStatefulSetAsync(ADeployment("db").WithReplicas(3).BuildStatefulSet(), "default", cancellationToken: Ct);
        await Eventually(async () => (await Client.AppsV1.ReadNamespacedStatefulSetAsync("db", "default", cancellationToken: Ct)).Status?.ReadyReplicas == 3, "three replicas are ready");

        await Client.AppsV1.PatchNamespacedStatefulSetScaleAsync(new V1Patch("""{"spec":{"replicas":1}}""", V1Patch.PatchType.MergePatch), "db", "default", cancellationToken: Ct);

        await Eventually(async () => (await Pods("app=db")).Select(p => p.Metadata.Name).SequenceEqual(["db-0"]), "only db-0 is left");
    }

    [Fact]
    public async Task An_image_matching_the_failure_pattern_goes_to_image_pull_back_off()
    {
        await Client.CoreV1.CreateNamespacedPodAsync(APod("broken").WithImage("registry.invalid/app:1").Build(), "default", cancellationToken: Ct);

        await Eventually(async () => (await Client.CoreV1.ReadNamespacedPodAsync("broken", "default", cancellationToken: Ct)).Status.ContainerStatuses?[0].State.Waiting?.Reason == "ImagePullBackOff", "the container waits in ImagePullBackOff");

        var pod = await Client.CoreV1.ReadNamespacedPodAsync("broken", "default", cancellationToken: Ct);
        Assert.Equal(("Pending", "False"), (pod.Status.Phase, pod.Status.Conditions.Single(c => c.Type == "Ready").Status));
    }

    [Fact]
    public async Task Logs_of_a_container_stuck_pulling_its_image_are_refused_as_the_kubelet_does()
    {
        await Client.CoreV1.CreateNamespacedPodAsync(APod("broken").WithImage("registry.invalid/app:1").Build(), "default", cancellationToken: Ct);
        await Eventually(async () => (await Client.CoreV1.ReadNamespacedPodAsync("broken", "default", cancellationToken: Ct)).Status.ContainerStatuses?[0].State.Waiting?.Reason == "ImagePullBackOff", "the container waits in ImagePullBackOff");

        var (code, status) = await Refused(() => Client.CoreV1.ReadNamespacedPodLogAsync("broken", "default", cancellationToken: Ct));

        Assert.Equal((400, "container \"app\" in pod \"broken\" is waiting to start: trying and failing to pull image"), (code, status.Message));
    }

    [Fact]
    public async Task Image_pull_failures_are_recorded_as_events_on_the_pod()
    {
        await Client.CoreV1.CreateNamespacedPodAsync(APod("broken").WithImage("registry.invalid/app:1").Build(), "default", cancellationToken: Ct);

        await Eventually(async () => (await Client.CoreV1.ListNamespacedEventAsync("default", fieldSelector: "involvedObject.name=broken,reason=BackOff", cancellationToken: Ct)).Items.Count == 1, "a BackOff event is recorded");
    }

    [Fact]
    public async Task Pods_over_quota_are_not_created_and_a_FailedCreate_event_is_recorded_on_the_replica_set()
    {
        await Client.CoreV1.CreateNamespacedResourceQuotaAsync(AQuota("count", new Dictionary<string, string> { ["pods"] = "1" }), "default", cancellationToken: Ct);

        await Client.AppsV1.CreateNamespacedDeploymentAsync(ADeployment("web").WithReplicas(2).Build(), "default", cancellationToken: Ct);

        await Eventually(async () => (await Client.CoreV1.ListNamespacedEventAsync("default", fieldSelector: "reason=FailedCreate", cancellationToken: Ct)).Items.Count > 0, "a FailedCreate event is recorded");
        var failed = (await Client.CoreV1.ListNamespacedEventAsync("default", fieldSelector: "reason=FailedCreate", cancellationToken: Ct)).Items[0];
        Assert.Equal(("ReplicaSet", "Warning", 1), (failed.InvolvedObject.Kind, failed.Type, (await Pods("app=web")).Count));
        Assert.Matches("^Error creating: pods \"web-[a-z0-9]+-[a-z0-9]{5}\" is forbidden: exceeded quota: count, requested: pods=1, used: pods=1, limited: pods=1$", failed.Message);
    }

    [Fact]
    public async Task Replica_sets_recover_once_quota_is_raised()
    {
        await Client.CoreV1.CreateNamespacedResourceQuotaAsync(AQuota("count", new Dictionary<string, string> { ["pods"] = "1" }), "default", cancellationToken: Ct);
        await Client.AppsV1.CreateNamespacedDeploymentAsync(ADeployment("web").WithReplicas(2).Build(), "default", cancellationToken: Ct);
        await Eventually(async () => (await Client.CoreV1.ListNamespacedEventAsync("default", fieldSelector: "reason=FailedCreate", cancellationToken: Ct)).Items.Count > 0, "a FailedCreate event is recorded");

        await Client.CoreV1.PatchNamespacedResourceQuotaAsync(new V1Patch("""{"spec":{"hard":{"pods":"5"}}}""", V1Patch.PatchType.MergePatch), "count", "default", cancellationToken: Ct);

        await Eventually(async () => (await Pods("app=web")).Count == 2, "the second pod is created");
    }

    [Fact]
    public async Task Pods_refused_by_pod_security_surface_as_FailedCreate_on_the_replica_set()
    {
        await CreateNamespace("locked", new Dictionary<string, string> { ["pod-security.kubernetes.io/enforce"] = "restricted" });

        await Client.AppsV1.CreateNamespacedDeploymentAsync(ADeployment("web").Build(), "locked", cancellationToken: Ct);

        await Eventually(async () => (await Client.CoreV1.ListNamespacedEventAsync("locked", fieldSelector: "reason=FailedCreate", cancellationToken: Ct)).Items
            .Any(e => e.Message.Contains("violates PodSecurity \"restricted:latest\"", StringComparison.Ordinal)), "a FailedCreate event names the Pod Security violation");
    }

    [Fact]
    public async Task Pod_disruption_budgets_report_allowed_disruptions()
    {
        await Client.AppsV1.CreateNamespacedDeploymentAsync(ADeployment("web").WithReplicas(3).Build(), "default", cancellationToken: Ct);
        await Client.PolicyV1.CreateNamespacedPodDisruptionBudgetAsync(new V1PodDisruptionBudget
        {
            Metadata = new V1ObjectMeta { Name = "web" },
            Spec = new V1PodDisruptionBudgetSpec { MinAvailable = 2, Selector = new V1LabelSelector { MatchLabels = new Dictionary<string, string> { ["app"] = "web" } } },
        }, "default", cancellationToken: Ct);

        await Eventually(async () => (await Client.PolicyV1.ReadNamespacedPodDisruptionBudgetAsync("web", "default", cancellationToken: Ct)).Status?.DisruptionsAllowed == 1, "one disruption is allowed");
    }
}
