namespace Portal.Provisioning.Manifests;

/// <summary>
/// A tenant's namespace and the fences inside it, as pure functions of the tenant row and the deployment-wide
/// <see cref="NamespaceFencing"/>. The fences carry no owner reference: the namespace contains them, so deleting the
/// namespace removes them, and a namespaced object can't name a cluster-scoped owner portably.
/// </summary>
public static class TenantManifests
{
    /// <summary>Name of the ServiceAccount every Spark pod runs as.</summary>
    public const string SparkServiceAccount = "spark";

    /// <summary>Name of the read-only Role (and RoleBinding) granted to the tenant's directory group.</summary>
    public const string ViewerRole = "spark-portal-viewer";

    /// <summary>Pod Security Admission level every tenant namespace enforces, audits and warns at.</summary>
    public const string PodSecurityLevel = "restricted";

    /// <summary>Every object of the tenant, namespace first, in apply order.</summary>
    public static IReadOnlyList<IKubernetesObject<V1ObjectMeta>> For(Tenant tenant, NamespaceFencing fencing)
    {
        List<IKubernetesObject<V1ObjectMeta>> objects =
        [
            Namespace(tenant),
            ResourceQuota(tenant),
            LimitRange(tenant, fencing),
            ServiceAccount(tenant),
            .. NetworkPolicies(tenant, fencing),
        ];
        if (!string.IsNullOrWhiteSpace(tenant.DirectoryGroup))
        {
            objects.Add(ViewerRoleFor(tenant));
            objects.Add(ViewerRoleBinding(tenant, tenant.DirectoryGroup));
        }

        return objects;
    }

    /// <summary>The tenant's namespace, holding Pod Security Admission <c>restricted</c> in all three modes.</summary>
    public static V1Namespace Namespace(Tenant tenant)
    {
        var labels = Labels.ForTenant(tenant.Id, "namespace");
        labels["pod-security.kubernetes.io/enforce"] = PodSecurityLevel;
        labels["pod-security.kubernetes.io/audit"] = PodSecurityLevel;
        labels["pod-security.kubernetes.io/warn"] = PodSecurityLevel;
        return new V1Namespace
        {
            ApiVersion = "v1",
            Kind = "Namespace",
            Metadata = new V1ObjectMeta { Name = tenant.Namespace, Labels = labels },
        };
    }

    /// <summary>
    /// The tenant's quota. CPU and memory bound requests and limits alike, since every Spark pod sets them equal.
    /// Services are capped at two per cluster (master, Connect) plus the history server's, ConfigMaps at one per cluster
    /// plus the history server's and the <c>kube-root-ca.crt</c> Kubernetes puts in every namespace, volume claims and their storage at the tenant's volume
    /// quota, and LoadBalancers and NodePorts at zero: clusters are reached through the portal, never from outside.
    /// </summary>
    public static V1ResourceQuota ResourceQuota(Tenant tenant) => new()
    {
        ApiVersion = "v1",
        Kind = "ResourceQuota",
        Metadata = Meta(tenant, "spark-portal-quota", "quota"),
        Spec = new V1ResourceQuotaSpec
        {
            Hard = new Dictionary<string, ResourceQuantity>
            {
                ["requests.cpu"] = new(tenant.Quota.Cpu),
                ["limits.cpu"] = new(tenant.Quota.Cpu),
                ["requests.memory"] = new(tenant.Quota.Memory),
                ["limits.memory"] = new(tenant.Quota.Memory),
                // Spark's scratch space (shuffle, spill) and logs: without a cap, one tenant's spill could fill a
                // node's disk and get other tenants' pods evicted.
                ["requests.ephemeral-storage"] = new(tenant.Quota.EphemeralStorage),
                ["limits.ephemeral-storage"] = new(tenant.Quota.EphemeralStorage),
                ["pods"] = new(Invariant(tenant.Quota.MaxPods)),
                // Two per cluster, and the history server's one.
                ["services"] = new(Invariant((tenant.Quota.MaxClusters * 2) + 1)),
                ["configmaps"] = new(Invariant(tenant.Quota.MaxClusters + 2)),
                // Tenant volumes: the portal admits them against the same figures before it creates their claims.
                ["persistentvolumeclaims"] = new(Invariant(tenant.Quota.MaxVolumes)),
                ["requests.storage"] = new(tenant.Quota.Storage),
                ["services.loadbalancers"] = new("0"),
                ["services.nodeports"] = new("0"),
            },
        },
    };

    /// <summary>Default and maximum container sizes, so a pod that states no resources still counts against the quota.</summary>
    public static V1LimitRange LimitRange(Tenant tenant, NamespaceFencing fencing) => new()
    {
        ApiVersion = "v1",
        Kind = "LimitRange",
        Metadata = Meta(tenant, "spark-portal-limits", "limits"),
        Spec = new V1LimitRangeSpec
        {
            Limits =
            [
                new V1LimitRangeItem
                {
                    Type = "Container",
                    DefaultProperty = Resources(fencing.DefaultContainerCpu, fencing.DefaultContainerMemory, DefaultContainerEphemeralStorage),
                    DefaultRequest = Resources(fencing.DefaultContainerCpu, fencing.DefaultContainerMemory, DefaultContainerEphemeralStorage),
                    Max = Resources(fencing.MaxContainerCpu, fencing.MaxContainerMemory),
                },
            ],
        },
    };

    /// <summary>The identity of Spark pods: no token mounted, and bound to no Role.</summary>
    public static V1ServiceAccount ServiceAccount(Tenant tenant) => new()
    {
        ApiVersion = "v1",
        Kind = "ServiceAccount",
        Metadata = Meta(tenant, SparkServiceAccount, "service-account"),
        AutomountServiceAccountToken = false,
    };

