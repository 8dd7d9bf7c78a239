using System.ComponentModel.DataAnnotations;

namespace Portal.Web.Features.Usage;

/// <summary>Usage accounting, bound from the "Usage" configuration section and validated at start-up.</summary>
internal sealed class UsageOptions
{
    public const string Section = "Usage";

    /// <summary>Whether this replica samples. Off only where something else drives the recorder (tests).</summary>
    public bool Sample { get; init; } = true;

    /// <summary>
    /// How often each tenant's requests are sampled, and how long one sample stands for. Shorter is finer accounting
    /// at one row per tenant with clusters per interval.
    /// </summary>
    [Range(typeof(TimeSpan), "00:01:00", "1.00:00:00")]
    public TimeSpan SampleInterval { get; init; } = TimeSpan.FromMinutes(5);

    /// <summary>How long samples are kept; older ones are deleted as new ones are taken.</summary>
    [Range(typeof(TimeSpan), "1.00:00:00", "3650.00:00:00")]
    public TimeSpan Retention { get; init; } = TimeSpan.FromDays(400);
}
