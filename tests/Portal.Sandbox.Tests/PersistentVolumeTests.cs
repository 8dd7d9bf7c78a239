using k8s;
using k8s.Models;
using static Portal.Sandbox.Tests.Builders;
using static Portal.Sandbox.Tests.StorageBuilders;

namespace Portal.Sandbox.Tests;

/// <summary>PersistentVolumeClaims as a cluster with a default StorageClass handles them: provisioning, binding, quota, protection.</summary>
public sealed class PersistentVolumeClaimTests : SandboxTest
{
    const string Ns = "default";

    async Task<V1PersistentVolumeClaim> Claim(string name) => await Client.CoreV1.ReadNamespacedPersistentVolumeClaimAsync(name, Ns, cancellationToken: Ct);

    async Task<bool> IsBound(string name) => (await Claim(name)).Status?.Phase == "Bound";

    async Task<IList<Corev1Event>> EventsFor(string name, string reason) =>
        (await Client.CoreV1.ListNamespacedEventAsync(Ns, fieldSelector: $"involvedObject.name={name},reason={reason}", cancellationToken: Ct)).Items;

    [Fact]
    public async Task The_sandbox_starts_with_a_default_storage_class_named_standard()
    {
        var classes = await Client.StorageV1.ListStorageClassAsync(cancellationToken: Ct);

        var standard = Assert.Single(classes.Items);
        Assert.Equal(("standard", "true", "Immediate", "Delete"),
            (standard.Metadata.Name, standard.Metadata.Annotations["storageclass.kubernetes.io/is-default-class"], standard.VolumeBindingMode, standard.ReclaimPolicy));
    }

    [Fact]
    public async Task A_claim_without_a_class_gets_the_default_class_and_binds_to_a_provisioned_volume()
    {
        var created = await Client.CoreV1.CreateNamespacedPersistentVolumeClaimAsync(AClaim("data").Requesting("2Gi").Build(), Ns, cancellationToken: Ct);
        await Eventually(() => IsBound("data"), "the claim is Bound");

        var claim = await Claim("data");
        var volume = await Client.CoreV1.ReadPersistentVolumeAsync($"pvc-{created.Metadata.Uid}", cancellationToken: Ct);
        Assert.Equal(("standard", volume.Metadata.Name, "2Gi", "data", "Delete"),
            (claim.Spec.StorageClassName, claim.Spec.VolumeName, claim.Status.Capacity["storage"].ToString(), volume.Spec.ClaimRef.Name, volume.Spec.PersistentVolumeReclaimPolicy));
    }

    [Fact]
    public async Task Claims_carry_the_pvc_protection_finalizer()
    {
        var created = await Client.CoreV1.CreateNamespacedPersistentVolumeClaimAsync(AClaim("data").Build(), Ns, cancellationToken: Ct);

        Assert.Contains("kubernetes.io/pvc-protection", created.Metadata.Finalizers);
    }

    [Fact]
    public async Task A_claim_naming_a_missing_class_stays_pending_with_a_provisioning_failed_warning()
    {
        await Client.CoreV1.CreateNamespacedPersistentVolumeClaimAsync(AClaim("data").OfClass("fast").Build(), Ns, cancellationToken: Ct);

        await Eventually(async () => (await EventsFor("data", "ProvisioningFailed")).Count > 0, "a ProvisioningFailed event is recorded");
        var warning = (await EventsFor("data", "ProvisioningFailed"))[0];
        Assert.Equal(("Warning", "storageclass.storage.k8s.io \"fast\" not found", "Pending"), (warning.Type, warning.Message, (await Claim("data")).Status?.Phase));
    }

    [Fact]
    public async Task A_pending_claim_binds_once_its_class_is_created()
    {
        await Client.CoreV1.CreateNamespacedPersistentVolumeClaimAsync(AClaim("data").OfClass("fast").Build(), Ns, cancellationToken: Ct);
        await Eventually(async () => (await EventsFor("data", "ProvisioningFailed")).Count > 0, "the claim waits for its class");

        await Client.StorageV1.CreateStorageClassAsync(AStorageClass("fast"), cancellationToken: Ct);

        await Eventually(() => IsBound("data"), "the claim is Bound");
    }

