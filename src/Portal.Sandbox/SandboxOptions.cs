using System.ComponentModel.DataAnnotations;

namespace Portal.Sandbox;

/// <summary>Settings of the embedded Kubernetes API server; bound from the <c>Sandbox</c> configuration section.</summary>
public sealed class SandboxOptions
{
    public const string Section = "Sandbox";

    /// <summary>Loopback port to listen on; 0 picks a free port.</summary>
    [Range(0, 65535)]
    public int Port { get; set; }

    /// <summary>How long a simulated pod stays Pending before it runs and turns Ready.</summary>
    public TimeSpan PodStartDelay { get; set; } = TimeSpan.FromSeconds(2);

    /// <summary>Regex over container images; matching images never start and report ImagePullBackOff.</summary>
    public string? ImagePullFailurePattern { get; set; }

    /// <summary>JSON file the objects are loaded from on start and saved to on stop; null keeps state in memory only.</summary>
    public string? StatePath { get; set; }

    /// <summary>Faults injected into resource requests; may be changed while the sandbox runs.</summary>
    public FaultOptions Faults { get; set; } = new();

    /// <summary>How many past changes are kept for watch resumption; older resourceVersions get 410 Expired.</summary>
    [Range(1, 10_000_000)]
    public int WatchHistoryLimit { get; set; } = 100_000;

    /// <summary>
    /// How long a simulated Spark worker or Connect driver takes to register with its master once both are Running,
    /// so "pods Ready, workers not registered yet" can be observed.
    /// </summary>
    public TimeSpan SparkRegistrationDelay { get; set; } = TimeSpan.FromSeconds(1);

    /// <summary>Throws <see cref="ValidationException"/> describing the first invalid setting.</summary>
    public void Validate()
    {
        Validator.ValidateObject(this, new ValidationContext(this), validateAllProperties: true);
        Validator.ValidateObject(Faults, new ValidationContext(Faults), validateAllProperties: true);
        if (PodStartDelay < TimeSpan.Zero) throw new ValidationException("Sandbox:PodStartDelay must not be negative.");
        if (SparkRegistrationDelay < TimeSpan.Zero) throw new ValidationException("Sandbox:SparkRegistrationDelay must not be negative.");
        if (Faults.Latency < TimeSpan.Zero) throw new ValidationException("Sandbox:Faults:Latency must not be negative.");
        if (Faults.ErrorStatus is not (500 or 429)) throw new ValidationException("Sandbox:Faults:ErrorStatus must be 500 or 429.");
        if (ImagePullFailurePattern is not null)
        {
            try
            {
                _ = new Regex(ImagePullFailurePattern, RegexOptions.None, TimeSpan.FromSeconds(1));
            }
            catch (ArgumentException e)
            {
                throw new ValidationException($"Sandbox:ImagePullFailurePattern is not a valid regular expression: {e.Message}");
            }
        }
    }
}

/// <summary>Faults for reliability tests. Read on every request, so tests may change them while the sandbox runs.</summary>
public sealed class FaultOptions
{
    /// <summary>Delay added before every resource request is served.</summary>
    public TimeSpan Latency { get; set; }

    /// <summary>Fraction (0..1) of resource requests answered with <see cref="ErrorStatus"/> instead.</summary>
    [Range(0.0, 1.0)]
    public double ErrorRate { get; set; }

    /// <summary>500 (InternalError) or 429 (TooManyRequests, with Retry-After).</summary>
    public int ErrorStatus { get; set; } = 500;

    /// <summary>Seconds sent in Retry-After with injected 429 responses.</summary>
    [Range(0, 3600)]
    public int RetryAfterSeconds { get; set; } = 1;

    /// <summary>Watch streams are closed by the server this long after they start.</summary>
    public TimeSpan? DropWatchAfter { get; set; }

    /// <summary>Watch streams are closed by the server after sending this many events.</summary>
    [Range(1, int.MaxValue)]
    public int? DropWatchAfterEvents { get; set; }
}
