namespace Portal.Sandbox.Storage;

/// <summary>One REST resource the sandbox serves, described the way discovery describes it.</summary>
internal sealed record ResourceKind(
    string Group,
    string Version,
    string Plural,
    string Kind,
    bool Namespaced,
    bool HasStatus = false,
    bool TracksGeneration = false,
    bool ReturnsDeletedObject = false,
    string[]? ShortNames = null)
{
    public string GroupVersion => Group.Length == 0 ? Version : $"{Group}/{Version}";

    /// <summary>The singular lower-case name, as discovery reports it (kubectl matches on it).</summary>
    public string Singular => Kind.ToLowerInvariant();

    /// <summary>The name used in error messages: <c>pods</c>, <c>deployments.apps</c>.</summary>
    public string QualifiedPlural => Group.Length == 0 ? Plural : $"{Plural}.{Group}";

    public string ListKind => Kind + "List";

    public override string ToString() => $"{GroupVersion}/{Plural}";
}

/// <summary>The fixed table of kinds the sandbox knows; everything else is generic over it.</summary>
internal static class ResourceCatalog
{
    public static readonly ResourceKind Namespaces = new("", "v1", "namespaces", "Namespace", Namespaced: false, HasStatus: true, ShortNames: ["ns"]);
    public static readonly ResourceKind Pods = new("", "v1", "pods", "Pod", Namespaced: true, HasStatus: true, ReturnsDeletedObject: true, ShortNames: ["po"]);
    public static readonly ResourceKind Services = new("", "v1", "services", "Service", Namespaced: true, HasStatus: true, ReturnsDeletedObject: true, ShortNames: ["svc"]);
    public static readonly ResourceKind ServiceAccounts = new("", "v1", "serviceaccounts", "ServiceAccount", Namespaced: true, ShortNames: ["sa"]);
    public static readonly ResourceKind ConfigMaps = new("", "v1", "configmaps", "ConfigMap", Namespaced: true, ShortNames: ["cm"]);
    public static readonly ResourceKind Secrets = new("", "v1", "secrets", "Secret", Namespaced: true);
    public static readonly ResourceKind ResourceQuotas = new("", "v1", "resourcequotas", "ResourceQuota", Namespaced: true, HasStatus: true, ShortNames: ["quota"]);
    public static readonly ResourceKind LimitRanges = new("", "v1", "limitranges", "LimitRange", Namespaced: true, ShortNames: ["limits"]);
    public static readonly ResourceKind Events = new("", "v1", "events", "Event", Namespaced: true, ShortNames: ["ev"]);
    public static readonly ResourceKind Deployments = new("apps", "v1", "deployments", "Deployment", Namespaced: true, HasStatus: true, TracksGeneration: true, ShortNames: ["deploy"]);
    public static readonly ResourceKind StatefulSets = new("apps", "v1", "statefulsets", "StatefulSet", Namespaced: true, HasStatus: true, TracksGeneration: true, ShortNames: ["sts"]);
    public static readonly ResourceKind ReplicaSets = new("apps", "v1", "replicasets", "ReplicaSet", Namespaced: true, HasStatus: true, TracksGeneration: true, ShortNames: ["rs"]);
    public static readonly ResourceKind NetworkPolicies = new("networking.k8s.io", "v1", "networkpolicies", "NetworkPolicy", Namespaced: true, TracksGeneration: true, ShortNames: ["netpol"]);
    public static readonly ResourceKind Roles = new("rbac.authorization.k8s.io", "v1", "roles", "Role", Namespaced: true);
    public static readonly ResourceKind RoleBindings = new("rbac.authorization.k8s.io", "v1", "rolebindings", "RoleBinding", Namespaced: true);
    public static readonly ResourceKind ClusterRoles = new("rbac.authorization.k8s.io", "v1", "clusterroles", "ClusterRole", Namespaced: false);
    public static readonly ResourceKind ClusterRoleBindings = new("rbac.authorization.k8s.io", "v1", "clusterrolebindings", "ClusterRoleBinding", Namespaced: false);
    public static readonly ResourceKind PodDisruptionBudgets = new("policy", "v1", "poddisruptionbudgets", "PodDisruptionBudget", Namespaced: true, HasStatus: true, TracksGeneration: true, ShortNames: ["pdb"]);
    public static readonly ResourceKind Leases = new("coordination.k8s.io", "v1", "leases", "Lease", Namespaced: true);
    public static readonly ResourceKind PersistentVolumeClaims = new("", "v1", "persistentvolumeclaims", "PersistentVolumeClaim", Namespaced: true, HasStatus: true, ShortNames: ["pvc"]);
    public static readonly ResourceKind PersistentVolumes = new("", "v1", "persistentvolumes", "PersistentVolume", Namespaced: false, HasStatus: true, ShortNames: ["pv"]);
    public static readonly ResourceKind StorageClasses = new("storage.k8s.io", "v1", "storageclasses", "StorageClass", Namespaced: false, ShortNames: ["sc"]);

    public static readonly IReadOnlyList<ResourceKind> All =
    [
        Namespaces, Pods, Services, ServiceAccounts, ConfigMaps, Secrets, ResourceQuotas, LimitRanges, Events, PersistentVolumeClaims, PersistentVolumes,
        Deployments, StatefulSets, ReplicaSets, NetworkPolicies, Roles, RoleBindings, ClusterRoles, ClusterRoleBindings, PodDisruptionBudgets, Leases,
        StorageClasses,
    ];

    /// <summary>Group versions in the order discovery lists them (core first, as the real server does).</summary>
    public static readonly IReadOnlyList<(string Group, string Version)> GroupVersions =
        All.Select(k => (k.Group, k.Version)).Distinct().ToList();

    static readonly Dictionary<(string Group, string Version, string Plural), ResourceKind> ByPath =
        All.ToDictionary(k => (k.Group, k.Version, k.Plural));

    public static ResourceKind? Find(string group, string version, string plural) =>
        ByPath.GetValueOrDefault((group, version, plural));

    public static ResourceKind? FindByKind(string apiVersion, string kind)
    {
        var slash = apiVersion.IndexOf('/');
        var (group, version) = slash < 0 ? ("", apiVersion) : (apiVersion[..slash], apiVersion[(slash + 1)..]);
        return All.FirstOrDefault(k => k.Group == group && k.Version == version && k.Kind == kind);
    }
}
