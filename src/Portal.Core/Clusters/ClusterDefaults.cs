namespace Portal.Core.Clusters;

/// <summary>
/// What a create request gets for every field it leaves out. Bound from the "Clusters:Defaults" configuration
/// section as part of <see cref="ClusterOptions"/>.
/// </summary>
public sealed class ClusterDefaults : IValidatableObject
{
    /// <summary>Image used when a request names neither an image nor a Spark version; null means the catalogue's first.</summary>
    public string? Image { get; set; }

    /// <summary>Worker count when the request has none.</summary>
    [Range(1, 1000)]
    public int Workers { get; set; } = 2;

    /// <summary>CPU per worker, a Kubernetes quantity.</summary>
    [Required]
    public string WorkerCores { get; set; } = "1";

    /// <summary>Memory per worker, a Kubernetes quantity.</summary>
    [Required]
    public string WorkerMemory { get; set; } = "2Gi";

    /// <summary>CPU of the master (and of the Connect server), a Kubernetes quantity.</summary>
    [Required]
    public string MasterCores { get; set; } = "1";

    /// <summary>Memory of the master (and of the Connect server), a Kubernetes quantity.</summary>
    [Required]
    public string MasterMemory { get; set; } = "1Gi";

    /// <summary>Scratch space (Spark's local dirs: shuffle and spill) of each worker, a Kubernetes quantity.</summary>
    [Required]
    public string WorkerScratch { get; set; } = "10Gi";

    /// <summary>Scratch space of the master and of the Connect server, a Kubernetes quantity.</summary>
    [Required]
    public string MasterScratch { get; set; } = "2Gi";

    /// <summary>
    /// Whether a Spark Connect server runs beside the master when the request doesn't say and the image can run one.
    /// </summary>
    public bool SparkConnect { get; set; } = true;

    /// <inheritdoc />
    public IEnumerable<ValidationResult> Validate(ValidationContext validationContext)
    {
        foreach (var (name, value) in new[]
                 {
                     (nameof(WorkerCores), WorkerCores), (nameof(WorkerMemory), WorkerMemory),
                     (nameof(MasterCores), MasterCores), (nameof(MasterMemory), MasterMemory),
                     (nameof(WorkerScratch), WorkerScratch), (nameof(MasterScratch), MasterScratch),
                 })
        {
            if (!KubernetesQuantity.TryParse(value, out var quantity) || quantity <= 0)
                yield return new ValidationResult($"{name}: '{value}' is not a positive Kubernetes quantity.", [name]);
        }

        if (SparkMemory.ContainerMiB(WorkerMemory) is var worker and > 0 && worker < SparkMemory.MinWorkerMiB)
            yield return new ValidationResult($"WorkerMemory: must be at least {SparkMemory.MinWorkerMiB}Mi.", [nameof(WorkerMemory)]);
        if (SparkMemory.ContainerMiB(MasterMemory) is var master and > 0 && master < SparkMemory.MinConnectMiB)
            yield return new ValidationResult($"MasterMemory: must be at least {SparkMemory.MinConnectMiB}Mi, enough for a Connect server.", [nameof(MasterMemory)]);
    }
}
