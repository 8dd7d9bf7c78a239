namespace Portal.Provisioning.Kubernetes;

/// <summary>One Kubernetes permission the portal needs: verbs on a resource of an API group, cluster-wide or in the portal's namespace.</summary>
/// <param name="Group">API group ("" for core).</param>
/// <param name="Resource">Resource, with a subresource after a slash ("services/proxy").</param>
/// <param name="Verbs">RBAC verbs.</param>
/// <param name="InPortalNamespace">Granted by a Role in the portal's namespace rather than the ClusterRole.</param>
public sealed record PortalPermission(string Group, string Resource, IReadOnlyList<string> Verbs, bool InPortalNamespace = false);

/// <summary>
/// Every permission the portal uses, the same list as deploy/base/rbac.yaml (a test holds the two equal, and
/// another derives both from the requests the portal makes). The <c>check</c> command asks the API server about each
/// with a SelfSubjectAccessReview.
/// </summary>
public static class PortalPermissions
{
    /// <summary>The list, in rbac.yaml's order.</summary>
    public static readonly IReadOnlyList<PortalPermission> All =
    [
        new("", "namespaces", ["get", "list", "watch", "create", "patch", "delete"]),
        new("", "resourcequotas", ["list", "watch", "create", "patch"]),
        new("", "limitranges", ["list", "create", "patch"]),
        new("", "serviceaccounts", ["list", "create", "patch"]),
        new("", "configmaps", ["list", "watch", "create", "patch", "delete"]),
        new("", "services", ["list", "watch", "create", "patch", "delete"]),
        new("apps", "deployments", ["list", "watch", "create", "patch", "delete"]),
        new("networking.k8s.io", "networkpolicies", ["list", "watch", "create", "patch", "delete"]),
        new("", "pods", ["get", "list", "watch"]),
        new("", "pods/log", ["get", "list", "watch"]),
        new("", "events", ["get", "list", "watch"]),
        new("", "services/proxy", ["get"]),
        new("", "pods/portforward", ["get", "create"]),
        new("", "persistentvolumeclaims", ["list", "create", "patch", "delete"]),
        new("", "secrets", ["list", "create", "patch", "delete"]),
        new("rbac.authorization.k8s.io", "roles", ["list", "create", "patch", "delete"]),
        new("rbac.authorization.k8s.io", "rolebindings", ["list", "create", "patch", "delete"]),
        new("coordination.k8s.io", "leases", ["get", "create", "update"], InPortalNamespace: true),
    ];
}
