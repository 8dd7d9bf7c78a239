using System.ComponentModel.DataAnnotations;

namespace Portal.Core.Clusters;

/// <summary>
/// What a create request gets for every field it leaves out, and which images it may choose from.
/// Bound from the "Clusters:Defaults" configuration section and validated at start-up.
/// </summary>
public sealed class ClusterDefaults : IValidatableObject
{
    /// <summary>Configuration section the options bind to.</summary>
    public const string Section = "Clusters:Defaults";

    /// <summary>Spark version of <see cref="Image"/>; a request's "sparkVersion" picks among <see cref="AllowedImages"/>.</summary>
    [Required]
    public string SparkVersion { get; set; } = "3.5.3";

    /// <summary>Image used when a request names neither an image nor a Spark version.</summary>
    [Required]
    public string Image { get; set; } = "apache/spark:3.5.3";

    /// <summary>
    /// Further images a request may name, keyed by their Spark version. The default <see cref="Image"/> is always
    /// allowed. Kept apart from it because the configuration binder merges into, rather than replaces, a
    /// dictionary that already has entries.
    /// </summary>
    public Dictionary<string, string> AllowedImages { get; set; } = [];

    /// <summary>Worker count when the request has none.</summary>
    [Range(1, 1000)]
    public int Workers { get; set; } = 2;

    /// <summary>CPU per worker, a Kubernetes quantity.</summary>
    [Required]
    public string WorkerCores { get; set; } = "1";

    /// <summary>Memory per worker, a Kubernetes quantity.</summary>
    [Required]
    public string WorkerMemory { get; set; } = "2Gi";

    /// <summary>CPU of the master, a Kubernetes quantity.</summary>
    [Required]
    public string MasterCores { get; set; } = "1";

    /// <summary>Memory of the master, a Kubernetes quantity.</summary>
    [Required]
    public string MasterMemory { get; set; } = "1Gi";

    /// <summary>Whether a Spark Connect server runs beside the master when the request doesn't say.</summary>
    public bool SparkConnect { get; set; }

    /// <summary>Every image a request may name, keyed by Spark version.</summary>
    public IReadOnlyDictionary<string, string> Images()
    {
        var images = new Dictionary<string, string>(AllowedImages, StringComparer.Ordinal) { [SparkVersion] = Image };
        return images;
    }

    /// <inheritdoc />
    public IEnumerable<ValidationResult> Validate(ValidationContext validationContext)
    {
        foreach (var (name, value) in new[]
                 {
                     (nameof(WorkerCores), WorkerCores), (nameof(WorkerMemory), WorkerMemory),
                     (nameof(MasterCores), MasterCores), (nameof(MasterMemory), MasterMemory),
                 })
        {
            if (!KubernetesQuantity.TryParse(value, out var quantity) || quantity <= 0)
                yield return new ValidationResult($"'{value}' is not a positive Kubernetes quantity.", [name]);
        }

        if (AllowedImages.TryGetValue(SparkVersion, out var other) && other != Image)
            yield return new ValidationResult(
                $"AllowedImages maps the default Spark version {SparkVersion} to '{other}', not to Image '{Image}'.",
                [nameof(AllowedImages)]);
    }
}
