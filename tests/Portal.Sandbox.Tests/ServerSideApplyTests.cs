using k8s;
using k8s.Models;
using static Portal.Sandbox.Tests.Builders;

namespace Portal.Sandbox.Tests;

public sealed class ServerSideApplyTests : SandboxTest
{
    static V1Patch Apply(object obj) => new(KubernetesJson.Serialize(obj), V1Patch.PatchType.ApplyPatch);

    static V1ConfigMap Settings(string value) => new()
    {
        ApiVersion = "v1",
        Kind = "ConfigMap",
        Metadata = new V1ObjectMeta { Name = "settings", NamespaceProperty = "default" },
        Data = new Dictionary<string, string> { ["mode"] = value },
    };

    [Fact]
    public async Task Apply_creates_the_object_when_absent_and_records_the_field_manager()
    {
        var created = await Client.CoreV1.PatchNamespacedConfigMapAsync(Apply(Settings("fast")), "settings", "default", fieldManager: "portal", force: true, cancellationToken: Ct);

        Assert.Equal(("fast", "portal", "Apply"), (created.Data["mode"], created.Metadata.ManagedFields[0].Manager, created.Metadata.ManagedFields[0].Operation));
    }

    [Fact]
    public async Task Reapplying_identical_content_changes_neither_resource_version_nor_generation()
    {
        var deployment = ADeployment("web").WithReplicas(0).Build();
        var first = await Client.AppsV1.PatchNamespacedDeploymentAsync(Apply(deployment), "web", "default", fieldManager: "portal", force: true, cancellationToken: Ct);
        await Eventually(async () => (await Client.AppsV1.ReadNamespacedDeploymentAsync("web", "default", cancellationToken: Ct)).Status?.ObservedGeneration == 1, "the controller observed the deployment");
        var settled = await Client.AppsV1.ReadNamespacedDeploymentAsync("web", "default", cancellationToken: Ct);

        var second = await Client.AppsV1.PatchNamespacedDeploymentAsync(Apply(deployment), "web", "default", fieldManager: "portal", force: true, cancellationToken: Ct);

        Assert.Equal((settled.Metadata.ResourceVersion, first.Metadata.Generation), (second.Metadata.ResourceVersion, second.Metadata.Generation));
    }

    [Fact]
    public async Task Applying_a_changed_spec_bumps_generation()
    {
        await Client.AppsV1.PatchNamespacedDeploymentAsync(Apply(ADeployment("web").WithReplicas(1).Build()), "web", "default", fieldManager: "portal", force: true, cancellationToken: Ct);

        var changed = await Client.AppsV1.PatchNamespacedDeploymentAsync(Apply(ADeployment("web").WithReplicas(2).Build()), "web", "default", fieldManager: "portal", force: true, cancellationToken: Ct);

        Assert.Equal(2, changed.Metadata.Generation);
    }

    [Fact]
    public async Task Applying_a_field_owned_by_another_manager_without_force_is_a_409_conflict()
    {
        await Client.CoreV1.PatchNamespacedConfigMapAsync(Apply(Settings("fast")), "settings", "default", fieldManager: "alice", cancellationToken: Ct);

        var (code, status) = await Refused(() => Client.CoreV1.PatchNamespacedConfigMapAsync(Apply(Settings("slow")), "settings", "default", fieldManager: "bob", cancellationToken: Ct));

        Assert.Equal((409, "Conflict", "Apply failed with 1 conflict: conflict with \"alice\" using v1: .data.mode"), (code, status.Reason, status.Message));
    }

    [Fact]
    public async Task Applying_with_force_takes_ownership_of_conflicting_fields()
    {
        await Client.CoreV1.PatchNamespacedConfigMapAsync(Apply(Settings("fast")), "settings", "default", fieldManager: "alice", cancellationToken: Ct);

        var taken = await Client.CoreV1.PatchNamespacedConfigMapAsync(Apply(Settings("slow")), "settings", "default", fieldManager: "bob", force: true, cancellationToken: Ct);

        Assert.Equal(("slow", "bob"), (taken.Data["mode"], string.Join(",", taken.Metadata.ManagedFields.Select(m => m.Manager))));
    }

    [Fact]
    public async Task A_field_dropped_from_the_applied_configuration_is_removed()
    {
        var both = Settings("fast");
        both.Data["extra"] = "yes";
        await Client.CoreV1.PatchNamespacedConfigMapAsync(Apply(both), "settings", "default", fieldManager: "portal", cancellationToken: Ct);

        var applied = await Client.CoreV1.PatchNamespacedConfigMapAsync(Apply(Settings("fast")), "settings", "default", fieldManager: "portal", cancellationToken: Ct);

        Assert.Equal(["mode"], applied.Data.Keys);
    }

    [Fact]
    public async Task Apply_accepts_a_yaml_body()
    {
        const string yaml = """
            apiVersion: v1
            kind: ConfigMap
            metadata:
              name: settings
            data:
              mode: "0755"
            """;

        // Raw HTTP: KubernetesClient always sends JSON, kubectl and other clients may send YAML.
        using var http = new HttpClient { BaseAddress = Sandbox.BaseAddress };
        using var content = new StringContent(yaml, System.Text.Encoding.UTF8, "application/apply-patch+yaml");
        using var response = await http.PatchAsync("/api/v1/namespaces/default/configmaps/settings?fieldManager=portal", content, Ct);

        var applied = KubernetesJson.Deserialize<V1ConfigMap>(await response.Content.ReadAsStringAsync(Ct));
        Assert.Equal("0755", applied.Data["mode"]);
    }

    [Fact]
    public async Task Apply_without_a_field_manager_is_refused_with_422()
    {
        var (code, _) = await Refused(() => Client.CoreV1.PatchNamespacedConfigMapAsync(Apply(Settings("fast")), "settings", "default", cancellationToken: Ct));

        Assert.Equal(422, code);
    }
}
