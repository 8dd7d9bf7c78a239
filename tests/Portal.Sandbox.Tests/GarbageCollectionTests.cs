using k8s;
using k8s.Models;
using static Portal.Sandbox.Tests.Builders;

namespace Portal.Sandbox.Tests;

public sealed class GarbageCollectionTests : SandboxTest
{
    async Task<V1ConfigMap> CreateOwnerWithDependent(string owner, string dependent)
    {
        var parent = await Client.CoreV1.CreateNamespacedConfigMapAsync(AConfigMap(owner), "default", cancellationToken: Ct);
        var child = AConfigMap(dependent);
        child.Metadata.OwnerReferences = [new V1OwnerReference { ApiVersion = "v1", Kind = "ConfigMap", Name = owner, Uid = parent.Metadata.Uid, BlockOwnerDeletion = true }];
        await Client.CoreV1.CreateNamespacedConfigMapAsync(child, "default", cancellationToken: Ct);
        return parent;
    }

    async Task<bool> Exists(string name) =>
        (await Client.CoreV1.ListNamespacedConfigMapAsync("default", fieldSelector: $"metadata.name={name}", cancellationToken: Ct)).Items.Count == 1;

    [Fact]
    public async Task Background_deletion_collects_dependents_after_the_owner_is_gone()
    {
        await CreateOwnerWithDependent("parent", "child");

        await Client.CoreV1.DeleteNamespacedConfigMapAsync("parent", "default", propagationPolicy: "Background", cancellationToken: Ct);

        await Eventually(async () => !await Exists("child"), "the dependent is collected");
    }

    [Fact]
    public async Task Foreground_deletion_keeps_the_owner_until_its_dependents_are_gone()
    {
        await CreateOwnerWithDependent("parent", "child");
        var guarded = await Client.CoreV1.ReadNamespacedConfigMapAsync("child", "default", cancellationToken: Ct);
        guarded.Metadata.Finalizers = ["example.com/hold"];
        await Client.CoreV1.ReplaceNamespacedConfigMapAsync(guarded, "child", "default", cancellationToken: Ct);

        await Client.CoreV1.DeleteNamespacedConfigMapAsync("parent", "default", propagationPolicy: "Foreground", cancellationToken: Ct);
        await Eventually(async () => (await Client.CoreV1.ReadNamespacedConfigMapAsync("child", "default", cancellationToken: Ct)).Metadata.DeletionTimestamp is not null, "the dependent is being deleted");

        var owner = await Client.CoreV1.ReadNamespacedConfigMapAsync("parent", "default", cancellationToken: Ct);
        Assert.Contains("foregroundDeletion", owner.Metadata.Finalizers);
    }

    [Fact]
    public async Task Foreground_deletion_removes_the_owner_once_dependents_are_gone()
    {
        await CreateOwnerWithDependent("parent", "child");

        await Client.CoreV1.DeleteNamespacedConfigMapAsync("parent", "default", propagationPolicy: "Foreground", cancellationToken: Ct);

        await Eventually(async () => !await Exists("parent") && !await Exists("child"), "owner and dependent are gone");
    }

    [Fact]
    public async Task Orphan_deletion_keeps_dependents_and_strips_their_owner_reference()
    {
        await CreateOwnerWithDependent("parent", "child");

        await Client.CoreV1.DeleteNamespacedConfigMapAsync("parent", "default", propagationPolicy: "Orphan", cancellationToken: Ct);

        await Eventually(async () => !await Exists("parent"), "the owner is gone");
        var child = await Client.CoreV1.ReadNamespacedConfigMapAsync("child", "default", cancellationToken: Ct);
        Assert.Null(child.Metadata.OwnerReferences);
    }

    [Fact]
    public async Task A_dependent_with_another_live_owner_is_kept()
    {
        var first = await CreateOwnerWithDependent("parent", "child");
        var second = await Client.CoreV1.CreateNamespacedConfigMapAsync(AConfigMap("other-parent"), "default", cancellationToken: Ct);
        var child = await Client.CoreV1.ReadNamespacedConfigMapAsync("child", "default", cancellationToken: Ct);
        child.Metadata.OwnerReferences.Add(new V1OwnerReference { ApiVersion = "v1", Kind = "ConfigMap", Name = "other-parent", Uid = second.Metadata.Uid });
        await Client.CoreV1.ReplaceNamespacedConfigMapAsync(child, "child", "default", cancellationToken: Ct);

        await Client.CoreV1.DeleteNamespacedConfigMapAsync("parent", "default", cancellationToken: Ct);

        await Eventually(async () => (await Client.CoreV1.ReadNamespacedConfigMapAsync("child", "default", cancellationToken: Ct)).Metadata.OwnerReferences.Count == 1, "the gone owner's reference is removed");
        Assert.NotEqual(first.Metadata.Uid, second.Metadata.Uid);
    }

    [Fact]
    public async Task Deleting_a_deployment_deletes_its_replica_sets_and_pods()
    {
        await Client.AppsV1.CreateNamespacedDeploymentAsync(ADeployment("web").WithReplicas(2).Build(), "default", cancellationToken: Ct);
        await Eventually(async () => (await Client.CoreV1.ListNamespacedPodAsync("default", labelSelector: "app=web", cancellationToken: Ct)).Items.Count == 2, "two pods exist");

        await Client.AppsV1.DeleteNamespacedDeploymentAsync("web", "default", cancellationToken: Ct);

        await Eventually(async () => (await Client.CoreV1.ListNamespacedPodAsync("default", labelSelector: "app=web", cancellationToken: Ct)).Items.Count == 0
            && (await Client.AppsV1.ListNamespacedReplicaSetAsync("default", cancellationToken: Ct)).Items.Count == 0, "replica sets and pods are collected");
    }
}