    [Fact]
    public async Task A_claims_spec_is_immutable_except_its_storage_request()
    {
        await Client.CoreV1.CreateNamespacedPersistentVolumeClaimAsync(AClaim("data").Build(), Ns, cancellationToken: Ct);
        await Eventually(() => IsBound("data"), "the claim is Bound");
        var patch = new V1Patch("""{"spec":{"accessModes":["ReadWriteMany"]}}""", V1Patch.PatchType.MergePatch);

        var (code, status) = await Refused(() => Client.CoreV1.PatchNamespacedPersistentVolumeClaimAsync(patch, "data", Ns, cancellationToken: Ct));

        Assert.Equal((422, "Invalid", "spec"), (code, status.Reason, status.Details.Causes.Single().Field));
    }

    [Fact]
    public async Task Re_applying_a_bound_claim_without_a_class_changes_nothing()
    {
        var apply = new V1Patch(KubernetesJson.Serialize(AClaim("data").Build()), V1Patch.PatchType.ApplyPatch);
        await Client.CoreV1.PatchNamespacedPersistentVolumeClaimAsync(apply, "data", Ns, fieldManager: "portal", force: true, cancellationToken: Ct);
        await Eventually(() => IsBound("data"), "the claim is Bound");
        var bound = await Claim("data");

        var again = await Client.CoreV1.PatchNamespacedPersistentVolumeClaimAsync(apply, "data", Ns, fieldManager: "portal", force: true, cancellationToken: Ct);

        Assert.Equal(bound.Metadata.ResourceVersion, again.Metadata.ResourceVersion);
    }

    [Fact]
    public async Task A_bound_claims_storage_request_may_grow()
    {
        await Client.CoreV1.CreateNamespacedPersistentVolumeClaimAsync(AClaim("data").Build(), Ns, cancellationToken: Ct);
        await Eventually(() => IsBound("data"), "the claim is Bound");
        var patch = new V1Patch("""{"spec":{"resources":{"requests":{"storage":"5Gi"}}}}""", V1Patch.PatchType.MergePatch);

        var grown = await Client.CoreV1.PatchNamespacedPersistentVolumeClaimAsync(patch, "data", Ns, cancellationToken: Ct);

        Assert.Equal("5Gi", grown.Spec.Resources.Requests["storage"].ToString());
    }

    [Fact]
    public async Task Quota_refuses_a_claim_over_requests_storage()
    {
        await Client.CoreV1.CreateNamespacedResourceQuotaAsync(AQuota("storage", new Dictionary<string, string> { ["requests.storage"] = "5Gi" }), Ns, cancellationToken: Ct);
        await Client.CoreV1.CreateNamespacedPersistentVolumeClaimAsync(AClaim("first").Requesting("4Gi").Build(), Ns, cancellationToken: Ct);

        var (code, status) = await Refused(() => Client.CoreV1.CreateNamespacedPersistentVolumeClaimAsync(AClaim("second").Requesting("2Gi").Build(), Ns, cancellationToken: Ct));

        Assert.Equal((403, "persistentvolumeclaims \"second\" is forbidden: exceeded quota: storage, requested: requests.storage=2Gi, used: requests.storage=4Gi, limited: requests.storage=5Gi"),
            (code, status.Message));
    }

    [Fact]
    public async Task Quota_refuses_a_claim_over_its_storage_class_claim_count()
    {
        await Client.CoreV1.CreateNamespacedResourceQuotaAsync(AQuota("storage", new Dictionary<string, string> { ["standard.storageclass.storage.k8s.io/persistentvolumeclaims"] = "1" }), Ns, cancellationToken: Ct);
        await Client.CoreV1.CreateNamespacedPersistentVolumeClaimAsync(AClaim("first").Build(), Ns, cancellationToken: Ct);

        var (_, status) = await Refused(() => Client.CoreV1.CreateNamespacedPersistentVolumeClaimAsync(AClaim("second").Build(), Ns, cancellationToken: Ct));

        Assert.Equal("persistentvolumeclaims \"second\" is forbidden: exceeded quota: storage, requested: standard.storageclass.storage.k8s.io/persistentvolumeclaims=1, used: standard.storageclass.storage.k8s.io/persistentvolumeclaims=1, limited: standard.storageclass.storage.k8s.io/persistentvolumeclaims=1",
            status.Message);
    }

