namespace Portal.Core.Tenants;

/// <summary>
/// How a new tenant's Kubernetes namespace is named (configuration key <c>Kubernetes:NamespacePrefix</c>); validated
/// at start-up. The name is stored on the tenant at creation, so changing the prefix later doesn't move existing tenants.
/// </summary>
public sealed class TenantNamingOptions
{
    /// <summary>Configuration section: the prefix sits with the other Kubernetes settings.</summary>
    public const string Section = "Kubernetes";

    /// <summary>The prefix when none is configured.</summary>
    public const string DefaultNamespacePrefix = "spark-";

    /// <summary>Longest namespace name Kubernetes accepts (a DNS-1123 label).</summary>
    public const int MaxNamespaceLength = 63;

    /// <summary>Prefix of tenant namespaces, keeping them apart from system namespaces and other tenants' tooling.</summary>
    [Required]
    // No match timeout: the pattern is linear and the value an operator's; DataAnnotations' default of 2 s was
    // exceeded by a first, cold match on a loaded machine and stopped start-up.
    [RegularExpression("^[a-z0-9]([-a-z0-9]{0,30})$",
        ErrorMessage = "Kubernetes:NamespacePrefix must be lower-case letters, digits and dashes, starting alphanumeric, at most 31 characters.",
        MatchTimeoutInMilliseconds = Timeout.Infinite)]
    public string NamespacePrefix { get; set; } = DefaultNamespacePrefix;

    /// <summary>The namespace a new tenant with <paramref name="slug"/> gets: the prefix plus the slug, cut to a DNS label.</summary>
    public string NamespaceFor(string slug)
    {
        ArgumentNullException.ThrowIfNull(slug);
        var name = NamespacePrefix + slug;
        return name.Length <= MaxNamespaceLength ? name : name[..MaxNamespaceLength].TrimEnd('-');
    }
}
