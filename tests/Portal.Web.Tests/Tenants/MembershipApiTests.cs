using System.Net;
using System.Net.Http.Json;
using Microsoft.EntityFrameworkCore;
using Portal.Core.Audit;
using Portal.Core.Tenants;

namespace Portal.Web.Tests.Tenants;

/// <summary>The members API: tenant admins list, add, re-role and remove members; the tenant keeps an admin.</summary>
public sealed class MembershipApiTests(PortalApp app) : IClassFixture<PortalApp>
{
    private static CancellationToken Ct => TestContext.Current.CancellationToken;

    private static string Someone(string who) => $"{who}-{Guid.NewGuid():N}"[..20];

    private sealed record MemberDto(string Subject, TenantRole Role, DateTimeOffset CreatedAt);

    private async Task<(Tenant Tenant, HttpClient Admin)> TenantWithAdminAsync(params (string Subject, TenantRole Role)[] others)
    {
        var admin = Someone("admin");
        var tenant = await app.CreateTenantAsync([(admin, TenantRole.Admin), .. others]);
        return (tenant, app.CreateClient(admin));
    }

    private static string Members(Tenant tenant, string? subject = null) =>
        $"/api/v1/tenants/{tenant.Slug}/members{(subject is null ? "" : $"/{subject}")}";

    private async Task<TenantRole?> RoleInDatabaseAsync(Tenant tenant, string subject)
    {
        await using var db = app.Db();
        return await db.Memberships.Where(m => m.TenantId == tenant.Id && m.Subject == subject)
            .Select(m => (TenantRole?)m.Role).SingleOrDefaultAsync(Ct);
    }

    [Fact]
    public async Task A_tenant_admin_lists_the_members_ordered_by_subject()
    {
        var (tenant, admin) = await TenantWithAdminAsync(("zoe", TenantRole.Viewer), ("bea", TenantRole.Member));

        var members = await admin.GetFromJsonAsync<MemberDto[]>(Members(tenant), Json.Options, Ct);

        Assert.Equal(["bea", "zoe"], members!.Select(m => m.Subject).Where(s => s is "bea" or "zoe"));
    }

    [Fact]
    public async Task Putting_a_new_subject_adds_them_with_201_and_a_location()
    {
        var (tenant, admin) = await TenantWithAdminAsync();
        var newcomer = Someone("new");

        var response = await admin.PutAsync(Members(tenant, newcomer), Json.Body(new { role = "Member" }), Ct);

        Assert.Equal(
            (HttpStatusCode.Created, $"/api/v1/tenants/{tenant.Slug}/members/{newcomer}", (TenantRole?)TenantRole.Member),
            (response.StatusCode, response.Headers.Location?.OriginalString, await RoleInDatabaseAsync(tenant, newcomer)));
    }

    [Fact]
    public async Task Putting_an_existing_member_changes_their_role_with_200()
    {
        var viewer = Someone("viewer");
        var (tenant, admin) = await TenantWithAdminAsync((viewer, TenantRole.Viewer));

        var response = await admin.PutAsync(Members(tenant, viewer), Json.Body(new { role = "Admin" }), Ct);

        var body = await response.Content.ReadFromJsonAsync<MemberDto>(Json.Options, Ct);
        Assert.Equal((HttpStatusCode.OK, TenantRole.Admin), (response.StatusCode, body!.Role));
    }

    [Fact]
    public async Task Changing_a_role_is_audited_as_a_change_without_a_refused_add()
    {
        var viewer = Someone("viewer");
        var (tenant, admin) = await TenantWithAdminAsync((viewer, TenantRole.Viewer));

        await admin.PutAsync(Members(tenant, viewer), Json.Body(new { role = "Member" }), Ct);

        var actions = (await app.AuditLogAsync()).Where(a => a.Target == $"tenants/{tenant.Slug}/members/{viewer}")
            .Select(a => (a.Action, a.Outcome));
        Assert.Equal([("membership.change", AuditOutcome.Succeeded)], actions);
    }

