using System.Text.RegularExpressions;

namespace Portal.Core.Clusters;

/// <summary>
/// Rules for the names the portal turns into Kubernetes object names, checked before anything is stored so that
/// provisioning never meets a name the API server would reject.
/// </summary>
public static partial class KubernetesNames
{
    /// <summary>Longest DNS label Kubernetes accepts (RFC 1123).</summary>
    public const int MaxLabelLength = 63;

    /// <summary>
    /// Longest cluster name. Every object of a cluster is named "{name}-{suffix}" (see Portal.Provisioning's
    /// ClusterManifests). The longest derived name is the worker ReplicaSet "{name}-worker-{pod-template-hash}"
    /// (up to 18 characters after the name); keeping it within 63 keeps its pods' generated names untruncated and
    /// every derived name usable as a label value: 63 - 18 = 45. 40 leaves room for suffixes added later.
    /// </summary>
    public const int MaxClusterNameLength = 40;

    /// <summary>Longest tenant slug; the tenant's namespace is "{prefix}{slug}" and its clusters' labels carry it.</summary>
    public const int MaxTenantSlugLength = 40;

    /// <summary>
    /// Why <paramref name="name"/> can't be a name of at most <paramref name="maxLength"/> characters, or null when it can.
    /// Names must be DNS-1035 labels (a DNS-1123 label that starts with a letter) because Service names are derived from
    /// them, and Services reject a leading digit.
    /// </summary>
    public static string? Problem(string? name, int maxLength)
    {
        if (string.IsNullOrEmpty(name))
            return "Required.";
        if (name.Length > maxLength)
            return $"Must be at most {maxLength} characters (it has {name.Length}).";
        if (!Dns1035Label().IsMatch(name))
            return "Must consist of lower-case letters, digits and '-', start with a letter and end with a letter or digit.";
        return null;
    }

    [GeneratedRegex("^[a-z]([-a-z0-9]*[a-z0-9])?$", RegexOptions.CultureInvariant)]
    private static partial Regex Dns1035Label();
}
