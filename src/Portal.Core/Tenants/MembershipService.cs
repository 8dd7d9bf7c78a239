namespace Portal.Core.Tenants;

/// <summary>
/// A tenant's members and their roles, for the tenant admin page: only the tenant's admins and platform admins
/// change them, a tenant never loses its last admin, and every change (or refusal) appends to the audit log.
/// </summary>
public sealed class MembershipService(IDbContextFactory<PortalDb> contexts, Caller caller, TimeProvider time)
{
    /// <summary>Longest subject; the column holds 256 characters.</summary>
    public const int MaxSubjectLength = 256;

    /// <summary>The tenant's members by subject; refused unless the caller administers the tenant.</summary>
    public async Task<Outcome<IReadOnlyList<Membership>>> ListAsync(string slug, CancellationToken ct)
    {
        await using var db = await contexts.CreateDbContextAsync(ct);
        var administered = await AdministeredAsync(db, slug, ct);
        if (administered.Failure is { } refusal)
            return refusal;
        var tenant = administered.Value!;
        var members = await db.Memberships.AsNoTracking().Where(m => m.TenantId == tenant.Id).ToListAsync(ct);
        return Outcome<IReadOnlyList<Membership>>.Success(members.OrderBy(m => m.Subject, StringComparer.Ordinal).ToList());
    }

    /// <summary>Adds <paramref name="subject"/> with <paramref name="role"/>; a conflict if they are a member already.</summary>
    public async Task<Outcome<Membership>> AddAsync(string slug, string subject, TenantRole role, CancellationToken ct)
    {
        ArgumentNullException.ThrowIfNull(subject);
        subject = subject.Trim();
        var target = $"tenants/{slug}/members/{subject}";
        await using var db = await contexts.CreateDbContextAsync(ct);
        var administered = await AdministeredAsync(db, slug, ct);
        if (administered.Failure is { } refusal)
            return await RefusedAsync(db, "membership.add", null, target, refusal, ct);
        var tenant = administered.Value!;
        if (SubjectProblem(subject) is { } problem)
            return await RefusedAsync(db, "membership.add", tenant.Id, target, Failure.Invalid("subject", problem), ct);
        if (await db.Memberships.AnyAsync(m => m.TenantId == tenant.Id && m.Subject == subject, ct))
            return await RefusedAsync(db, "membership.add", tenant.Id, target,
                new Failure(FailureKind.Conflict, "Already a member.", $"'{subject}' is already a member of '{slug}'."), ct);

        var membership = new Membership { TenantId = tenant.Id, Subject = subject, Role = role, CreatedAt = time.GetUtcNow() };
        db.Memberships.Add(membership);
        Audit(db, "membership.add", tenant.Id, target, AuditOutcome.Succeeded, role.ToString());
        await db.SaveChangesAsync(ct);
        return membership;
    }

    /// <summary>Gives <paramref name="subject"/> a new role; demoting the last admin is refused.</summary>
    public Task<Outcome<Membership>> ChangeRoleAsync(string slug, string subject, TenantRole role, CancellationToken ct) =>
        ChangeMemberAsync(slug, subject, "membership.change", demotes: role != TenantRole.Admin,
            (_, membership) => membership.Role = role, role.ToString(), ct);

    /// <summary>Removes <paramref name="subject"/> from the tenant; removing the last admin is refused.</summary>
    public Task<Outcome<Membership>> RemoveAsync(string slug, string subject, CancellationToken ct) =>
        ChangeMemberAsync(slug, subject, "membership.remove", demotes: true,
            (db, membership) => db.Memberships.Remove(membership), null, ct);

