namespace Portal.Web.Features.Tenants;

/// <summary>
/// /api/v1/tenants/{tenant}/members: who belongs to a tenant and with which role. Handlers translate HTTP to
/// <see cref="MembershipService"/>, which decides who may change what (the tenant admin page calls it too).
/// </summary>
internal static class MemberEndpoints
{
    public static RouteGroupBuilder MapMembers(this RouteGroupBuilder tenants)
    {
        var members = tenants.MapGroup("/{tenant}/members").WithTags("Members");
        members.MapGet("/", List).WithName("ListMembers")
            .WithSummary("List the tenant's members (tenant admins)")
            .WithDescription("Ordered by subject. Members and viewers of the tenant get 403; anyone else 404.")
            .ProducesProblem(StatusCodes.Status403Forbidden);
        members.MapPut("/{subject}", Put).WithName("PutMember")
            .WithSummary("Add a member or change their role (tenant admins)")
            .WithDescription("Body `{\"role\": \"Admin\" | \"Member\" | \"Viewer\"}`. Answers 201 when the subject was added, " +
                             "200 when an existing member's role was set. Demoting the tenant's last admin is a 409.")
            .ProducesProblem(StatusCodes.Status403Forbidden)
            .ProducesProblem(StatusCodes.Status409Conflict);
        members.MapDelete("/{subject}", Remove).WithName("RemoveMember")
            .WithSummary("Remove a member (tenant admins)")
            .WithDescription("Their clusters stay. Removing the tenant's last admin is a 409.")
            .ProducesProblem(StatusCodes.Status403Forbidden)
            .ProducesProblem(StatusCodes.Status409Conflict);
        return members;
    }

    private static async Task<Results<Ok<MemberView[]>, ProblemHttpResult>> List(
        string tenant, MembershipService memberships, CancellationToken ct) =>
        (await memberships.ListAsync(tenant, ct)).Answer(members => TypedResults.Ok(members.Select(MemberView.From).ToArray()));

    private static async Task<Results<Created<MemberView>, Ok<MemberView>, ProblemHttpResult>> Put(
        string tenant, string subject, PutMemberRequest request, MembershipService memberships, CancellationToken ct)
    {
        // JSON binding refuses unknown role names and numbers (the API reads enums by name only); null is left here.
        if (request.Role is not { } role || !Enum.IsDefined(role))
            return Failure.Invalid("role", $"Required: one of {string.Join(", ", Enum.GetNames<TenantRole>())}.").ToProblem();

        subject = subject.Trim();
        // Listing first decides between add and change without a refused add in the audit log for every role change.
        // When the caller may not list, AddAsync refuses the same way and records the refusal.
        var current = await memberships.ListAsync(tenant, ct);
        var exists = current.Value?.Any(m => m.Subject == subject) == true;
        var outcome = exists
            ? await memberships.ChangeRoleAsync(tenant, subject, role, ct)
            : await memberships.AddAsync(tenant, subject, role, ct);
        if (outcome.Failure is { } failure)
            return failure.ToProblem();

        var view = MemberView.From(outcome.Value!);
        return exists
            ? TypedResults.Ok(view)
            : TypedResults.Created($"/api/v1/tenants/{Uri.EscapeDataString(tenant)}/members/{Uri.EscapeDataString(view.Subject)}", view);
    }

    private static async Task<Results<NoContent, ProblemHttpResult>> Remove(
        string tenant, string subject, MembershipService memberships, CancellationToken ct) =>
        (await memberships.RemoveAsync(tenant, subject, ct)).NoContent();
}

/// <summary>Body of PUT /api/v1/tenants/{tenant}/members/{subject}.</summary>
internal sealed record PutMemberRequest
{
    /// <summary>Required. Admin, Member or Viewer.</summary>
    public TenantRole? Role { get; init; }
}

/// <summary>A tenant member as the API shows it.</summary>
/// <param name="Subject">The member's stable user id.</param>
/// <param name="Role">Their role in the tenant.</param>
/// <param name="CreatedAt">When they were added.</param>
internal sealed record MemberView(string Subject, TenantRole Role, DateTimeOffset CreatedAt)
{
    public static MemberView From(Membership membership) => new(membership.Subject, membership.Role, membership.CreatedAt);
}
