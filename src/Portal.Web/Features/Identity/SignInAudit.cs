using Portal.Core.Audit;
using Portal.Core.Data;

namespace Portal.Web.Features.Identity;

/// <summary>Writes sign-in and sign-out attempts to the audit log.</summary>
internal sealed class SignInAudit(PortalDb db)
{
    /// <summary>Records that <paramref name="actor"/> tried <paramref name="action"/> through <paramref name="provider"/>.</summary>
    public async Task RecordAsync(
        string action, string actor, AuditOutcome outcome, string provider, CancellationToken cancellationToken)
    {
        db.AuditLog.Add(new AuditEntry
        {
            Actor = actor,
            Action = action,
            Target = $"users/{actor}",
            Outcome = outcome,
            Detail = provider,
        });
        await db.SaveChangesAsync(cancellationToken);
    }
}
