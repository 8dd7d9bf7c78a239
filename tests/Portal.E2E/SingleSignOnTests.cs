using Microsoft.EntityFrameworkCore;
using Microsoft.Playwright;
using Portal.Core.Tenants;
using Portal.Web.Features.Identity;

namespace Portal.E2E;

/// <summary>A real Chromium signs in through the provider with the authorization code flow and PKCE.</summary>
public sealed class SingleSignOnTests(SsoFixture sso, Browser browser) : IClassFixture<SsoFixture>
{
    string Url(string path) => new Uri(sso.Portal.BaseAddress, path).ToString();

    // From a protected page, through the portal's sign-in page and the provider's login form, back to the page.
    async Task<IPage> SignInAsync(TestUser user)
    {
        var page = await browser.NewPageAsync();
        await page.GotoAsync(Url("tokens"));
        await page.ClickAsync("#sso");
        await page.FillAsync("#username", user.UserName);
        await page.FillAsync("#password", user.Password);
        await page.ClickAsync("#login");
        // The URL is polled, not waited for as a navigation: WaitForURLAsync hung in some runs on a loaded machine
        // with the URL already matching.
        await Assertions.Expect(page).ToHaveURLAsync(Url("tokens"), new() { Timeout = 60_000 });
        return page;
    }

    // The sign-in page of a signed-in user offers the sign-out button (a form with an antiforgery token). Its
    // post ends, through the provider's end-session endpoint and back, on the sign-in page again.
    async Task SignOutAsync(IPage page)
    {
        await page.GotoAsync(Url("signin"));
        await page.ClickAsync("#signout");
        await page.Locator("#signout").WaitForAsync(new() { State = WaitForSelectorState.Detached });
        await page.WaitForURLAsync(Url("signin"));
    }

    Task<PortalPrincipal?> ReadMeAsync(IPage page) => LocalAccountsFixture.ReadMeAsync(page, sso.Portal);

    [Fact]
    public async Task Chromium_signs_in_through_the_provider_and_the_session_carries_the_users_claims()
    {
        var page = await SignInAsync(Sso.Ada);

        var me = await ReadMeAsync(page);

        Assert.Equal(
            new PortalPrincipal(Sso.Ada.Subject, Sso.Ada.Name, Sso.Ada.Email, IsPlatformAdmin: false, IdentityProviders.OpenIdConnect, Token: null),
            me);
    }

    [Fact]
    public async Task Signing_in_as_a_member_of_the_admin_group_makes_a_platform_administrator()
    {
        var page = await SignInAsync(Sso.Grace);

        var me = await ReadMeAsync(page);

        Assert.True(me!.IsPlatformAdmin);
    }

    [Fact]
    public async Task Signing_in_grants_the_strongest_role_the_users_groups_map_to()
    {
        await SignInAsync(Sso.Grace);

        var role = await sso.Portal.WithDbAsync(db => db.Memberships
            .Where(m => m.Subject == Sso.Grace.Subject)
            .Join(db.Tenants, m => m.TenantId, t => t.Id, (m, t) => new { t.Slug, m.Role })
            .SingleAsync());

        Assert.Equal(new { Slug = PortalTestApp.TenantSlug, Role = TenantRole.Admin }, role);
    }

    [Fact]
    public async Task A_sign_in_is_recorded_in_the_audit_log()
    {
        await SignInAsync(Sso.Linus);

        var recorded = await sso.Portal.WithDbAsync(db => db.AuditLog.AnyAsync(a => a.Action == "signin" && a.Actor == Sso.Linus.Subject));

        Assert.True(recorded);
    }

    [Fact]
    public async Task Signing_out_ends_the_session_at_the_provider_and_returns_to_the_sign_in_page()
    {
        var page = await SignInAsync(Sso.Ada);
        var endSessions = sso.Provider.EndSessions;

        await SignOutAsync(page);

        Assert.Equal(endSessions + 1, sso.Provider.EndSessions);
    }

    [Fact]
    public async Task After_signing_out_a_protected_page_asks_to_sign_in_again()
    {
        var page = await SignInAsync(Sso.Ada);
        await SignOutAsync(page);

        await page.GotoAsync(Url("tokens"));

        Assert.Equal(Url("signin?returnUrl=%2Ftokens"), page.Url);
    }
}