    [Fact]
    public async Task Deleting_a_member_removes_them_with_204()
    {
        var member = Someone("member");
        var (tenant, admin) = await TenantWithAdminAsync((member, TenantRole.Member));

        var response = await admin.DeleteAsync(Members(tenant, member), Ct);

        Assert.Equal((HttpStatusCode.NoContent, (TenantRole?)null), (response.StatusCode, await RoleInDatabaseAsync(tenant, member)));
    }

    [Fact]
    public async Task A_member_who_is_not_an_admin_gets_403_when_adding()
    {
        var member = Someone("member");
        var (tenant, _) = await TenantWithAdminAsync((member, TenantRole.Member));

        var response = await app.CreateClient(member).PutAsync(Members(tenant, Someone("new")), Json.Body(new { role = "Viewer" }), Ct);

        Assert.Equal(HttpStatusCode.Forbidden, (HttpStatusCode)(await response.ProblemAsync()).Status);
    }

    [Fact]
    public async Task A_viewer_gets_403_when_listing()
    {
        var viewer = Someone("viewer");
        var (tenant, _) = await TenantWithAdminAsync((viewer, TenantRole.Viewer));

        var response = await app.CreateClient(viewer).GetAsync(Members(tenant), Ct);

        Assert.Equal(HttpStatusCode.Forbidden, (HttpStatusCode)(await response.ProblemAsync()).Status);
    }

    [Fact]
    public async Task A_non_member_gets_404_not_403()
    {
        var (tenant, _) = await TenantWithAdminAsync();

        var response = await app.CreateClient(Someone("stranger")).DeleteAsync(Members(tenant, "anyone"), Ct);

        Assert.Equal(HttpStatusCode.NotFound, (HttpStatusCode)(await response.ProblemAsync()).Status);
    }

    [Theory]
    [InlineData("""{"role": "Owner"}""")]
    [InlineData("""{"role": 7}""")]
    [InlineData("""{"role": null}""")]
    [InlineData("""{}""")]
    public async Task A_missing_or_unknown_role_answers_400_naming_the_role(string body)
    {
        var (tenant, admin) = await TenantWithAdminAsync();

        var response = await admin.PutAsync(Members(tenant, Someone("new")), Json.Raw(body), Ct);

        var problem = await response.ProblemAsync();
        Assert.Equal((400, true), (problem.Status, problem.Errors?.ContainsKey("role") ?? false));
    }

    [Fact]
    public async Task Demoting_the_last_admin_answers_409()
    {
        var admin = Someone("admin");
        var tenant = await app.CreateTenantAsync((admin, TenantRole.Admin));

        var response = await app.CreateClient(admin).PutAsync(Members(tenant, admin), Json.Body(new { role = "Member" }), Ct);

        Assert.Equal(
            (409, (TenantRole?)TenantRole.Admin),
            ((await response.ProblemAsync()).Status, await RoleInDatabaseAsync(tenant, admin)));
    }

    [Fact]
    public async Task Removing_the_last_admin_answers_409()
    {
        var admin = Someone("admin");
        var tenant = await app.CreateTenantAsync((admin, TenantRole.Admin));

        var response = await app.CreateClient(admin).DeleteAsync(Members(tenant, admin), Ct);

        Assert.Equal("A tenant needs an admin.", (await response.ProblemAsync()).Title);
    }

    [Fact]
    public async Task Adding_an_overlong_subject_answers_400_naming_the_subject()
    {
        var (tenant, admin) = await TenantWithAdminAsync();

        var response = await admin.PutAsync(Members(tenant, new string('s', 257)), Json.Body(new { role = "Viewer" }), Ct);

        var problem = await response.ProblemAsync();
        Assert.Equal((400, true), (problem.Status, problem.Errors?.ContainsKey("subject") ?? false));
    }

    [Fact]
    public async Task A_platform_admin_who_is_no_member_manages_any_tenants_members()
    {
        var (tenant, _) = await TenantWithAdminAsync();
        var newcomer = Someone("new");

        var response = await app.CreateClient(Someone("root"), platformAdmin: true)
            .PutAsync(Members(tenant, newcomer), Json.Body(new { role = "Viewer" }), Ct);

        Assert.Equal(HttpStatusCode.Created, response.StatusCode);
    }
}
