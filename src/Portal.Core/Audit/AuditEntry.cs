namespace Portal.Core.Audit;

/// <summary>One append-only audit record: who did what to which target, and how it ended.</summary>
public sealed class AuditEntry
{
    /// <summary>Database-assigned key; increases with insertion order.</summary>
    public long Id { get; init; }

    /// <summary>When the action was recorded; stamped by <c>PortalDb</c> on save.</summary>
    public DateTimeOffset At { get; init; }

    /// <summary>Subject of the user or token owner, or "system" for the reconciler and reapers.</summary>
    public required string Actor { get; init; }

    /// <summary>Tenant the action concerned, or null when it concerns none (a sign-in, an account, a token for every tenant).</summary>
    public Guid? TenantId { get; init; }

    /// <summary>Dotted verb, e.g. cluster.create, token.revoke, signin.</summary>
    public required string Action { get; init; }

    /// <summary>What was acted on, e.g. "tenants/default/clusters/etl".</summary>
    public string? Target { get; init; }

    /// <summary>Whether the action happened, was refused, or went wrong.</summary>
    public AuditOutcome Outcome { get; init; }

    /// <summary>
    /// Free text: the refusal's title, a token or account name, a sign-in's provider. Cut to
    /// <c>PortalDb.MaxAuditDetailLength</c> when stored.
    /// </summary>
    public string? Detail { get; init; }
}

/// <summary>How an audited action ended.</summary>
public enum AuditOutcome
{
    /// <summary>The action took effect.</summary>
    Succeeded,

    /// <summary>The caller may not do it or may not see the target (a 403 or 404), or signing in was refused.</summary>
    Denied,

    /// <summary>Allowed but refused or broken for another reason: invalid input, a conflict, a stale version.</summary>
    Failed,
}
