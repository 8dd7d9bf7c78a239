namespace Portal.Core.Identity;

/// <summary>
/// Keeps the known-users directory (<see cref="PortalUser"/>) current: every interactive sign-in inserts or
/// refreshes its user's row, and the groups of the provider's access tokens update what the directory last said
/// about platform administration. A change of <see cref="PortalUser.PlatformAdminFromDirectory"/> is audited once,
/// in the same transaction as the change, however many sign-ins of the same user race.
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
            PlatformAdminAudit(db, signIn.Subject, granted: true);
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

    /// <summary>
    /// Records what the directory says about <paramref name="subject"/>'s platform administration outside an
    /// interactive sign-in (an access token's groups), so their personal access tokens follow the directory as their
    /// memberships do. Changes only a user already in the directory: name and e-mail come from sign-ins.
    /// </summary>
    /// <returns>True when the stored value changed (and the change was audited).</returns>
    public async Task<bool> ObservePlatformAdminAsync(string subject, bool platformAdminFromDirectory, CancellationToken cancellationToken)
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(subject);
        await using var transaction = await db.Database.BeginTransactionAsync(cancellationToken);
        var changed = await SetPlatformAdminAsync(subject, platformAdminFromDirectory, cancellationToken);
        await db.SaveChangesAsync(cancellationToken);
        await transaction.CommitAsync(cancellationToken);
        return changed;
    }

    async Task UpdateAsync(SignInProfile signIn, DateTimeOffset now, CancellationToken cancellationToken)
    {
        await using var transaction = await db.Database.BeginTransactionAsync(cancellationToken);
        await SetPlatformAdminAsync(signIn.Subject, signIn.PlatformAdminFromDirectory, cancellationToken);

        var user = await db.KnownUsers.SingleAsync(u => u.Subject == signIn.Subject, cancellationToken);
        user.Describe(signIn);
        // Two sign-ins a moment apart may commit in either order; the later instant wins.
        user.LastSignInAt = user.LastSignInAt > now ? user.LastSignInAt : now;
        await db.SaveChangesAsync(cancellationToken);
        await transaction.CommitAsync(cancellationToken);
    }

    // Call inside a transaction; the audit entry is added for the caller's save. The update is conditional, so of
    // two racing writers that both change the value only one affects the row (the other waits on its row lock,
    // then finds the value already set) and only that one audits the change.
    async Task<bool> SetPlatformAdminAsync(string subject, bool platformAdmin, CancellationToken cancellationToken)
    {
        var flipped = await db.KnownUsers
            .Where(u => u.Subject == subject && u.PlatformAdminFromDirectory != platformAdmin)
            .ExecuteUpdateAsync(set => set.SetProperty(u => u.PlatformAdminFromDirectory, platformAdmin), cancellationToken);
        if (flipped > 0)
        {
            PlatformAdminAudit(db, subject, platformAdmin);
        }

        return flipped > 0;
    }

    static void PlatformAdminAudit(PortalDb db, string subject, bool granted) =>
        db.Record(DirectoryActor, granted ? PlatformAdminAdded : PlatformAdminRemoved, AuditOutcome.Succeeded, target: $"users/{subject}",
            detail: granted
                ? "Directory groups map to platform administration."
                : "No directory group maps to platform administration any more.");
}
