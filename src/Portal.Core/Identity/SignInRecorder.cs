using Microsoft.EntityFrameworkCore;
using Portal.Core.Audit;
using Portal.Core.Data;

namespace Portal.Core.Identity;

/// <summary>
/// Keeps the known-users directory (<see cref="PortalUser"/>) current: every interactive sign-in inserts or
/// refreshes its user's row. A change of <see cref="PortalUser.PlatformAdminFromDirectory"/> is audited once, in
/// the same transaction as the change, however many sign-ins of the same user race.
/// </summary>
/// <remarks>
/// Works on the request's <see cref="PortalDb"/>, not a context factory: it runs inside sign-in handlers, which
/// always have a request scope (and hosts that register only a scoped context, such as the identity test host).
/// </remarks>
public sealed class SignInRecorder(PortalDb db, TimeProvider time)
{
    /// <summary>Audit actor of changes that come from the identity provider's directory groups.</summary>
    public const string DirectoryActor = "directory";

    /// <summary>Audit action when the directory grants platform administration.</summary>
    public const string PlatformAdminAdded = "platform-admin.add";

    /// <summary>Audit action when the directory no longer grants platform administration.</summary>
    public const string PlatformAdminRemoved = "platform-admin.remove";

    /// <summary>
    /// Records that <paramref name="signIn"/>'s user signed in now: their row is created (first seen now) or its
    /// name, e-mail, provider and last sign-in time are replaced, and platform administration from the directory is
    /// set to what this sign-in says, with an audit entry when that changes.
    /// </summary>
    public async Task RecordAsync(SignInProfile signIn, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(signIn);
        ArgumentException.ThrowIfNullOrWhiteSpace(signIn.Subject);
        if (signIn.Subject.Length > PortalUser.MaxLength)
        {
            throw new ArgumentException($"A subject has at most {PortalUser.MaxLength} characters.", nameof(signIn));
        }

        var now = time.GetUtcNow();
        var users = db.KnownUsers;
        if (!await users.AnyAsync(u => u.Subject == signIn.Subject, cancellationToken) && await TryInsertAsync(signIn, now, cancellationToken))
        {
            return;
        }

        await UpdateAsync(signIn, now, cancellationToken);
    }

    async Task<bool> TryInsertAsync(SignInProfile signIn, DateTimeOffset now, CancellationToken cancellationToken)
    {
        var user = new PortalUser
        {
            Subject = signIn.Subject,
            DisplayName = signIn.DisplayName,
            IdentityProvider = signIn.IdentityProvider,
            PlatformAdminFromDirectory = signIn.PlatformAdminFromDirectory,
            FirstSeenAt = now,
            LastSignInAt = now,
        };
        user.Describe(signIn);
        db.Add(user);
        if (signIn.PlatformAdminFromDirectory)
        {
            db.AuditLog.Add(PlatformAdminAudit(signIn.Subject, granted: true));
        }

        try
        {
            await db.SaveChangesAsync(cancellationToken);
            return true;
        }
        catch (DbUpdateException)
        {
            // Another sign-in of the same user (a second tab, another replica) inserted the row between our check
            // and our insert. Its audit entry, if any, stands; ours was not written. Update the row it made instead.
            db.ChangeTracker.Clear();
            if (!await db.KnownUsers.AnyAsync(u => u.Subject == signIn.Subject, cancellationToken))
            {
                throw;
            }

            return false;
        }
    }

    async Task UpdateAsync(SignInProfile signIn, DateTimeOffset now, CancellationToken cancellationToken)
    {
        await using var transaction = await db.Database.BeginTransactionAsync(cancellationToken);
        var users = db.KnownUsers;

        // Conditional, so of two racing sign-ins that both change it only one affects the row (the other waits on
        // its row lock, then finds the value already set) and only that one writes the audit entry.
        var flipped = await users
            .Where(u => u.Subject == signIn.Subject && u.PlatformAdminFromDirectory != signIn.PlatformAdminFromDirectory)
            .ExecuteUpdateAsync(set => set.SetProperty(u => u.PlatformAdminFromDirectory, signIn.PlatformAdminFromDirectory), cancellationToken);

        var user = await users.SingleAsync(u => u.Subject == signIn.Subject, cancellationToken);
        user.Describe(signIn);
        // Two sign-ins a moment apart may commit in either order; the later instant wins.
        user.LastSignInAt = user.LastSignInAt > now ? user.LastSignInAt : now;
        if (flipped > 0)
        {
            db.AuditLog.Add(PlatformAdminAudit(signIn.Subject, signIn.PlatformAdminFromDirectory));
        }

        await db.SaveChangesAsync(cancellationToken);
        await transaction.CommitAsync(cancellationToken);
    }

    static AuditEntry PlatformAdminAudit(string subject, bool granted) => new()
    {
        Actor = DirectoryActor,
        Action = granted ? PlatformAdminAdded : PlatformAdminRemoved,
        Target = $"users/{subject}",
        Outcome = AuditOutcome.Succeeded,
        Detail = granted
            ? "Directory groups map to platform administration."
            : "No directory group maps to platform administration any more.",
    };
}
