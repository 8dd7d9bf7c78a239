namespace Portal.Core.Clusters;

/// <summary>One Spark image members may run, and what it can do.</summary>
public sealed class SparkImage
{
    /// <summary>Container image reference, e.g. <c>apache/spark:4.0.3-scala2.13-java17-python3-ubuntu</c>.</summary>
    [Required]
    public string Image { get; set; } = "";

    /// <summary>Spark version the image ships; a create request's "sparkVersion" picks an image by it.</summary>
    [Required]
    public string SparkVersion { get; set; } = "";

    /// <summary>Scala version Spark was built with (2.12 or 2.13); jars users add must match it.</summary>
    [Required]
    public string ScalaVersion { get; set; } = "";

    /// <summary>Python version of the image's PySpark, or null for an image without Python.</summary>
    public string? PythonVersion { get; set; }

    /// <summary>Java version the image runs.</summary>
    public string? JavaVersion { get; set; }

    /// <summary>
    /// Whether the image's distribution bundles the Spark Connect server. Binary distributions do from Spark 4.0 on;
    /// 3.x images don't, and their clusters can't fetch it with --packages behind the tenant's egress fence.
    /// </summary>
    public bool SparkConnect { get; set; }
}

/// <summary>
/// Everything about clusters an operator configures: the image catalogue (<c>Clusters:Images</c>) and what a
/// request leaves out gets (<c>Clusters:Defaults</c>). Bound from section <c>Clusters</c>, validated at start-up.
/// </summary>
public sealed class ClusterOptions : IValidatableObject
{
    /// <summary>Configuration section the options bind to.</summary>
    public const string Section = "Clusters";

    /// <summary>
    /// The official apache/spark images the portal knows (tags and versions as their Dockerfiles state them; see
    /// docs/spark.md), used when <c>Clusters:Images</c> lists none.
    /// </summary>
    public static IReadOnlyList<SparkImage> BuiltInImages { get; } =
    [
        new() { Image = "apache/spark:4.0.3-scala2.13-java17-python3-ubuntu", SparkVersion = "4.0.3", ScalaVersion = "2.13", PythonVersion = "3.10", JavaVersion = "17", SparkConnect = true },
        new() { Image = "apache/spark:4.1.2-scala2.13-java21-python3-ubuntu", SparkVersion = "4.1.2", ScalaVersion = "2.13", PythonVersion = "3.10", JavaVersion = "21", SparkConnect = true },
        new() { Image = "apache/spark:3.5.8-scala2.12-java17-python3-ubuntu", SparkVersion = "3.5.8", ScalaVersion = "2.12", PythonVersion = "3.10", JavaVersion = "17", SparkConnect = false },
    ];

    /// <summary>
    /// Configured images. No default entries here: the binder merges a configured list into an existing one by index,
    /// which would mix configured and built-in entries; <see cref="Catalogue"/> falls back to <see cref="BuiltInImages"/>.
    /// </summary>
    public List<SparkImage> Images { get; set; } = [];

    /// <summary>What a create request leaves out gets.</summary>
    public ClusterDefaults Defaults { get; set; } = new();

    /// <summary>The catalogue in force, in configured order.</summary>
    public IReadOnlyList<SparkImage> Catalogue => Images.Count > 0 ? Images : BuiltInImages;

    /// <summary>The catalogue entry for <paramref name="image"/>, or null when it isn't in the catalogue.</summary>
    public SparkImage? Find(string image) => Catalogue.FirstOrDefault(i => i.Image == image);

    /// <summary>The first catalogue entry of <paramref name="sparkVersion"/>, or null.</summary>
    public SparkImage? ForVersion(string sparkVersion) => Catalogue.FirstOrDefault(i => i.SparkVersion == sparkVersion);

    /// <summary>The image a request naming neither image nor version gets: Defaults:Image, else the first entry.</summary>
    public SparkImage DefaultImage => (Defaults.Image is { } image ? Find(image) : null) ?? Catalogue[0];

    /// <inheritdoc />
    public IEnumerable<ValidationResult> Validate(ValidationContext validationContext)
    {
        for (var i = 0; i < Images.Count; i++)
        {
            var entry = Images[i];
            var results = new List<ValidationResult>();
            Validator.TryValidateObject(entry, new ValidationContext(entry), results, validateAllProperties: true);
            foreach (var result in results)
                yield return new ValidationResult($"Clusters:Images:{i}: {result.ErrorMessage}", [$"Images[{i}]"]);
            if (Images.Take(i).Any(other => other.Image == entry.Image))
                yield return new ValidationResult($"Clusters:Images:{i}: '{entry.Image}' is listed twice.", [$"Images[{i}]"]);
        }

        if (Defaults.Image is { } image && Find(image) is null)
            yield return new ValidationResult(
                $"Clusters:Defaults:Image '{image}' is not in the image catalogue (Clusters:Images): {string.Join(", ", Catalogue.Select(c => c.Image))}.",
                [nameof(Defaults)]);

        var defaults = new List<ValidationResult>();
        Validator.TryValidateObject(Defaults, new ValidationContext(Defaults), defaults, validateAllProperties: true);
        foreach (var result in defaults.Concat(Defaults.Validate(new ValidationContext(Defaults))))
            yield return new ValidationResult($"Clusters:Defaults: {result.ErrorMessage}", [nameof(Defaults)]);
    }
}
