using System.ComponentModel.DataAnnotations;

namespace Portal.Provisioning.Kubernetes;

/// <summary>
/// How the portal reaches Kubernetes and what it writes there (configuration section <c>Kubernetes</c>);
/// validated at start-up.
/// </summary>
public sealed class KubernetesOptions : IValidatableObject
{
    /// <summary>Configuration section name.</summary>
    public const string Section = "Kubernetes";

    /// <summary>Explicit kubeconfig path; wins over KUBECONFIG, ~/.kube/config and in-cluster configuration.</summary>
    public string? Kubeconfig { get; set; }

    /// <summary>Context to use from the kubeconfig; its current context when unset.</summary>
    public string? Context { get; set; }

    /// <summary>
    /// Kubeconfig of the embedded sandbox, set by the host after it started one because no real cluster was found
    /// (see <see cref="KubernetesConnection.DetectMode"/>). Ignored in every other mode.
    /// </summary>
    public string? SandboxKubeconfig { get; set; }

    /// <summary>Namespace the portal runs in: may reach Spark UIs and Connect, and holds the leader Lease.</summary>
    [Required]
    [RegularExpression("^[a-z0-9]([-a-z0-9]{0,61}[a-z0-9])?$", ErrorMessage = "PortalNamespace must be a DNS-1123 label.",
        MatchTimeoutInMilliseconds = Timeout.Infinite)]
    public string PortalNamespace { get; set; } = "spark-portal";

    /// <summary>CIDRs Spark pods may reach (e.g. object storage); everything else beyond DNS is denied.</summary>
    public List<string> EgressAllowCidrs { get; set; } = [];

    /// <summary>Interval of the full resync that catches anything watches missed.</summary>
    [Range(10, 86_400)]
    public int ResyncSeconds { get; set; } = 300;

    /// <summary>
    /// Interval at which the database is polled for clusters and tenants needing work. The clusters' read may be
    /// shared with the UI's change loop and be up to half this old.
    /// </summary>
    [Range(1, 300)]
    public int PollSeconds { get; set; } = 2;

    /// <summary>How often a cluster that is starting, failing or being deleted is looked at again.</summary>
    [Range(1, 300)]
    public int WaitingRequeueSeconds { get; set; } = 3;

    /// <summary>
    /// How often a Running cluster's Spark status (registered workers, applications, Connect jobs) is read through the
    /// service proxy; it bounds how late a lost worker shows and how far past its idle timeout an idle cluster lives.
    /// </summary>
    [Range(1, 3600)]
    public int SparkStatusSeconds { get; set; } = 30;

    /// <summary>Keys reconciled at once.</summary>
    [Range(1, 64)]
    public int Workers { get; set; } = 4;

    /// <summary>Name of the coordination.k8s.io Lease replicas elect a leader with.</summary>
    [Required]
    public string LeaseName { get; set; } = "spark-portal-provisioning";

    /// <summary>How long a leader's Lease holds without renewal before another replica may take over.</summary>
    [Range(2, 300)]
    public int LeaseDurationSeconds { get; set; } = 15;

    /// <summary>LimitRange default CPU of a container that states none.</summary>
    [Required]
    public string DefaultContainerCpu { get; set; } = "1";

    /// <summary>LimitRange default memory of a container that states none.</summary>
    [Required]
    public string DefaultContainerMemory { get; set; } = "1Gi";

    /// <summary>LimitRange maximum CPU of one container.</summary>
    [Required]
    public string MaxContainerCpu { get; set; } = "16";

    /// <summary>LimitRange maximum memory of one container.</summary>
    [Required]
    public string MaxContainerMemory { get; set; } = "64Gi";

    /// <summary>The deployment-wide fence inputs these options describe.</summary>
    public NamespaceFencing Fencing => new()
    {
        PortalNamespace = PortalNamespace,
        EgressAllowCidrs = EgressAllowCidrs,
        DefaultContainerCpu = DefaultContainerCpu,
        DefaultContainerMemory = DefaultContainerMemory,
        MaxContainerCpu = MaxContainerCpu,
        MaxContainerMemory = MaxContainerMemory,
    };

    /// <inheritdoc/>
    public IEnumerable<ValidationResult> Validate(ValidationContext validationContext)
    {
        foreach (var cidr in EgressAllowCidrs.Where(c => !IPNetwork.TryParse(c, out _)))
        {
            yield return new ValidationResult($"EgressAllowCidrs entry '{cidr}' is not a CIDR.", [nameof(EgressAllowCidrs)]);
        }

        foreach (var (name, value) in new[]
                 {
                     (nameof(DefaultContainerCpu), DefaultContainerCpu), (nameof(DefaultContainerMemory), DefaultContainerMemory),
                     (nameof(MaxContainerCpu), MaxContainerCpu), (nameof(MaxContainerMemory), MaxContainerMemory),
                 })
        {
            if (!IsQuantity(value))
            {
                yield return new ValidationResult($"{name} '{value}' is not a Kubernetes quantity.", [name]);
            }
        }

        if (!string.IsNullOrEmpty(Kubeconfig) && !File.Exists(Kubeconfig))
        {
            yield return new ValidationResult($"Kubeconfig '{Kubeconfig}' does not exist.", [nameof(Kubeconfig)]);
        }
    }

    static bool IsQuantity(string value)
    {
        try
        {
            _ = new k8s.Models.ResourceQuantity(value).ToDecimal();
            return true;
        }
        catch (FormatException)
        {
            return false;
        }
        catch (ArgumentException)
        {
            return false;
        }
    }
}
