using k8s;
using k8s.Models;
using static Portal.Sandbox.Tests.Builders;

namespace Portal.Sandbox.Tests;

public sealed class LimitRangeTests : SandboxTest
{
    [Fact]
    public async Task Limit_range_defaults_fill_missing_container_requests_and_limits()
    {
        await Client.CoreV1.CreateNamespacedLimitRangeAsync(new V1LimitRange
        {
            Metadata = new V1ObjectMeta { Name = "defaults" },
            Spec = new V1LimitRangeSpec
            {
                Limits =
                [
                    new V1LimitRangeItem
                    {
                        Type = "Container",
                        DefaultProperty = new Dictionary<string, ResourceQuantity> { ["cpu"] = new("500m"), ["memory"] = new("256Mi") },
                        DefaultRequest = new Dictionary<string, ResourceQuantity> { ["cpu"] = new("100m"), ["memory"] = new("128Mi") },
                    },
                ],
            },
        }, "default", cancellationToken: Ct);

        var pod = await Client.CoreV1.CreateNamespacedPodAsync(APod("web").Build(), "default", cancellationToken: Ct);

        var resources = pod.Spec.Containers[0].Resources;
        Assert.Equal(("100m", "128Mi", "500m", "256Mi"),
            (resources.Requests["cpu"].ToString(), resources.Requests["memory"].ToString(), resources.Limits["cpu"].ToString(), resources.Limits["memory"].ToString()));
    }

    [Fact]
    public async Task Limit_range_maximum_refuses_a_container_over_it()
    {
        await Client.CoreV1.CreateNamespacedLimitRangeAsync(new V1LimitRange
        {
            Metadata = new V1ObjectMeta { Name = "max" },
            Spec = new V1LimitRangeSpec { Limits = [new V1LimitRangeItem { Type = "Container", Max = new Dictionary<string, ResourceQuantity> { ["cpu"] = new("1") } }] },
        }, "default", cancellationToken: Ct);

        var (code, status) = await Refused(() => Client.CoreV1.CreateNamespacedPodAsync(APod("web").WithLimits("2", "1Gi").Build(), "default", cancellationToken: Ct));

        Assert.Equal((403, "pods \"web\" is forbidden: maximum cpu usage per Container is 1, but limit is 2"), (code, status.Message));
    }
}

public sealed class ServiceAccountAdmissionTests : SandboxTest
{
    [Fact]
    public async Task A_pod_naming_a_missing_service_account_is_refused()
    {
        var pod = APod("web").Build();
        pod.Spec.ServiceAccountName = "spark";

        var (code, status) = await Refused(() => Client.CoreV1.CreateNamespacedPodAsync(pod, "default", cancellationToken: Ct));

        Assert.Equal((403, "pods \"web\" is forbidden: error looking up service account default/spark: serviceaccount \"spark\" not found"), (code, status.Message));
    }

    [Fact]
    public async Task A_pod_naming_an_existing_service_account_is_admitted()
    {
        await Client.CoreV1.CreateNamespacedServiceAccountAsync(new V1ServiceAccount { Metadata = new V1ObjectMeta { Name = "spark" } }, "default", cancellationToken: Ct);
        var pod = APod("web").Build();
        pod.Spec.ServiceAccountName = "spark";

        var created = await Client.CoreV1.CreateNamespacedPodAsync(pod, "default", cancellationToken: Ct);

        Assert.Equal("spark", created.Spec.ServiceAccountName);
    }
}

public sealed class PodSecurityTests : SandboxTest
{
    static Dictionary<string, string> Enforce(string level) => new() { ["pod-security.kubernetes.io/enforce"] = level };

    [Fact]
    public async Task Restricted_namespace_refuses_a_default_pod_with_the_real_message()
    {
        await CreateNamespace("locked", Enforce("restricted"));

        var (code, status) = await Refused(() => Client.CoreV1.CreateNamespacedPodAsync(APod("web").Build(), "locked", cancellationToken: Ct));

        Assert.Equal(403, code);
        Assert.Equal(
            "pods \"web\" is forbidden: violates PodSecurity \"restricted:latest\": allowPrivilegeEscalation != false (container \"app\" must set securityContext.allowPrivilegeEscalation=false), " +
            "unrestricted capabilities (container \"app\" must set securityContext.capabilities.drop=[\"ALL\"]), " +
            "runAsNonRoot != true (pod or container \"app\" must set securityContext.runAsNonRoot=true), " +
            "seccompProfile (pod or container \"app\" must set securityContext.seccompProfile.type to \"RuntimeDefault\" or \"Localhost\")",
            status.Message);
    }

