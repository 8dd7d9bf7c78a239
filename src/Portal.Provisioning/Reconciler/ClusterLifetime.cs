using Microsoft.EntityFrameworkCore;
using Portal.Core.Audit;
using Portal.Core.Clusters;
using Portal.Core.Data;
using Portal.Core.Tenants;

namespace Portal.Provisioning.Reconciler;

/// <summary>Why a time-to-live extension was refused.</summary>
public enum ExtensionRefusal
{
    /// <summary>No such cluster.</summary>
    NotFound,

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
/// <param name="Latest">The latest expiry the tenant's policy allows, when known.</param>
public sealed record LifetimeChange(DateTimeOffset? ExpiresAt, ExtensionRefusal? Refusal, DateTimeOffset? Latest)
{
    /// <summary>Whether the expiry moved.</summary>
    public bool Succeeded => Refusal is null;
}

/// <summary>
/// Extends a cluster's time-to-live within its tenant's maximum (counted from creation), with an audit entry
/// "cluster.extend". Authorisation is the caller's: the API checks membership before calling this.
/// </summary>
public sealed class ClusterLifetime(IDbContextFactory<PortalDb> dbs, ClusterWrites writes, TimeProvider time)
{
    /// <summary>The expiry an extension by <paramref name="by"/> gives, or why it isn't allowed (pure).</summary>
    public static LifetimeChange Decide(Cluster cluster, TenantPolicy policy, TimeSpan by, DateTimeOffset now)
    {
        ArgumentNullException.ThrowIfNull(cluster);
        ArgumentNullException.ThrowIfNull(policy);
        // Capped: a tenant saved before maxTimeToLive was bounded may allow a duration that overflows any date.
        var maxTimeToLive = policy.MaxTimeToLive < TenantPolicy.LongestTimeToLive ? policy.MaxTimeToLive : TenantPolicy.LongestTimeToLive;
        var latest = cluster.CreatedAt + maxTimeToLive;
        if (cluster.IsDeleting || cluster.Status.Phase is ClusterPhase.Deleting or ClusterPhase.Deleted)
        {
            return new LifetimeChange(cluster.ExpiresAt, ExtensionRefusal.Ending, latest);
        }

        if (by <= TimeSpan.Zero)
        {
            return new LifetimeChange(cluster.ExpiresAt, ExtensionRefusal.NotPositive, latest);
        }

        // From now if it has already run out but the reconciler hasn't caught it yet: extending adds time to live.
        var from = cluster.ExpiresAt > now ? cluster.ExpiresAt : now;
        // Compared as durations before adding: `by` may be as large as TimeSpan allows.
        return by > latest - from
            ? new LifetimeChange(cluster.ExpiresAt, ExtensionRefusal.BeyondMaximum, latest)
            : new LifetimeChange(from + by, null, latest);
    }

    /// <summary>Extends the cluster <paramref name="clusterId"/> by <paramref name="by"/> on behalf of <paramref name="actor"/>.</summary>
    /// <exception cref="DbUpdateConcurrencyException">Another write won the race; the caller may retry.</exception>
    public async Task<LifetimeChange> ExtendAsync(Guid clusterId, TimeSpan by, string actor, CancellationToken ct)
    {
        // The reconciler's status writes bump the row's version all the time; a lost race is decided again on the
        // fresh row rather than surfacing as a 500.
        for (var attempt = 1; ; attempt++)
        {
            try
            {
                return await TryExtendAsync(clusterId, by, actor, ct).ConfigureAwait(false);
            }
            catch (DbUpdateConcurrencyException) when (attempt < 5)
            {
            }
        }
    }

    async Task<LifetimeChange> TryExtendAsync(Guid clusterId, TimeSpan by, string actor, CancellationToken ct)
    {
        await using var db = await dbs.CreateDbContextAsync(ct).ConfigureAwait(false);
        var cluster = await db.Clusters.SingleOrDefaultAsync(c => c.Id == clusterId, ct).ConfigureAwait(false);
        if (cluster is null)
        {
            return new LifetimeChange(null, ExtensionRefusal.NotFound, null);
        }

        var tenant = await db.Tenants.AsNoTracking().SingleAsync(t => t.Id == cluster.TenantId, ct).ConfigureAwait(false);
        var now = time.GetUtcNow();
        var change = Decide(cluster, tenant.Policy, by, now);
        db.AuditLog.Add(new AuditEntry
        {
            At = now,
            Actor = actor,
            TenantId = tenant.Id,
            Action = "cluster.extend",
            Target = $"tenants/{tenant.Slug}/clusters/{cluster.Name}",
            Outcome = change.Succeeded ? AuditOutcome.Succeeded : AuditOutcome.Failed,
            Detail = change.Succeeded ? $"Expires at {change.ExpiresAt:O}" : $"Refused: {change.Refusal}",
        });
        if (change.Succeeded)
        {
            cluster.ExpiresAt = change.ExpiresAt!.Value;
        }

        await db.SaveChangesAsync(ct).ConfigureAwait(false);

        // The reconciler holds a wake-up at the old expiry; a new pass sets one at the new expiry.
        writes.Written(cluster.Id);
        return change;
    }
}
