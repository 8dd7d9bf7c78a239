using k8s;
using k8s.Models;
using static Portal.Sandbox.Tests.Builders;

namespace Portal.Sandbox.Tests;

public sealed class StorageTests : SandboxTest
{
    [Fact]
    public async Task Creating_an_object_assigns_uid_resource_version_and_creation_timestamp()
    {
        var created = await Client.CoreV1.CreateNamespacedConfigMapAsync(AConfigMap("settings"), "default", cancellationToken: Ct);

        Assert.True(Guid.TryParse(created.Metadata.Uid, out _));
        Assert.True(long.Parse(created.Metadata.ResourceVersion, System.Globalization.CultureInfo.InvariantCulture) > 0);
        Assert.NotNull(created.Metadata.CreationTimestamp);
    }

    [Fact]
    public async Task Creating_an_existing_object_is_refused_with_409_AlreadyExists()
    {
        await Client.CoreV1.CreateNamespacedConfigMapAsync(AConfigMap("settings"), "default", cancellationToken: Ct);

        var (code, status) = await Refused(() => Client.CoreV1.CreateNamespacedConfigMapAsync(AConfigMap("settings"), "default", cancellationToken: Ct));

        Assert.Equal((409, "AlreadyExists", "configmaps \"settings\" already exists"), (code, status.Reason, status.Message));
    }

    [Fact]
    public async Task Getting_a_missing_object_returns_404_NotFound_naming_the_resource()
    {
        var (code, status) = await Refused(() => Client.AppsV1.ReadNamespacedDeploymentAsync("ghost", "default", cancellationToken: Ct));

        Assert.Equal((404, "NotFound", "deployments.apps \"ghost\" not found", "apps", "deployments"),
            (code, status.Reason, status.Message, status.Details.Group, status.Details.Kind));
    }

