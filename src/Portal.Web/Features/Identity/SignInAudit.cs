using Portal.Core.Audit;

namespace Portal.Web.Features.Identity;

/// <summary>Writes sign-in and sign-out attempts to the audit log.</summary>
internal sealed class SignInAudit(PortalDb db)
{
    /// <summary>Records that <paramref name="actor"/> tried <paramref name="action"/> through <paramref name="provider"/>.</summary>
    public async Task RecordAsync(
        string action, string actor, AuditOutcome outcome, string provider, CancellationToken cancellationToken)
    {
        db.Record(actor, action, outcome, target: $"users/{actor}", detail: provider);
        await db.SaveChangesAsync(cancellationToken);
    }

    /// <summary>
    /// Records a refused personal access token: for the owner, when the secret matched a revoked or expired token;
    /// otherwise for nobody in particular (the text is never recorded, not even its prefix).
    /// </summary>
    public async Task RecordRefusedTokenAsync(TokenValidation result, CancellationToken cancellationToken)
    {
        db.Record(result.Token?.Owner ?? UnknownActor, "token.authenticate", AuditOutcome.Denied, result.Token?.TenantId,
            result.Token is { } token ? $"users/{token.Owner}/tokens/{token.Id}" : "tokens", result.Outcome.ToString());
        await db.SaveChangesAsync(cancellationToken);
    }

    /// <summary>Actor of a refused token that matched no stored token.</summary>
    public const string UnknownActor = "unknown";
}