    [Fact]
    public async Task Restricted_namespace_admits_a_compliant_pod()
    {
        await CreateNamespace("locked", Enforce("restricted"));

        var pod = await Client.CoreV1.CreateNamespacedPodAsync(APod("web").WithSecurityContext(RestrictedSecurityContext()).Build(), "locked", cancellationToken: Ct);

        Assert.Equal("web", pod.Metadata.Name);
    }

    [Fact]
    public async Task Restricted_namespace_refuses_host_path_volumes_as_a_restricted_volume_type()
    {
        await CreateNamespace("locked", Enforce("restricted"));
        var pod = APod("web").WithSecurityContext(RestrictedSecurityContext()).Build();
        pod.Spec.Volumes = [new V1Volume { Name = "host", HostPath = new V1HostPathVolumeSource { Path = "/etc" } }];

        var (_, status) = await Refused(() => Client.CoreV1.CreateNamespacedPodAsync(pod, "locked", cancellationToken: Ct));

        Assert.Equal("pods \"web\" is forbidden: violates PodSecurity \"restricted:latest\": hostPath volumes (volume \"host\"), restricted volume types (volume \"host\" uses restricted volume type \"hostPath\")", status.Message);
    }

    [Fact]
    public async Task Baseline_namespace_refuses_privileged_containers_and_host_network()
    {
        await CreateNamespace("base", Enforce("baseline"));

        var (_, status) = await Refused(() => Client.CoreV1.CreateNamespacedPodAsync(APod("web").Privileged().OnHostNetwork().Build(), "base", cancellationToken: Ct));

        Assert.Equal("pods \"web\" is forbidden: violates PodSecurity \"baseline:latest\": host namespaces (hostNetwork=true), privileged (container \"app\" must not set securityContext.privileged=true)", status.Message);
    }

    [Fact]
    public async Task Baseline_namespace_admits_a_pod_that_only_restricted_would_refuse()
    {
        await CreateNamespace("base", Enforce("baseline"));

        var pod = await Client.CoreV1.CreateNamespacedPodAsync(APod("web").Build(), "base", cancellationToken: Ct);

        Assert.Equal("web", pod.Metadata.Name);
    }

    [Fact]
    public async Task The_enforce_version_label_appears_in_the_message()
    {
        await CreateNamespace("pinned", new Dictionary<string, string> { ["pod-security.kubernetes.io/enforce"] = "baseline", ["pod-security.kubernetes.io/enforce-version"] = "v1.32" });

        var (_, status) = await Refused(() => Client.CoreV1.CreateNamespacedPodAsync(APod("web").Privileged().Build(), "pinned", cancellationToken: Ct));

        Assert.StartsWith("pods \"web\" is forbidden: violates PodSecurity \"baseline:v1.32\": ", status.Message, StringComparison.Ordinal);
    }
}

public sealed class ResourceQuotaTests : SandboxTest
{
    [Fact]
    public async Task A_pod_over_the_cpu_quota_is_refused_with_the_real_message()
    {
        await Client.CoreV1.CreateNamespacedResourceQuotaAsync(AQuota("compute", new Dictionary<string, string> { ["requests.cpu"] = "1", ["requests.memory"] = "1Gi" }), "default", cancellationToken: Ct);
        await Client.CoreV1.CreateNamespacedPodAsync(APod("first").WithRequests("600m", "512Mi").Build(), "default", cancellationToken: Ct);

        var (code, status) = await Refused(() => Client.CoreV1.CreateNamespacedPodAsync(APod("second").WithRequests("500m", "256Mi").Build(), "default", cancellationToken: Ct));

        Assert.Equal((403, "Forbidden", "pods \"second\" is forbidden: exceeded quota: compute, requested: requests.cpu=500m, used: requests.cpu=600m, limited: requests.cpu=1"),
            (code, status.Reason, status.Message));
    }

    [Fact]
    public async Task Several_exceeded_resources_are_listed_in_name_order()
    {
        await Client.CoreV1.CreateNamespacedResourceQuotaAsync(AQuota("compute", new Dictionary<string, string> { ["requests.cpu"] = "1", ["requests.memory"] = "1Gi" }), "default", cancellationToken: Ct);

        var (_, status) = await Refused(() => Client.CoreV1.CreateNamespacedPodAsync(APod("big").WithRequests("2", "2Gi").Build(), "default", cancellationToken: Ct));

        Assert.Equal("pods \"big\" is forbidden: exceeded quota: compute, requested: requests.cpu=2,requests.memory=2Gi, used: requests.cpu=0,requests.memory=0, limited: requests.cpu=1,requests.memory=1Gi", status.Message);
    }