    [Fact]
    public async Task Updating_with_a_stale_resource_version_is_refused_with_409_Conflict()
    {
        var stale = await Client.CoreV1.CreateNamespacedConfigMapAsync(AConfigMap("settings"), "default", cancellationToken: Ct);
        var fresh = await Client.CoreV1.ReadNamespacedConfigMapAsync("settings", "default", cancellationToken: Ct);
        fresh.Data["key"] = "changed";
        await Client.CoreV1.ReplaceNamespacedConfigMapAsync(fresh, "settings", "default", cancellationToken: Ct);

        stale.Data["key"] = "lost update";
        var (code, status) = await Refused(() => Client.CoreV1.ReplaceNamespacedConfigMapAsync(stale, "settings", "default", cancellationToken: Ct));

        Assert.Equal((409, "Conflict"), (code, status.Reason));
        Assert.Contains("the object has been modified", status.Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Generation_is_bumped_by_spec_changes_only()
    {
        var created = await Client.AppsV1.CreateNamespacedDeploymentAsync(ADeployment("web").Build(), "default", cancellationToken: Ct);
        // Unconditional updates (no resourceVersion): the deployment controller writes status meanwhile.
        created.Metadata.ResourceVersion = null;
        created.Metadata.Labels = new Dictionary<string, string> { ["team"] = "a" };
        var relabelled = await Client.AppsV1.ReplaceNamespacedDeploymentAsync(created, "web", "default", cancellationToken: Ct);
        relabelled.Metadata.ResourceVersion = null;
        relabelled.Spec.Replicas = 3;

        var rescaled = await Client.AppsV1.ReplaceNamespacedDeploymentAsync(relabelled, "web", "default", cancellationToken: Ct);

        Assert.Equal((1L, 1L, 2L), (created.Metadata.Generation!.Value, relabelled.Metadata.Generation!.Value, rescaled.Metadata.Generation!.Value));
    }

    [Fact]
    public async Task Changing_a_deployment_selector_is_refused_as_immutable()
    {
        await Client.AppsV1.CreateNamespacedDeploymentAsync(ADeployment("web").Build(), "default", cancellationToken: Ct);
        var patch = new V1Patch("""{"spec":{"selector":{"matchLabels":{"app":"other"}},"template":{"metadata":{"labels":{"app":"other"}}}}}""", V1Patch.PatchType.MergePatch);

        var (code, status) = await Refused(() => Client.AppsV1.PatchNamespacedDeploymentAsync(patch, "web", "default", cancellationToken: Ct));

        Assert.Equal((422, "Deployment.apps \"web\" is invalid: spec.selector: Invalid value: v1.LabelSelector{MatchLabels:map[string]string{\"app\":\"other\"}, MatchExpressions:[]v1.LabelSelectorRequirement(nil)}: field is immutable"),
            (code, status.Message));
    }

    [Fact]
    public async Task Generate_name_creates_a_unique_name_with_the_prefix()
    {
        var body = new V1ConfigMap { Metadata = new V1ObjectMeta { GenerateName = "job-" } };

        var first = await Client.CoreV1.CreateNamespacedConfigMapAsync(body, "default", cancellationToken: Ct);
        var second = await Client.CoreV1.CreateNamespacedConfigMapAsync(body, "default", cancellationToken: Ct);

        Assert.Matches("^job-[a-z0-9]{5}$", first.Metadata.Name);
        Assert.NotEqual(first.Metadata.Name, second.Metadata.Name);
    }

    [Fact]
    public async Task An_invalid_name_is_refused_with_422_and_a_cause_on_metadata_name()
    {
        var (code, status) = await Refused(() => Client.CoreV1.CreateNamespacedConfigMapAsync(AConfigMap("Bad_Name"), "default", cancellationToken: Ct));

        Assert.Equal((422, "Invalid", "metadata.name", "FieldValueInvalid"), (code, status.Reason, status.Details.Causes[0].Field, status.Details.Causes[0].Reason));
        Assert.StartsWith("ConfigMap \"Bad_Name\" is invalid: metadata.name: Invalid value: \"Bad_Name\": a lowercase RFC 1123 subdomain", status.Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task An_invalid_label_value_is_refused_with_422()
    {
        var body = AConfigMap("settings", new Dictionary<string, string> { ["tier"] = "not valid!" });

        var (code, status) = await Refused(() => Client.CoreV1.CreateNamespacedConfigMapAsync(body, "default", cancellationToken: Ct));

        Assert.Equal((422, "metadata.labels"), (code, status.Details.Causes[0].Field));
    }

    [Fact]
    public async Task Creating_in_a_missing_namespace_returns_404_for_the_namespace()
    {
        var (code, status) = await Refused(() => Client.CoreV1.CreateNamespacedConfigMapAsync(AConfigMap("settings"), "nowhere", cancellationToken: Ct));

        Assert.Equal((404, "namespaces \"nowhere\" not found"), (code, status.Message));
    }

    [Fact]
    public async Task Label_selectors_support_equality_and_set_based_requirements()
    {
        foreach (var (name, tier) in new[] { ("a", "web"), ("b", "db"), ("c", "cache") })
            await Client.CoreV1.CreateNamespacedConfigMapAsync(AConfigMap(name, new Dictionary<string, string> { ["tier"] = tier }), "default", cancellationToken: Ct);
        await Client.CoreV1.CreateNamespacedConfigMapAsync(AConfigMap("unlabelled"), "default", cancellationToken: Ct);

        var list = await Client.CoreV1.ListNamespacedConfigMapAsync("default", labelSelector: "tier in (web,db),tier!=db", cancellationToken: Ct);

        Assert.Equal(["a"], list.Items.Select(i => i.Metadata.Name));
    }

    [Fact]
    public async Task Label_selector_without_a_value_matches_objects_lacking_the_label()
    {
        await Client.CoreV1.CreateNamespacedConfigMapAsync(AConfigMap("labelled", new Dictionary<string, string> { ["tier"] = "web" }), "default", cancellationToken: Ct);
        await Client.CoreV1.CreateNamespacedConfigMapAsync(AConfigMap("plain"), "default", cancellationToken: Ct);

        var list = await Client.CoreV1.ListNamespacedConfigMapAsync("default", labelSelector: "!tier", cancellationToken: Ct);

        Assert.Equal(["plain"], list.Items.Select(i => i.Metadata.Name));
    }

    [Fact]
    public async Task Field_selector_on_metadata_name_returns_only_that_object()
    {
        await Client.CoreV1.CreateNamespacedConfigMapAsync(AConfigMap("one"), "default", cancellationToken: Ct);
        await Client.CoreV1.CreateNamespacedConfigMapAsync(AConfigMap("two"), "default", cancellationToken: Ct);

        var list = await Client.CoreV1.ListNamespacedConfigMapAsync("default", fieldSelector: "metadata.name=two", cancellationToken: Ct);

        Assert.Equal(["two"], list.Items.Select(i => i.Metadata.Name));
    }

    [Fact]
    public async Task Listing_across_namespaces_returns_objects_of_every_namespace()
    {
        await CreateNamespace("team-a");
        await Client.CoreV1.CreateNamespacedConfigMapAsync(AConfigMap("x", new Dictionary<string, string> { ["probe"] = "1" }), "team-a", cancellationToken: Ct);
        await Client.CoreV1.CreateNamespacedConfigMapAsync(AConfigMap("x", new Dictionary<string, string> { ["probe"] = "1" }), "default", cancellationToken: Ct);

        var list = await Client.CoreV1.ListConfigMapForAllNamespacesAsync(labelSelector: "probe", cancellationToken: Ct);

        Assert.Equal(["default", "team-a"], list.Items.Select(i => i.Metadata.NamespaceProperty));
    }

    [Fact]
    public async Task Paging_with_limit_and_continue_returns_every_object_once()
    {
        for (var i = 0; i < 5; i++)
            await Client.CoreV1.CreateNamespacedConfigMapAsync(AConfigMap($"cm-{i}"), "default", cancellationToken: Ct);

        var first = await Client.CoreV1.ListNamespacedConfigMapAsync("default", limit: 3, cancellationToken: Ct);
        var rest = await Client.CoreV1.ListNamespacedConfigMapAsync("default", limit: 3, continueParameter: first.Metadata.ContinueProperty, cancellationToken: Ct);

        Assert.Equal(["cm-0", "cm-1", "cm-2", "cm-3", "cm-4"], first.Items.Concat(rest.Items).Select(i => i.Metadata.Name));
    }

    [Fact]
    public async Task Status_sent_to_the_main_resource_is_ignored()
    {
        var created = await Client.AppsV1.CreateNamespacedDeploymentAsync(ADeployment("web").WithReplicas(0).Build(), "default", cancellationToken: Ct);
        created.Metadata.ResourceVersion = null;
        created.Status = new V1DeploymentStatus { Replicas = 42 };

        var updated = await Client.AppsV1.ReplaceNamespacedDeploymentAsync(created, "web", "default", cancellationToken: Ct);

        Assert.NotEqual(42, updated.Status?.Replicas);
    }

    [Fact]
    public async Task Status_subresource_writes_status()
    {
        var created = await Client.AppsV1.CreateNamespacedDeploymentAsync(ADeployment("web").WithReplicas(0).Build(), "default", cancellationToken: Ct);
        created.Metadata.ResourceVersion = null;
        created.Status = new V1DeploymentStatus { Replicas = 7 };

        var updated = await Client.AppsV1.ReplaceNamespacedDeploymentStatusAsync(created, "web", "default", cancellationToken: Ct);

        Assert.Equal(7, updated.Status.Replicas);
    }

    [Fact]
    public async Task Resource_versions_come_from_one_counter_across_kinds()
    {
        var cm = await Client.CoreV1.CreateNamespacedConfigMapAsync(AConfigMap("a"), "default", cancellationToken: Ct);
        var secret = await Client.CoreV1.CreateNamespacedSecretAsync(new V1Secret { Metadata = new V1ObjectMeta { Name = "s" } }, "default", cancellationToken: Ct);

        Assert.True(long.Parse(secret.Metadata.ResourceVersion, System.Globalization.CultureInfo.InvariantCulture) > long.Parse(cm.Metadata.ResourceVersion, System.Globalization.CultureInfo.InvariantCulture));
    }

    [Fact]
    public async Task Secret_string_data_is_stored_base64_encoded_in_data()
    {
        var body = new V1Secret { Metadata = new V1ObjectMeta { Name = "creds" }, StringData = new Dictionary<string, string> { ["password"] = "hunter2" } };

        var created = await Client.CoreV1.CreateNamespacedSecretAsync(body, "default", cancellationToken: Ct);

        Assert.Equal(("hunter2", null), (System.Text.Encoding.UTF8.GetString(created.Data["password"]), created.StringData));
    }

    [Fact]
    public async Task Services_get_a_cluster_ip_that_survives_an_update_without_one()
    {
        var svc = new V1Service { Metadata = new V1ObjectMeta { Name = "web" }, Spec = new V1ServiceSpec { Ports = [new V1ServicePort { Port = 80 }] } };
        var created = await Client.CoreV1.CreateNamespacedServiceAsync(svc, "default", cancellationToken: Ct);
        var allocated = created.Spec.ClusterIP;
        created.Spec.ClusterIP = null;
        created.Spec.ClusterIPs = null;

        var updated = await Client.CoreV1.ReplaceNamespacedServiceAsync(created, "web", "default", cancellationToken: Ct);

        Assert.Equal(allocated, updated.Spec.ClusterIP);
    }

    [Fact]
    public async Task Deleting_an_object_removes_it()
    {
        await Client.CoreV1.CreateNamespacedConfigMapAsync(AConfigMap("doomed"), "default", cancellationToken: Ct);

        await Client.CoreV1.DeleteNamespacedConfigMapAsync("doomed", "default", cancellationToken: Ct);

        var (code, _) = await Refused(() => Client.CoreV1.ReadNamespacedConfigMapAsync("doomed", "default", cancellationToken: Ct));
        Assert.Equal(404, code);
    }

    [Fact]
    public async Task Deleting_an_object_with_a_finalizer_marks_it_and_removing_the_finalizer_deletes_it()
    {
        var body = AConfigMap("guarded");
        body.Metadata.Finalizers = ["example.com/cleanup"];
        await Client.CoreV1.CreateNamespacedConfigMapAsync(body, "default", cancellationToken: Ct);
        await Client.CoreV1.DeleteNamespacedConfigMapAsync("guarded", "default", cancellationToken: Ct);
        var marked = await Client.CoreV1.ReadNamespacedConfigMapAsync("guarded", "default", cancellationToken: Ct);
        Assert.NotNull(marked.Metadata.DeletionTimestamp);

        marked.Metadata.Finalizers = [];
        await Client.CoreV1.ReplaceNamespacedConfigMapAsync(marked, "guarded", "default", cancellationToken: Ct);

        var list = await Client.CoreV1.ListNamespacedConfigMapAsync("default", fieldSelector: "metadata.name=guarded", cancellationToken: Ct);
        Assert.Empty(list.Items);
    }

    [Fact]
    public async Task Every_kind_in_the_issue_supports_create_and_get()
    {
        await Client.RbacAuthorizationV1.CreateNamespacedRoleAsync(new V1Role { Metadata = new V1ObjectMeta { Name = "reader" }, Rules = [new V1PolicyRule { Verbs = ["get"], Resources = ["pods"], ApiGroups = [""] }] }, "default", cancellationToken: Ct);
        await Client.RbacAuthorizationV1.CreateNamespacedRoleBindingAsync(new V1RoleBinding { Metadata = new V1ObjectMeta { Name = "reader" }, RoleRef = new V1RoleRef { ApiGroup = "rbac.authorization.k8s.io", Kind = "Role", Name = "reader" }, Subjects = [new Rbacv1Subject { Kind = "ServiceAccount", Name = "default", NamespaceProperty = "default" }] }, "default", cancellationToken: Ct);
        await Client.NetworkingV1.CreateNamespacedNetworkPolicyAsync(new V1NetworkPolicy { Metadata = new V1ObjectMeta { Name = "deny" }, Spec = new V1NetworkPolicySpec { PodSelector = new V1LabelSelector() } }, "default", cancellationToken: Ct);
        await Client.PolicyV1.CreateNamespacedPodDisruptionBudgetAsync(new V1PodDisruptionBudget { Metadata = new V1ObjectMeta { Name = "pdb" }, Spec = new V1PodDisruptionBudgetSpec { MinAvailable = 1, Selector = new V1LabelSelector { MatchLabels = new Dictionary<string, string> { ["app"] = "x" } } } }, "default", cancellationToken: Ct);
        await Client.CoordinationV1.CreateNamespacedLeaseAsync(new V1Lease { Metadata = new V1ObjectMeta { Name = "leader" }, Spec = new V1LeaseSpec { HolderIdentity = "me" } }, "default", cancellationToken: Ct);
        await Client.CoreV1.CreateNamespacedServiceAccountAsync(new V1ServiceAccount { Metadata = new V1ObjectMeta { Name = "bot" } }, "default", cancellationToken: Ct);
        await Client.CoreV1.CreateNamespacedLimitRangeAsync(new V1LimitRange { Metadata = new V1ObjectMeta { Name = "limits" }, Spec = new V1LimitRangeSpec { Limits = [new V1LimitRangeItem { Type = "Container" }] } }, "default", cancellationToken: Ct);
        await Client.CoreV1.CreateNamespacedEventAsync(new Corev1Event { Metadata = new V1ObjectMeta { Name = "e1" }, InvolvedObject = new V1ObjectReference { Kind = "Pod", Name = "x" }, Reason = "Test", Message = "hello" }, "default", cancellationToken: Ct);

        var lease = await Client.CoordinationV1.ReadNamespacedLeaseAsync("leader", "default", cancellationToken: Ct);

        Assert.Equal("me", lease.Spec.HolderIdentity);
    }
}
