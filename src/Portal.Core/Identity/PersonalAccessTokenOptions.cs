namespace Portal.Core.Identity;

/// <summary>Limits on personal access tokens, bound from "Authentication:PersonalAccessTokens".</summary>
public sealed class PersonalAccessTokenOptions : IValidatableObject
{
    /// <summary>Configuration section name.</summary>
    public const string Section = "Authentication:PersonalAccessTokens";

    /// <summary>Longest lifetime anyone may give a token, in days; set by the platform administrator.</summary>
    [Range(1, 3650)]
    public int MaxLifetimeDays { get; set; } = 365;

    /// <summary>Lifetime of a token whose creator named none, in days.</summary>
    [Range(1, 3650)]
    public int DefaultLifetimeDays { get; set; } = 90;

    /// <inheritdoc/>
    public IEnumerable<ValidationResult> Validate(ValidationContext validationContext)
    {
        if (DefaultLifetimeDays > MaxLifetimeDays)
        {
            yield return new ValidationResult(
                $"{nameof(DefaultLifetimeDays)} ({DefaultLifetimeDays}) exceeds {nameof(MaxLifetimeDays)} ({MaxLifetimeDays}).",
                [nameof(DefaultLifetimeDays)]);
        }
    }
}
