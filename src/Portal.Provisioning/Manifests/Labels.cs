namespace Portal.Provisioning.Manifests;

/// <summary>
/// Label keys and values stamped on every object the portal writes. The <c>app.kubernetes.io</c> set follows the
/// Kubernetes recommended labels; the <c>spark-portal.io</c> ids map an object back to its row in PostgreSQL,
/// which is how watches find the key to enqueue and how orphans are recognised.
/// </summary>
public static class Labels
{
    /// <summary>Prefix of the portal's own label keys.</summary>
    public const string Domain = "spark-portal.io";

    /// <summary>Recommended label: the application, "spark" for cluster objects, "spark-portal-tenant" for tenant ones.</summary>
    public const string Name = "app.kubernetes.io/name";

    /// <summary>Recommended label: the cluster's name, unique within its namespace.</summary>
    public const string Instance = "app.kubernetes.io/instance";

    /// <summary>Recommended label: the object's role, e.g. master, worker, connect.</summary>
    public const string Component = "app.kubernetes.io/component";

    /// <summary>Recommended label: the Spark version, left off when it isn't a valid label value.</summary>
    public const string Version = "app.kubernetes.io/version";

    /// <summary>Recommended label: always <see cref="Manager"/>.</summary>
    public const string PartOf = "app.kubernetes.io/part-of";

    /// <summary>Recommended label: always <see cref="Manager"/>; <see cref="ManagedSelector"/> finds what the portal owns.</summary>
    public const string ManagedBy = "app.kubernetes.io/managed-by";

    /// <summary>Id of the tenant row an object belongs to.</summary>
    public const string TenantId = Domain + "/tenant-id";

    /// <summary>Id of the cluster row an object belongs to.</summary>
    public const string ClusterId = Domain + "/cluster-id";

    /// <summary>Value of <see cref="ManagedBy"/> and <see cref="PartOf"/>; also the server-side apply field manager.</summary>
    public const string Manager = "spark-portal";

    /// <summary>Label selector matching every object the portal manages.</summary>
    public const string ManagedSelector = ManagedBy + "=" + Manager;

    /// <summary>Labels of a tenant-level object (namespace and its fences).</summary>
    public static Dictionary<string, string> ForTenant(Guid tenantId, string component) => new()
    {
        [Name] = "spark-portal-tenant",
        [Component] = component,
        [PartOf] = Manager,
        [ManagedBy] = Manager,
        [TenantId] = tenantId.ToString(),
    };

    /// <summary>Labels of one object of a Spark cluster.</summary>
    public static Dictionary<string, string> ForCluster(Cluster cluster, string component)
    {
        var labels = Selector(cluster, component);
        labels[Name] = "spark";
        labels[PartOf] = Manager;
        labels[ManagedBy] = Manager;
        labels[TenantId] = cluster.TenantId.ToString();
        if (LabelValue(cluster.Spec.SparkVersion) is { } version)
        {
            labels[Version] = version;
        }

        return labels;
    }

    /// <summary>
    /// The immutable subset used as a Deployment selector: it must never include anything a spec change can alter
    /// (such as the version), because a Deployment's selector can't be changed after creation.
    /// </summary>
    public static Dictionary<string, string> Selector(Cluster cluster, string component) => new()
    {
        [Instance] = cluster.Name,
        [Component] = component,
        [ClusterId] = cluster.Id.ToString(),
    };

    /// <summary>Selector matching every pod of one cluster, whatever its component.</summary>
    public static Dictionary<string, string> AllPodsOf(Cluster cluster) => new()
    {
        [ClusterId] = cluster.Id.ToString(),
    };

    /// <summary>Label selector string for everything belonging to one cluster.</summary>
    public static string SelectorFor(Guid clusterId) => $"{ManagedSelector},{ClusterId}={clusterId}";

    // Label values are at most 63 characters of [A-Za-z0-9._-] starting and ending alphanumeric; a version that
    // doesn't fit is left off rather than mangled, since it's informative only.
    static string? LabelValue(string value) =>
        value.Length is > 0 and <= 63
        && char.IsAsciiLetterOrDigit(value[0]) && char.IsAsciiLetterOrDigit(value[^1])
        && value.All(c => char.IsAsciiLetterOrDigit(c) || c is '.' or '_' or '-')
            ? value
            : null;
}