    /// <summary>
    /// Applies <paramref name="change"/> to an existing member, audited as <paramref name="action"/>; refused when it
    /// <paramref name="demotes"/> an admin who is the tenant's last.
    /// </summary>
    async Task<Outcome<Membership>> ChangeMemberAsync(
        string slug, string subject, string action, bool demotes, Action<PortalDb, Membership> change, string? detail, CancellationToken ct)
    {
        var target = $"tenants/{slug}/members/{subject}";
        await using var db = await contexts.CreateDbContextAsync(ct);
        var administered = await AdministeredAsync(db, slug, ct);
        if (administered.Failure is { } refusal)
            return await RefusedAsync(db, action, null, target, refusal, ct);
        var tenant = administered.Value!;
        var membership = await db.Memberships.SingleOrDefaultAsync(m => m.TenantId == tenant.Id && m.Subject == subject, ct);
        if (membership is null)
            return await RefusedAsync(db, action, tenant.Id, target, NoSuchMember(slug, subject), ct);
        if (membership.Role == TenantRole.Admin && demotes && await IsLastAdminAsync(db, tenant.Id, ct))
            return await RefusedAsync(db, action, tenant.Id, target, LastAdmin(slug), ct);

        change(db, membership);
        Audit(db, action, tenant.Id, target, AuditOutcome.Succeeded, detail);
        await db.SaveChangesAsync(ct);
        return membership;
    }

    /// <summary>Why <paramref name="subject"/> can't be a member's name, or null.</summary>
    /// <remarks>
    /// Subjects come from sign-in (a user name, an OIDC sub) and are shown on pages, in the audit log and in
    /// logs: a line break would forge a line, and markup characters have no place in an identifier.
    /// </remarks>
    public static string? SubjectProblem(string subject)
    {
        ArgumentNullException.ThrowIfNull(subject);
        if (subject.Length is 0 or > MaxSubjectLength)
            return $"Give a user name of 1 to {MaxSubjectLength} characters.";
        if (UserText.Problem(subject) is { } text)
            return text;
        return subject.AsSpan().IndexOfAny('<', '>') >= 0 ? "Must not contain '<' or '>'." : null;
    }

    /// <summary>
    /// The tenant when the caller administers it; otherwise why not: Forbidden for its own members and viewers (they
    /// know it exists), NotFound for everyone else, so a tenant one doesn't belong to looks like one that doesn't exist.
    /// </summary>
    async Task<Outcome<Tenant>> AdministeredAsync(PortalDb db, string slug, CancellationToken ct) =>
        await TenantAccess.ForMemberAsync(db, caller, slug, ct) switch
        {
            null => Refused(slug),
            { Role: TenantRole.Admin } access => access.Tenant,
            _ => AdminsOnly(slug),
        };

    static async Task<bool> IsLastAdminAsync(PortalDb db, Guid tenantId, CancellationToken ct) =>
        await db.Memberships.CountAsync(m => m.TenantId == tenantId && m.Role == TenantRole.Admin, ct) <= 1;

    async Task<Failure> RefusedAsync(PortalDb db, string action, Guid? tenantId, string target, Failure failure, CancellationToken ct)
    {
        db.ChangeTracker.Clear();
        Audit(db, action, tenantId, target, AuditWriter.OutcomeOf(failure), failure.Title);
        await db.SaveChangesAsync(ct);
        return failure;
    }

    void Audit(PortalDb db, string action, Guid? tenantId, string target, AuditOutcome outcome, string? detail) =>
        db.Record(caller.Subject, action, outcome, tenantId, target, detail);

    // Outsiders get the same answer as for a missing tenant, so nothing reveals which tenants exist.
    static Failure Refused(string slug) =>
        new(FailureKind.NotFound, "Tenant not found.", $"No tenant '{slug}' you administer.");

    static Failure AdminsOnly(string slug) =>
        new(FailureKind.Forbidden, "Only tenant admins manage members.", $"Ask an admin of '{slug}' to change its members.", Code: "members.admins-only");

    static Failure NoSuchMember(string slug, string subject) =>
        new(FailureKind.NotFound, "Member not found.", $"'{subject}' is not a member of '{slug}'.");

    static Failure LastAdmin(string slug) =>
        new(FailureKind.Conflict, "A tenant needs an admin.", $"'{slug}' would have no admin left; make someone else admin first.");
}