    [Fact]
    public async Task Quota_status_counts_claims_and_their_storage_per_class()
    {
        await Client.CoreV1.CreateNamespacedResourceQuotaAsync(AQuota("storage", new Dictionary<string, string>
        {
            ["persistentvolumeclaims"] = "10",
            ["requests.storage"] = "100Gi",
            ["standard.storageclass.storage.k8s.io/requests.storage"] = "50Gi",
        }), Ns, cancellationToken: Ct);
        await Client.CoreV1.CreateNamespacedPersistentVolumeClaimAsync(AClaim("first").Requesting("1Gi").Build(), Ns, cancellationToken: Ct);
        await Client.CoreV1.CreateNamespacedPersistentVolumeClaimAsync(AClaim("second").Requesting("2Gi").Build(), Ns, cancellationToken: Ct);

        await Eventually(async () => (await Client.CoreV1.ReadNamespacedResourceQuotaAsync("storage", Ns, cancellationToken: Ct)).Status?.Used?["persistentvolumeclaims"].ToString() == "2",
            "the quota counts both claims");

        var used = (await Client.CoreV1.ReadNamespacedResourceQuotaAsync("storage", Ns, cancellationToken: Ct)).Status.Used;
        Assert.Equal(("3Gi", "3Gi"), (used["requests.storage"].ToString(), used["standard.storageclass.storage.k8s.io/requests.storage"].ToString()));
    }

    [Fact]
    public async Task A_claim_in_use_stays_terminating_until_its_pod_goes_then_its_volume_is_deleted()
    {
        var claim = await Client.CoreV1.CreateNamespacedPersistentVolumeClaimAsync(AClaim("data").Build(), Ns, cancellationToken: Ct);
        await Eventually(() => IsBound("data"), "the claim is Bound");
        await Client.CoreV1.CreateNamespacedPodAsync(APodWithVolumes("app", ClaimVolume("data", "data")), Ns, cancellationToken: Ct);
        await Client.CoreV1.DeleteNamespacedPersistentVolumeClaimAsync("data", Ns, cancellationToken: Ct);
        Assert.NotNull((await Claim("data")).Metadata.DeletionTimestamp);

        await Client.CoreV1.DeleteNamespacedPodAsync("app", Ns, cancellationToken: Ct);

        await Eventually(async () => (await Client.CoreV1.ListPersistentVolumeAsync(cancellationToken: Ct)).Items.All(v => v.Metadata.Name != $"pvc-{claim.Metadata.Uid}"),
            "the claim's volume is deleted");
    }
}

/// <summary>Pods with volumes, secrets and config: Pod Security, the scheduler's and the kubelet's waits.</summary>
public sealed class PodVolumeTests : SandboxTest
{
    const string Ns = "apps";

    public override async ValueTask InitializeAsync()
    {
        await base.InitializeAsync();
        await CreateNamespace(Ns, new Dictionary<string, string> { ["pod-security.kubernetes.io/enforce"] = "restricted" });
    }

    async Task<V1Pod> Pod(string name) => await Client.CoreV1.ReadNamespacedPodAsync(name, Ns, cancellationToken: Ct);

    [Fact]
    public async Task Restricted_pod_security_admits_claim_secret_and_config_map_volumes()
    {
        var pod = APodWithVolumes("app",
            ClaimVolume("data", "data"),
            new V1Volume { Name = "token", Secret = new V1SecretVolumeSource { SecretName = "token" } },
            new V1Volume { Name = "conf", ConfigMap = new V1ConfigMapVolumeSource { Name = "conf" } },
            new V1Volume { Name = "scratch", EmptyDir = new V1EmptyDirVolumeSource() });

        var created = await Client.CoreV1.CreateNamespacedPodAsync(pod, Ns, cancellationToken: Ct);

        Assert.Equal(4, created.Spec.Volumes.Count);
    }

    [Fact]
    public async Task Restricted_pod_security_refuses_a_host_path_volume()
    {
        var pod = APodWithVolumes("app", new V1Volume { Name = "host", HostPath = new V1HostPathVolumeSource { Path = "/var/run" } });

        var (_, status) = await Refused(() => Client.CoreV1.CreateNamespacedPodAsync(pod, Ns, cancellationToken: Ct));

        Assert.Equal("pods \"app\" is forbidden: violates PodSecurity \"restricted:latest\": hostPath volumes (volume \"host\"), restricted volume types (volume \"host\" uses restricted volume type \"hostPath\")",
            status.Message);
    }

