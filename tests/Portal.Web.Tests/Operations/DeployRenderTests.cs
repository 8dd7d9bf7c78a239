using k8s.Models;

namespace Portal.Web.Tests.Operations;

/// <summary>Every overlay in deploy/overlays renders with <c>kubectl kustomize</c> into an install that holds to the operator's bar.</summary>
public sealed class DeployRenderTests
{
    public static TheoryData<string> Overlays => [.. DeployManifests.Overlays];

    private static V1Deployment Portal(string overlay) => DeployManifests.Render($"overlays/{overlay}").OfType<V1Deployment>().Single(d => d.Metadata.Name == "spark-portal");

    private static V1Container Container(string overlay) => Portal(overlay).Spec.Template.Spec.Containers.Single(c => c.Name == "portal");

    [Fact]
    public void There_are_overlays_to_render() => Assert.NotEmpty(DeployManifests.Overlays);

    [Theory]
    [MemberData(nameof(Overlays))]
    public void The_portal_runs_at_least_two_replicas(string overlay) => Assert.True(Portal(overlay).Spec.Replicas >= 2);

    [Theory]
    [MemberData(nameof(Overlays))]
    public void The_portal_has_liveness_readiness_and_startup_probes_on_its_health_endpoints(string overlay)
    {
        var c = Container(overlay);

        Assert.Equal(("/healthz", "/readyz", "/healthz"), (c.LivenessProbe?.HttpGet?.Path, c.ReadinessProbe?.HttpGet?.Path, c.StartupProbe?.HttpGet?.Path));
    }

    [Theory]
    [MemberData(nameof(Overlays))]
    public void The_portal_pod_meets_pod_security_restricted(string overlay)
    {
        var pod = Portal(overlay).Spec.Template.Spec;
        var c = Container(overlay).SecurityContext;

        Assert.Multiple(
            () => Assert.True(pod.SecurityContext?.RunAsNonRoot),
            () => Assert.Equal("RuntimeDefault", pod.SecurityContext?.SeccompProfile?.Type),
            () => Assert.False(c?.AllowPrivilegeEscalation),
            () => Assert.Equal(["ALL"], c?.Capabilities?.Drop ?? []),
            () => Assert.True(c?.ReadOnlyRootFilesystem));
    }

    [Theory]
    [MemberData(nameof(Overlays))]
    public void The_portal_namespace_enforces_pod_security_restricted(string overlay)
    {
        var ns = DeployManifests.Render($"overlays/{overlay}").OfType<V1Namespace>().Single();

        Assert.Equal("restricted", ns.Metadata.Labels?["pod-security.kubernetes.io/enforce"]);
    }

    [Theory]
    [MemberData(nameof(Overlays))]
    public void The_portal_states_its_resources(string overlay)
    {
        var resources = Container(overlay).Resources;

        Assert.Equal(["cpu", "memory"], [.. resources.Requests.Keys.Order()]);
        Assert.Equal(["cpu", "memory"], [.. resources.Limits.Keys.Order()]);
    }

    [Theory]
    [MemberData(nameof(Overlays))]
    public void Every_image_has_a_pinned_tag_never_latest(string overlay)
    {
        var images = DeployManifests.Render($"overlays/{overlay}").OfType<V1Deployment>()
            .SelectMany(d => d.Spec.Template.Spec.Containers.Concat(d.Spec.Template.Spec.InitContainers ?? []).Select(c => c.Image)).ToList();

        Assert.All(images, image =>
        {
            var tag = image.Contains('@', StringComparison.Ordinal) ? "digest" : image[(image.LastIndexOf('/') + 1)..].Split(':').ElementAtOrDefault(1);
            Assert.False(tag is null or "latest", $"{image} has no pinned tag");
        });
    }

    [Theory]
    [MemberData(nameof(Overlays))]
    public void The_cluster_role_is_the_one_the_least_privilege_test_checks(string overlay)
    {
        var rendered = DeployManifests.Render($"overlays/{overlay}").OfType<V1ClusterRole>().Single();
        var derived = DeployManifests.Rbac().ClusterRole;

        Assert.Equal(Rules(derived), Rules(rendered));
    }

    [Theory]
    [MemberData(nameof(Overlays))]
    public void The_disruption_budget_and_network_policy_select_the_portal_pods(string overlay)
    {
        var objects = DeployManifests.Render($"overlays/{overlay}");
        var podLabels = Portal(overlay).Spec.Template.Metadata.Labels;
        var pdb = objects.OfType<V1PodDisruptionBudget>().Single();
        var policy = objects.OfType<V1NetworkPolicy>().Single(p => p.Metadata.NamespaceProperty == "spark-portal");

        Assert.Multiple(
            () => Assert.Subset(podLabels.ToHashSet(), pdb.Spec.Selector.MatchLabels.ToHashSet()),
            () => Assert.Subset(podLabels.ToHashSet(), policy.Spec.PodSelector.MatchLabels.ToHashSet()),
            () => Assert.Equal(["Egress", "Ingress"], [.. policy.Spec.PolicyTypes.Order()]));
    }

    [Theory]
    [MemberData(nameof(Overlays))]
    public void The_ingress_routes_to_the_portal_service_http_port(string overlay)
    {
        var objects = DeployManifests.Render($"overlays/{overlay}");
        var service = objects.OfType<V1Service>().Single(s => s.Metadata.Name == "spark-portal");
        var backend = objects.OfType<V1Ingress>().Single(i => i.Metadata.Name == "spark-portal").Spec.Rules.Single().Http.Paths.Single().Backend.Service;

        Assert.Equal((service.Metadata.Name, "http"), (backend.Name, backend.Port.Name));
    }

    [Theory]
    [MemberData(nameof(Overlays))]
    public void The_gateway_ingress_carries_grpc_to_the_portal_s_gateway_port(string overlay)
    {
        var objects = DeployManifests.Render($"overlays/{overlay}");
        var ingress = objects.OfType<V1Ingress>().Single(i => i.Metadata.Name == "spark-portal-gateway");
        var backend = ingress.Spec.Rules.Single().Http.Paths.Single().Backend.Service;
        var port = objects.OfType<V1Service>().Single(s => s.Metadata.Name == "spark-portal").Spec.Ports.Single(p => p.Name == "grpc");

        Assert.Equal(("GRPC", "spark-portal", "grpc", "grpc"),
            (ingress.Metadata.Annotations["nginx.ingress.kubernetes.io/backend-protocol"], backend.Name, backend.Port.Name, port.TargetPort.Value));
    }

    [Theory]
    [MemberData(nameof(Overlays))]
    public void Database_and_oidc_secrets_and_the_settings_config_map_are_referenced(string overlay)
    {
        var objects = DeployManifests.Render($"overlays/{overlay}");
        var c = Container(overlay);
        var secrets = c.Env.Where(e => e.ValueFrom?.SecretKeyRef is not null).ToDictionary(e => e.Name, e => e.ValueFrom.SecretKeyRef.Name);
        var configMap = c.EnvFrom.Single().ConfigMapRef.Name;

        Assert.Multiple(
            () => Assert.Equal("spark-portal-db", secrets.GetValueOrDefault("ConnectionStrings__Portal")),
            () => Assert.Equal("spark-portal-oidc", secrets.GetValueOrDefault("Authentication__OpenIdConnect__ClientSecret")),
            () => Assert.Contains(objects.OfType<V1ConfigMap>(), m => m.Metadata.Name == configMap));
    }

    private static List<string> Rules(V1ClusterRole role) =>
        [.. Permission.Of(role.Rules, null).Select(p => p.ToString()).Order()];
}
