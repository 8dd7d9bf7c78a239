using k8s;
using k8s.Models;
using Portal.Core.Tenants;
using Portal.Provisioning.Manifests;
using static Portal.Testing.Builders;

namespace Portal.Provisioning.Tests.Manifests;

public class TenantManifestsTests
{
    static readonly NamespaceFencing Fencing = new() { PortalNamespace = "spark-portal" };

    [Theory]
    [InlineData("enforce")]
    [InlineData("audit")]
    [InlineData("warn")]
    public void The_namespace_holds_pod_security_restricted(string mode)
    {
        var ns = TenantManifests.Namespace(ATenant().Build());

        Assert.Equal("restricted", ns.Metadata.Labels[$"pod-security.kubernetes.io/{mode}"]);
    }

    [Fact]
    public void The_namespace_is_labelled_with_the_tenant_and_the_manager()
    {
        var tenant = ATenant().Build();

        var labels = TenantManifests.Namespace(tenant).Metadata.Labels;

        Assert.Equal((tenant.Id.ToString(), "spark-portal"), (labels[Labels.TenantId], labels[Labels.ManagedBy]));
    }

    [Fact]
    public void The_resource_quota_mirrors_the_tenant_quota()
    {
        var tenant = ATenant().Build().WithQuota(new TenantQuota { Cpu = "12", Memory = "48Gi", EphemeralStorage = "200Gi", MaxPods = 30, MaxClusters = 4, Storage = "500Gi", MaxVolumes = 3 });

        var hard = TenantManifests.ResourceQuota(tenant).Spec.Hard.ToDictionary(kv => kv.Key, kv => kv.Value.ToString());

        Assert.Equal(
            new Dictionary<string, string>
            {
                ["requests.cpu"] = "12", ["limits.cpu"] = "12", ["requests.memory"] = "48Gi", ["limits.memory"] = "48Gi",
                ["requests.ephemeral-storage"] = "200Gi", ["limits.ephemeral-storage"] = "200Gi",
                ["pods"] = "30", ["services"] = "9", ["configmaps"] = "6", ["persistentvolumeclaims"] = "3", ["requests.storage"] = "500Gi",
                ["services.loadbalancers"] = "0", ["services.nodeports"] = "0",
            },
            hard);
    }

    [Fact]
    public void The_limit_range_sets_default_and_maximum_container_sizes()
    {
        var item = Assert.Single(TenantManifests.LimitRange(ATenant().Build(), Fencing).Spec.Limits);

        Assert.Equal(("Container", "1Gi", "64Gi"), (item.Type, item.DefaultProperty["memory"].ToString(), item.Max["memory"].ToString()));
    }

    [Fact]
    public void The_first_network_policy_denies_all_ingress_and_egress()
    {
        var deny = TenantManifests.NetworkPolicies(ATenant().Build(), Fencing)[0];

        Assert.Equal((0, 0, 0, "Ingress,Egress"), (deny.Spec.PodSelector.MatchLabels?.Count ?? 0, deny.Spec.Ingress?.Count ?? 0, deny.Spec.Egress?.Count ?? 0, string.Join(',', deny.Spec.PolicyTypes)));
    }

    [Fact]
    public void Dns_egress_is_allowed_on_port_53()
    {
        var dns = TenantManifests.NetworkPolicies(ATenant().Build(), Fencing).Single(p => p.Metadata.Name == "allow-dns-egress");

        Assert.Equal(["UDP/53", "TCP/53"], dns.Spec.Egress.Single().Ports.Select(p => $"{p.Protocol}/{p.Port.Value}"));
    }

    [Fact]
    public void Only_the_portal_namespace_reaches_the_ui_connect_and_history_ports()
    {
        var ingress = TenantManifests.NetworkPolicies(ATenant().Build(), Fencing)
            .Single(p => p.Metadata.Name == "allow-portal-ingress").Spec.Ingress.Single();

        Assert.Equal(
            ("spark-portal", "8080,4040,15002,18080"),
            (ingress.FromProperty.Single().NamespaceSelector.MatchLabels["kubernetes.io/metadata.name"], string.Join(',', ingress.Ports.Select(p => p.Port.Value))));
    }

    [Fact]
    public void Configured_egress_cidrs_are_allowed()
    {
        var fencing = Fencing with { EgressAllowCidrs = ["10.20.0.0/16", "192.0.2.10/32"] };

        var allow = TenantManifests.NetworkPolicies(ATenant().Build(), fencing).Single(p => p.Metadata.Name == "allow-egress-allowlist");

        Assert.Equal(["10.20.0.0/16", "192.0.2.10/32"], allow.Spec.Egress.Single().To.Select(t => t.IpBlock.Cidr));
    }

    [Fact]
    public void Without_egress_cidrs_there_is_no_allow_list_policy()
    {
        var names = TenantManifests.NetworkPolicies(ATenant().Build(), Fencing).Select(p => p.Metadata.Name);

        Assert.DoesNotContain("allow-egress-allowlist", names);
    }

    [Fact]
    public void The_spark_service_account_mounts_no_token()
    {
        var account = TenantManifests.ServiceAccount(ATenant().Build());

        Assert.False(account.AutomountServiceAccountToken);
    }

    [Fact]
    public void A_directory_group_gets_read_only_access_to_pods_logs_and_events()
    {
        var objects = TenantManifests.For(ATenant().Build().WithDirectoryGroup("team-a-devs"), Fencing);

        var rule = Assert.Single(objects.OfType<V1Role>().Single().Rules);
        Assert.Equal(("pods,pods/log,events", "get,list,watch"), (string.Join(',', rule.Resources), string.Join(',', rule.Verbs)));
    }

    [Fact]
    public void The_role_binding_names_the_directory_group()
    {
        var binding = TenantManifests.For(ATenant().Build().WithDirectoryGroup("team-a-devs"), Fencing).OfType<V1RoleBinding>().Single();

        Assert.Equal(("Group", "team-a-devs", TenantManifests.ViewerRole), (binding.Subjects.Single().Kind, binding.Subjects.Single().Name, binding.RoleRef.Name));
    }

    [Fact]
    public void Without_a_directory_group_nobody_is_bound()
    {
        var objects = TenantManifests.For(ATenant().Build(), Fencing);

        Assert.Empty(objects.OfType<V1RoleBinding>());
    }

    [Fact]
    public void The_namespace_comes_first_so_the_rest_has_somewhere_to_go()
    {
        var first = TenantManifests.For(ATenant().Build(), Fencing)[0];

        Assert.IsType<V1Namespace>(first);
    }

    [Fact]
    public void Every_fence_lives_in_the_tenant_namespace()
    {
        var tenant = ATenant().Build().WithDirectoryGroup("g");

        var namespaces = TenantManifests.For(tenant, Fencing).Skip(1).Select(o => o.Metadata.NamespaceProperty);

        Assert.All(namespaces, n => Assert.Equal(tenant.Namespace, n));
    }

    [Fact]
    public void The_same_tenant_gives_the_same_json()
    {
        var tenant = ATenant().Build().WithDirectoryGroup("g");

        Assert.Equal(
            TenantManifests.For(tenant, Fencing).Select(o => KubernetesJson.Serialize(o)),
            TenantManifests.For(tenant, Fencing).Select(o => KubernetesJson.Serialize(o)));
    }
}