    [Fact]
    public async Task A_pod_whose_claim_is_missing_is_unschedulable()
    {
        await Client.CoreV1.CreateNamespacedPodAsync(APodWithVolumes("app", ClaimVolume("data", "data")), Ns, cancellationToken: Ct);

        await Eventually(async () => (await Client.CoreV1.ListNamespacedEventAsync(Ns, fieldSelector: "involvedObject.name=app,reason=FailedScheduling", cancellationToken: Ct)).Items.Count > 0,
            "a FailedScheduling event is recorded");
        var warning = (await Client.CoreV1.ListNamespacedEventAsync(Ns, fieldSelector: "involvedObject.name=app,reason=FailedScheduling", cancellationToken: Ct)).Items[0];
        Assert.Equal("0/1 nodes are available: persistentvolumeclaim \"data\" not found. preemption: 0/1 nodes are available: 1 Preemption is not helpful for scheduling.", warning.Message);
    }

    [Fact]
    public async Task A_pod_whose_claim_is_unbound_is_pending_with_failed_scheduling()
    {
        await Client.CoreV1.CreateNamespacedPersistentVolumeClaimAsync(AClaim("data").OfClass("fast").Build(), Ns, cancellationToken: Ct);
        await Client.CoreV1.CreateNamespacedPodAsync(APodWithVolumes("app", ClaimVolume("data", "data")), Ns, cancellationToken: Ct);

        await Eventually(async () => (await Pod("app")).Status?.Conditions?.Any(c => c.Type == "PodScheduled" && c.Reason == "Unschedulable") == true, "the pod is unschedulable");

        var scheduled = (await Pod("app")).Status.Conditions.Single(c => c.Type == "PodScheduled");
        Assert.Equal(("Pending", "0/1 nodes are available: pod has unbound immediate PersistentVolumeClaims. preemption: 0/1 nodes are available: 1 Preemption is not helpful for scheduling."),
            ((await Pod("app")).Status.Phase, scheduled.Message));
    }

    [Fact]
    public async Task A_pod_with_an_unbound_claim_starts_once_the_claim_binds()
    {
        await Client.CoreV1.CreateNamespacedPersistentVolumeClaimAsync(AClaim("data").OfClass("fast").Build(), Ns, cancellationToken: Ct);
        await Client.CoreV1.CreateNamespacedPodAsync(APodWithVolumes("app", ClaimVolume("data", "data")), Ns, cancellationToken: Ct);
        await Eventually(async () => (await Pod("app")).Status?.Conditions?.Any(c => c.Reason == "Unschedulable") == true, "the pod is unschedulable");

        await Client.StorageV1.CreateStorageClassAsync(AStorageClass("fast"), cancellationToken: Ct);

        await Eventually(async () => (await Pod("app")).Status?.Phase == "Running", "the pod runs");
    }

    [Fact]
    public async Task A_container_naming_a_missing_secret_waits_in_create_container_config_error()
    {
        var pod = APodWithVolumes("app");
        pod.Spec.Containers[0].Env = [new V1EnvVar { Name = "TOKEN", ValueFrom = new V1EnvVarSource { SecretKeyRef = new V1SecretKeySelector { Name = "token", Key = "token" } } }];
        await Client.CoreV1.CreateNamespacedPodAsync(pod, Ns, cancellationToken: Ct);

        await Eventually(async () => (await Pod("app")).Status?.ContainerStatuses?.SingleOrDefault()?.State?.Waiting?.Reason == "CreateContainerConfigError", "the container waits on its config");

        var waiting = (await Pod("app")).Status.ContainerStatuses.Single().State.Waiting;
        Assert.Equal("secret \"token\" not found", waiting.Message);
    }

    [Fact]
    public async Task A_container_waiting_on_a_secret_starts_once_the_secret_is_created()
    {
        var pod = APodWithVolumes("app");
        pod.Spec.Containers[0].EnvFrom = [new V1EnvFromSource { SecretRef = new V1SecretEnvSource { Name = "token" } }];
        await Client.CoreV1.CreateNamespacedPodAsync(pod, Ns, cancellationToken: Ct);
        await Eventually(async () => (await Pod("app")).Status?.ContainerStatuses?.SingleOrDefault()?.State?.Waiting?.Reason == "CreateContainerConfigError", "the container waits on its config");

        await Client.CoreV1.CreateNamespacedSecretAsync(ASecret("token"), Ns, cancellationToken: Ct);

        await Eventually(async () => (await Pod("app")).Status?.Phase == "Running", "the pod runs");
    }
}
