namespace Portal.Core.Storage;

/// <summary>What tenant volumes may be made of (configuration section "Storage").</summary>
public sealed class StorageOptions : IValidatableObject
{
    /// <summary>Configuration section the options bind to.</summary>
    public const string Section = "Storage";

    /// <summary>
    /// StorageClasses a tenant volume may use, first is the default; "standard" when none is configured (the embedded
    /// sandbox's default class, and kind's and minikube's).
    /// </summary>
    public List<string> StorageClasses { get; set; } = [];

    /// <summary>Largest single volume, a Kubernetes quantity.</summary>
    public string MaxVolumeSize { get; set; } = "10Ti";

    /// <summary>The classes in force: the configured ones, else "standard".</summary>
    public IReadOnlyList<string> AllowedClasses => StorageClasses.Count > 0 ? StorageClasses : ["standard"];

    /// <inheritdoc/>
    public IEnumerable<ValidationResult> Validate(ValidationContext validationContext)
    {
        foreach (var name in StorageClasses)
        {
            // A StorageClass is a cluster-scoped object named by a DNS-1123 subdomain.
            if (string.IsNullOrWhiteSpace(name) || name.Length > 253 || name.Any(c => !(char.IsAsciiLetterLower(c) || char.IsAsciiDigit(c) || c is '-' or '.')))
                yield return new ValidationResult($"Storage:StorageClasses: '{name}' is not a StorageClass name.", [nameof(StorageClasses)]);
        }

        if (!KubernetesQuantity.TryParse(MaxVolumeSize, out var max) || max < VolumeRules.MinSizeBytes)
            yield return new ValidationResult("Storage:MaxVolumeSize must be a Kubernetes quantity of at least 1Gi.", [nameof(MaxVolumeSize)]);
    }
}
