using Bunit;
using Microsoft.EntityFrameworkCore;
using Portal.Core.Identity;
using Portal.Core.Tenants;
using Portal.Web.Features.Identity;
using Portal.Web.Features.Tenants;

namespace Portal.Web.Tests.Components;

/// <summary>
/// Members are stored by subject (an opaque id), but the members page shows and finds people by name, from the
/// users who have signed in (the known-users directory).
/// </summary>
public sealed class TenantMembersByNameTests(PortalApp app) : IClassFixture<PortalApp>
{
    private readonly string _admin = $"admin-{Guid.NewGuid():N}";

    private static CancellationToken Ct => Xunit.TestContext.Current.CancellationToken;

    private async Task<string> SignedInUserAsync(string name, string email)
    {
        var subject = $"sso-{Guid.NewGuid():N}";
        await using var db = app.Db();
        await new SignInRecorder(db, TimeProvider.System)
            .RecordAsync(new SignInProfile(subject, name, email, IdentityProviders.OpenIdConnect, false), Ct);
        return subject;
    }

    [Fact]
    public async Task A_member_who_has_signed_in_is_listed_by_name()
    {
        var subject = await SignedInUserAsync("Dana Scully", "dana@example.com");
        await app.CreateTenantAsync((_admin, TenantRole.Admin), (subject, TenantRole.Member));
        await using var host = new ComponentHost(app, _admin);

        var page = host.Context.Render<TenantMembers>();

        await page.WaitForAssertionAsync(() => Assert.Contains(
            page.FindAll("[data-testid=member-subject]"), cell => cell.TextContent.Contains("Dana Scully", StringComparison.Ordinal)));
    }

    [Fact]
    public async Task A_person_typed_by_their_full_name_is_added_by_their_subject()
    {
        var subject = await SignedInUserAsync("Fox Mulder", "fox@example.com");
        var tenant = await app.CreateTenantAsync((_admin, TenantRole.Admin));
        await using var host = new ComponentHost(app, _admin);
        var page = host.Context.Render<TenantMembers>();
        await page.WaitForElementAsync("[data-testid=add-member]");

        page.Find("[data-testid=add-member-subject]").Input("Fox Mulder");
        await page.ClickAsync("[data-testid=add-member]");

        await using var db = app.Db();
        await page.WaitForAssertionAsync(() => Assert.True(db.Memberships.AsNoTracking().Any(m => m.TenantId == tenant.Id && m.Subject == subject)));
    }

    [Fact]
    public async Task Typed_text_that_matches_nobody_who_has_signed_in_is_not_added_at_once_and_a_warning_says_why()
    {
        var tenant = await app.CreateTenantAsync((_admin, TenantRole.Admin));
        await using var host = new ComponentHost(app, _admin);
        var page = host.Context.Render<TenantMembers>();
        await page.WaitForElementAsync("[data-testid=add-member]");

        page.Find("[data-testid=add-member-subject]").Input("fox-mulderr");
        await page.ClickAsync("[data-testid=add-member]");

        await page.WaitForElementAsync("[data-testid=add-member-unknown]");
        await using var db = app.Db();
        Assert.False(await db.Memberships.AnyAsync(m => m.TenantId == tenant.Id && m.Subject == "fox-mulderr", Ct));
    }

    [Fact]
    public async Task Pressing_add_again_adds_a_single_sign_on_subject_nobody_has_seen_yet()
    {
        var tenant = await app.CreateTenantAsync((_admin, TenantRole.Admin));
        await using var host = new ComponentHost(app, _admin);
        var page = host.Context.Render<TenantMembers>();
        await page.WaitForElementAsync("[data-testid=add-member]");
        page.Find("[data-testid=add-member-subject]").Input("sso-not-seen-yet");
        await page.ClickAsync("[data-testid=add-member]");
        await page.WaitForElementAsync("[data-testid=add-member-unknown]");

        await page.ClickAsync("[data-testid=add-member]");

        await using var db = app.Db();
        await page.WaitForAssertionAsync(() => Assert.True(db.Memberships.AsNoTracking().Any(m => m.TenantId == tenant.Id && m.Subject == "sso-not-seen-yet")));
    }

    [Fact]
    public async Task A_name_two_people_share_asks_to_pick_one_of_them()
    {
        await SignedInUserAsync("Jordan Lee", "jordan.lee@example.com");
        await SignedInUserAsync("Jordan Lee", "jlee@example.org");
        await app.CreateTenantAsync((_admin, TenantRole.Admin));
        await using var host = new ComponentHost(app, _admin);
        var page = host.Context.Render<TenantMembers>();
        await page.WaitForElementAsync("[data-testid=add-member]");
        page.Find("[data-testid=add-member-subject]").Input("Jordan Lee");

        await page.ClickAsync("[data-testid=add-member]");

        await page.WaitForAssertionAsync(() => Assert.Contains("pick one from the list",
            page.Find("[data-testid=add-member-subject]").Closest(".mud-input-control")!.TextContent, StringComparison.Ordinal));
    }
}
