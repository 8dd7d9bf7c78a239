namespace Portal.Core.Audit;

/// <summary>
/// The one way anything appends to the audit log. <see cref="PortalDb"/> stamps an entry's time from its clock when it
/// is saved and makes its text storable and cut to its columns, so every writer records alike.
/// </summary>
public static class AuditWriter
{
    /// <summary>Adds an entry to <paramref name="db"/>, written by its next save.</summary>
    /// <param name="db">The context whose save records it, with the change it describes.</param>
    /// <param name="actor">Who acted: a subject, or "system" for the portal itself.</param>
    /// <param name="action">The dotted verb, e.g. cluster.create.</param>
    /// <param name="outcome">How it ended.</param>
    /// <param name="tenantId">The tenant it concerned, if any.</param>
    /// <param name="target">What was acted on, e.g. "tenants/default/clusters/etl".</param>
    /// <param name="detail">Free text: a refusal's title, a name, a new value.</param>
    public static void Record(
        this PortalDb db, string actor, string action, AuditOutcome outcome, Guid? tenantId = null, string? target = null, string? detail = null)
    {
        ArgumentNullException.ThrowIfNull(db);
        db.AuditLog.Add(new AuditEntry { Actor = actor, Action = action, Outcome = outcome, TenantId = tenantId, Target = target, Detail = detail });
    }

    /// <summary>
    /// Records <paramref name="failure"/> as the outcome of <paramref name="action"/> on a context of its own (the
    /// caller's may hold the change it refused) and returns it.
    /// </summary>
    public static async Task<Failure> RecordRefusalAsync(
        this IDbContextFactory<PortalDb> contexts, string actor, string action, Guid? tenantId, string target, Failure failure, CancellationToken ct)
    {
        ArgumentNullException.ThrowIfNull(contexts);
        ArgumentNullException.ThrowIfNull(failure);
        await using var db = await contexts.CreateDbContextAsync(ct);
        db.Record(actor, action, OutcomeOf(failure), tenantId, target, failure.Title);
        await db.SaveChangesAsync(ct);
        return failure;
    }

    /// <summary>How a refusal is recorded: Denied when the caller may not see or do it (404, 403), Failed otherwise.</summary>
    public static AuditOutcome OutcomeOf(Failure failure)
    {
        ArgumentNullException.ThrowIfNull(failure);
        return failure.Kind is FailureKind.NotFound or FailureKind.Forbidden ? AuditOutcome.Denied : AuditOutcome.Failed;
    }
}