    /// <summary>
    /// Deny everything, then allow DNS, portal-to-UI/Connect ingress and the egress allow-list. Traffic among the pods
    /// of one Spark cluster is allowed by a per-cluster policy (see <see cref="ClusterManifests"/>), because a
    /// NetworkPolicy can't say "pods with the same label value as me".
    /// </summary>
    public static IReadOnlyList<V1NetworkPolicy> NetworkPolicies(Tenant tenant, NamespaceFencing fencing)
    {
        List<V1NetworkPolicy> policies =
        [
            Policy(tenant, "default-deny", new V1NetworkPolicySpec
            {
                PodSelector = new V1LabelSelector(),
                PolicyTypes = ["Ingress", "Egress"],
            }),

            // Port 53 to anywhere rather than to kube-dns pods: node-local DNS caches listen on a host-network address
            // that no pod selector matches, and DNS is useless for exfiltration only if egress is otherwise closed.
            Policy(tenant, "allow-dns-egress", new V1NetworkPolicySpec
            {
                PodSelector = new V1LabelSelector(),
                PolicyTypes = ["Egress"],
                Egress = [new V1NetworkPolicyEgressRule { Ports = [Port(53, "UDP"), Port(53, "TCP")] }],
            }),
            Policy(tenant, "allow-portal-ingress", new V1NetworkPolicySpec
            {
                PodSelector = new V1LabelSelector { MatchLabels = new Dictionary<string, string> { [Labels.ManagedBy] = Labels.Manager } },
                PolicyTypes = ["Ingress"],
                Ingress =
                [
                    new V1NetworkPolicyIngressRule
                    {
                        FromProperty =
                        [
                            new V1NetworkPolicyPeer
                            {
                                NamespaceSelector = new V1LabelSelector
                                {
                                    MatchLabels = new Dictionary<string, string> { ["kubernetes.io/metadata.name"] = fencing.PortalNamespace },
                                },
                            },
                        ],
                        Ports =
                        [
                            Port(ClusterManifests.MasterUiPort, "TCP"),
                            Port(ClusterManifests.DriverUiPort, "TCP"),
                            Port(ClusterManifests.ConnectPort, "TCP"),
                            Port(HistoryServerManifests.UiPort, "TCP"),
                        ],
                    },
                ],
            }),
        ];
        if (fencing.EgressAllowCidrs.Count > 0)
        {
            policies.Add(Policy(tenant, "allow-egress-allowlist", new V1NetworkPolicySpec
            {
                PodSelector = new V1LabelSelector(),
                PolicyTypes = ["Egress"],
                Egress = [new V1NetworkPolicyEgressRule { To = [.. fencing.EgressAllowCidrs.Select(c => new V1NetworkPolicyPeer { IpBlock = new V1IPBlock { Cidr = c } })] }],
            }));
        }

        return policies;
    }

    /// <summary>Read-only access to pods, their logs and events in this namespace only.</summary>
    public static V1Role ViewerRoleFor(Tenant tenant) => new()
    {
        ApiVersion = "rbac.authorization.k8s.io/v1",
        Kind = "Role",
        Metadata = Meta(tenant, ViewerRole, "rbac"),
        Rules =
        [
            new V1PolicyRule { ApiGroups = [""], Resources = ["pods", "pods/log", "events"], Verbs = ["get", "list", "watch"] },
        ],
    };

    /// <summary>Binds <see cref="ViewerRoleFor"/> to the tenant's directory group.</summary>
    public static V1RoleBinding ViewerRoleBinding(Tenant tenant, string directoryGroup) => new()
    {
        ApiVersion = "rbac.authorization.k8s.io/v1",
        Kind = "RoleBinding",
        Metadata = Meta(tenant, ViewerRole, "rbac"),
        RoleRef = new V1RoleRef { ApiGroup = "rbac.authorization.k8s.io", Kind = "Role", Name = ViewerRole },
        Subjects = [new Rbacv1Subject { ApiGroup = "rbac.authorization.k8s.io", Kind = "Group", Name = directoryGroup }],
    };

    static V1NetworkPolicy Policy(Tenant tenant, string name, V1NetworkPolicySpec spec) => new()
    {
        ApiVersion = "networking.k8s.io/v1",
        Kind = "NetworkPolicy",
        Metadata = Meta(tenant, name, "network-policy"),
        Spec = spec,
    };

    static V1NetworkPolicyPort Port(int port, string protocol) => new() { Port = port, Protocol = protocol };

    static V1ObjectMeta Meta(Tenant tenant, string name, string component) => new()
    {
        Name = name,
        NamespaceProperty = tenant.Namespace,
        Labels = Labels.ForTenant(tenant.Id, component),
    };

    /// <summary>
    /// Ephemeral storage of a container that states none: the quota counts requests.ephemeral-storage, so without a
    /// default such a pod would be refused outright.
    /// </summary>
    public const string DefaultContainerEphemeralStorage = "1Gi";

    static Dictionary<string, ResourceQuantity> Resources(string cpu, string memory, string? ephemeralStorage = null)
    {
        var resources = new Dictionary<string, ResourceQuantity>
        {
            ["cpu"] = new ResourceQuantity(cpu),
            ["memory"] = new ResourceQuantity(memory),
        };
        if (ephemeralStorage is not null)
            resources["ephemeral-storage"] = new ResourceQuantity(ephemeralStorage);
        return resources;
    }

    static string Invariant(int value) => value.ToString(System.Globalization.CultureInfo.InvariantCulture);
}
