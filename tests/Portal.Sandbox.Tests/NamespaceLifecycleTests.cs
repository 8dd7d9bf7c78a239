using k8s;
using k8s.Models;
using static Portal.Sandbox.Tests.Builders;

namespace Portal.Sandbox.Tests;

public sealed class NamespaceLifecycleTests : SandboxTest
{
    [Fact]
    public async Task A_new_namespace_is_active_and_gets_a_default_service_account()
    {
        var created = await CreateNamespace("team-a");

        await Eventually(async () => (await Client.CoreV1.ListNamespacedServiceAccountAsync("team-a", cancellationToken: Ct)).Items.Any(sa => sa.Metadata.Name == "default"), "the default service account exists");
        Assert.Equal("Active", created.Status.Phase);
    }

    [Fact]
    public async Task Deleting_a_namespace_marks_it_terminating()
    {
        await CreateNamespace("team-a");
        var guarded = AConfigMap("guarded");
        guarded.Metadata.Finalizers = ["example.com/hold"];
        await Client.CoreV1.CreateNamespacedConfigMapAsync(guarded, "team-a", cancellationToken: Ct);

        await Client.CoreV1.DeleteNamespaceAsync("team-a", cancellationToken: Ct);

        var ns = await Client.CoreV1.ReadNamespaceAsync("team-a", cancellationToken: Ct);
        Assert.Equal("Terminating", ns.Status.Phase);
    }

    [Fact]
    public async Task A_terminating_namespace_refuses_new_objects_with_the_real_message()
    {
        await CreateNamespace("team-a");
        var guarded = AConfigMap("guarded");
        guarded.Metadata.Finalizers = ["example.com/hold"];
        await Client.CoreV1.CreateNamespacedConfigMapAsync(guarded, "team-a", cancellationToken: Ct);
        await Client.CoreV1.DeleteNamespaceAsync("team-a", cancellationToken: Ct);

        var (code, status) = await Refused(() => Client.CoreV1.CreateNamespacedConfigMapAsync(AConfigMap("late"), "team-a", cancellationToken: Ct));

        Assert.Equal((403, "Forbidden", "configmaps \"late\" is forbidden: unable to create new content in namespace team-a because it is being terminated"),
            (code, status.Reason, status.Message));
    }

    [Fact]
    public async Task Deleting_a_namespace_deletes_its_contents_and_then_the_namespace()
    {
        await CreateNamespace("team-a");
        await Client.CoreV1.CreateNamespacedConfigMapAsync(AConfigMap("settings"), "team-a", cancellationToken: Ct);
        await Client.AppsV1.CreateNamespacedDeploymentAsync(ADeployment("web").WithReplicas(2).Build(), "team-a", cancellationToken: Ct);

        await Client.CoreV1.DeleteNamespaceAsync("team-a", cancellationToken: Ct);

        await Eventually(async () => (await Client.CoreV1.ListNamespaceAsync(fieldSelector: "metadata.name=team-a", cancellationToken: Ct)).Items.Count == 0, "the namespace is gone");
        var leftovers = await Client.CoreV1.ListConfigMapForAllNamespacesAsync(fieldSelector: "metadata.namespace=team-a", cancellationToken: Ct);
        Assert.Empty(leftovers.Items);
    }

    [Fact]
    public async Task A_namespace_waits_for_finalizers_of_its_contents()
    {
        await CreateNamespace("team-a");
        var guarded = AConfigMap("guarded");
        guarded.Metadata.Finalizers = ["example.com/hold"];
        await Client.CoreV1.CreateNamespacedConfigMapAsync(guarded, "team-a", cancellationToken: Ct);
        await Client.CoreV1.DeleteNamespaceAsync("team-a", cancellationToken: Ct);
        await Eventually(async () => (await Client.CoreV1.ReadNamespacedConfigMapAsync("guarded", "team-a", cancellationToken: Ct)).Metadata.DeletionTimestamp is not null, "the config map is being deleted");

        var held = await Client.CoreV1.ReadNamespacedConfigMapAsync("guarded", "team-a", cancellationToken: Ct);
        held.Metadata.Finalizers = [];
        await Client.CoreV1.ReplaceNamespacedConfigMapAsync(held, "guarded", "team-a", cancellationToken: Ct);

        await Eventually(async () => (await Client.CoreV1.ListNamespaceAsync(fieldSelector: "metadata.name=team-a", cancellationToken: Ct)).Items.Count == 0, "the namespace is gone");
    }
}
