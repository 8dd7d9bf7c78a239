namespace Portal.Core.Clusters;

/// <summary>Why a time-to-live extension was refused.</summary>
public enum ExtensionRefusal
{
    /// <summary>The cluster is already being deleted (or gone).</summary>
    Ending,

    /// <summary>The extension is not a positive duration.</summary>
    NotPositive,

    /// <summary>The cluster would outlive its tenant's maximum time-to-live.</summary>
    BeyondMaximum,
}

/// <summary>The outcome of an extension: the new expiry, or why there is none.</summary>
/// <param name="ExpiresAt">The expiry after the call (unchanged when refused).</param>
/// <param name="Refusal">Why it was refused; null on success.</param>
/// <param name="Latest">The latest expiry the tenant's policy allows.</param>
public sealed record LifetimeChange(DateTimeOffset ExpiresAt, ExtensionRefusal? Refusal, DateTimeOffset Latest)
{
    /// <summary>Whether the expiry moved.</summary>
    public bool Succeeded => Refusal is null;
}

/// <summary>How far a cluster's time-to-live may be extended: within its tenant's maximum, counted from creation.</summary>
public static class ClusterExpiry
{
    /// <summary>The expiry an extension by <paramref name="by"/> gives, or why it isn't allowed.</summary>
    public static LifetimeChange Decide(Cluster cluster, TenantPolicy policy, TimeSpan by, DateTimeOffset now)
    {
        ArgumentNullException.ThrowIfNull(cluster);
        ArgumentNullException.ThrowIfNull(policy);
        // Capped: a tenant saved before maxTimeToLive was bounded may allow a duration that overflows any date.
        var maxTimeToLive = policy.MaxTimeToLive < TenantPolicy.LongestTimeToLive ? policy.MaxTimeToLive : TenantPolicy.LongestTimeToLive;
        var latest = cluster.CreatedAt + maxTimeToLive;
        if (cluster.IsDeleting || cluster.Status.Phase is ClusterPhase.Deleting or ClusterPhase.Deleted)
            return new LifetimeChange(cluster.ExpiresAt, ExtensionRefusal.Ending, latest);
        if (by <= TimeSpan.Zero)
            return new LifetimeChange(cluster.ExpiresAt, ExtensionRefusal.NotPositive, latest);

        // From now if it has already run out but the reconciler hasn't caught it yet: extending adds time to live.
        var from = cluster.ExpiresAt > now ? cluster.ExpiresAt : now;
        // Compared as durations before adding: `by` may be as large as TimeSpan allows.
        return by > latest - from
            ? new LifetimeChange(cluster.ExpiresAt, ExtensionRefusal.BeyondMaximum, latest)
            : new LifetimeChange(from + by, null, latest);
    }

    /// <summary>The refusal as the API and the page give it; keyed by the API's field <c>by</c> where it is about the duration.</summary>
    public static Failure Explain(LifetimeChange change)
    {
        ArgumentNullException.ThrowIfNull(change);
        return change.Refusal switch
        {
            ExtensionRefusal.BeyondMaximum => new Failure(FailureKind.Invalid, "Beyond the tenant's maximum lifetime.",
                $"The tenant allows clusters to live until {change.Latest:u} at the latest.",
                new Dictionary<string, string[]> { ["by"] = [$"Too long: the tenant allows clusters to live until {change.Latest:u} at the latest."] }),
            ExtensionRefusal.Ending => new Failure(FailureKind.Conflict, "The cluster is being deleted."),
            _ => new Failure(FailureKind.Invalid, "The extension must be positive.", "The extension must be positive.",
                new Dictionary<string, string[]> { ["by"] = ["Must be positive."] }),
        };
    }
}
