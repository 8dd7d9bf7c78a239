namespace Portal.Core.Audit;

/// <summary>One append-only audit record: who did what to which target, and how it ended.</summary>
public sealed class AuditEntry
{
    public long Id { get; init; }

    public DateTimeOffset At { get; init; }

    /// <summary>Subject of the user or token owner, or "system" for the reconciler and reapers.</summary>
    public required string Actor { get; init; }

    public Guid? TenantId { get; init; }

    /// <summary>Dotted verb, e.g. cluster.create, token.revoke, signin.</summary>
    public required string Action { get; init; }

    /// <summary>What was acted on, e.g. "tenants/default/clusters/etl".</summary>
    public string? Target { get; init; }

    public AuditOutcome Outcome { get; init; }

    public string? Detail { get; init; }
}

/// <summary>How an audited action ended.</summary>
public enum AuditOutcome
{
    Succeeded,
    Denied,
    Failed,
}