    [Fact]
    public async Task A_pod_without_requests_under_a_compute_quota_must_specify_them()
    {
        await Client.CoreV1.CreateNamespacedResourceQuotaAsync(AQuota("compute", new Dictionary<string, string> { ["limits.cpu"] = "2", ["limits.memory"] = "2Gi" }), "default", cancellationToken: Ct);

        var (_, status) = await Refused(() => Client.CoreV1.CreateNamespacedPodAsync(APod("web").Build(), "default", cancellationToken: Ct));

        Assert.Equal("pods \"web\" is forbidden: failed quota: compute: must specify limits.cpu for: app; limits.memory for: app", status.Message);
    }

    [Fact]
    public async Task The_pod_count_quota_refuses_one_pod_too_many()
    {
        await Client.CoreV1.CreateNamespacedResourceQuotaAsync(AQuota("count", new Dictionary<string, string> { ["pods"] = "1" }), "default", cancellationToken: Ct);
        await Client.CoreV1.CreateNamespacedPodAsync(APod("first").Build(), "default", cancellationToken: Ct);

        var (_, status) = await Refused(() => Client.CoreV1.CreateNamespacedPodAsync(APod("second").Build(), "default", cancellationToken: Ct));

        Assert.Equal("pods \"second\" is forbidden: exceeded quota: count, requested: pods=1, used: pods=1, limited: pods=1", status.Message);
    }

    [Fact]
    public async Task Object_count_quotas_apply_to_config_maps()
    {
        await Client.CoreV1.CreateNamespacedResourceQuotaAsync(AQuota("objects", new Dictionary<string, string> { ["count/configmaps"] = "1" }), "default", cancellationToken: Ct);
        await Client.CoreV1.CreateNamespacedConfigMapAsync(AConfigMap("first"), "default", cancellationToken: Ct);

        var (_, status) = await Refused(() => Client.CoreV1.CreateNamespacedConfigMapAsync(AConfigMap("second"), "default", cancellationToken: Ct));

        Assert.Equal("configmaps \"second\" is forbidden: exceeded quota: objects, requested: count/configmaps=1, used: count/configmaps=1, limited: count/configmaps=1", status.Message);
    }

    [Fact]
    public async Task The_services_quota_counts_services()
    {
        await Client.CoreV1.CreateNamespacedResourceQuotaAsync(AQuota("objects", new Dictionary<string, string> { ["services"] = "0" }), "default", cancellationToken: Ct);
        var svc = new V1Service { Metadata = new V1ObjectMeta { Name = "web" }, Spec = new V1ServiceSpec { Ports = [new V1ServicePort { Port = 80 }] } };

        var (code, _) = await Refused(() => Client.CoreV1.CreateNamespacedServiceAsync(svc, "default", cancellationToken: Ct));

        Assert.Equal(403, code);
    }

    [Fact]
    public async Task Quota_status_reports_hard_and_used()
    {
        await Client.CoreV1.CreateNamespacedResourceQuotaAsync(AQuota("compute", new Dictionary<string, string> { ["requests.cpu"] = "2", ["requests.memory"] = "2Gi", ["pods"] = "10" }), "default", cancellationToken: Ct);
        await Client.CoreV1.CreateNamespacedPodAsync(APod("a").WithRequests("500m", "512Mi").Build(), "default", cancellationToken: Ct);
        await Client.CoreV1.CreateNamespacedPodAsync(APod("b").WithRequests("0.25", "512Mi").Build(), "default", cancellationToken: Ct);

        await Eventually(async () => (await Client.CoreV1.ReadNamespacedResourceQuotaAsync("compute", "default", cancellationToken: Ct)).Status?.Used?["pods"].ToString() == "2", "the quota counts both pods");

        var quota = await Client.CoreV1.ReadNamespacedResourceQuotaAsync("compute", "default", cancellationToken: Ct);
        Assert.Equal(("750m", "1Gi", "2"), (quota.Status.Used["requests.cpu"].ToString(), quota.Status.Used["requests.memory"].ToString(), quota.Status.Hard["requests.cpu"].ToString()));
    }

    [Fact]
    public async Task Deleting_a_pod_frees_its_quota()
    {
        await Client.CoreV1.CreateNamespacedResourceQuotaAsync(AQuota("count", new Dictionary<string, string> { ["pods"] = "1" }), "default", cancellationToken: Ct);
        await Client.CoreV1.CreateNamespacedPodAsync(APod("first").Build(), "default", cancellationToken: Ct);
        await Client.CoreV1.DeleteNamespacedPodAsync("first", "default", cancellationToken: Ct);

        var second = await Client.CoreV1.CreateNamespacedPodAsync(APod("second").Build(), "default", cancellationToken: Ct);

        Assert.Equal("second", second.Metadata.Name);
    }
}
