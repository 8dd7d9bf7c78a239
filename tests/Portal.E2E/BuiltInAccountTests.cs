using System.Security.Claims;
using Microsoft.AspNetCore.Identity;
using Microsoft.EntityFrameworkCore;
using Portal.Core.Tenants;
using Microsoft.Playwright;
using Portal.Web.Features.Identity;

namespace Portal.E2E;

/// <summary>Built-in accounts: the bootstrap administrator, the sign-in form, one-time passwords.</summary>
public sealed class BuiltInAccountTests(LocalAccountsFixture local, Browser browser) : IClassFixture<LocalAccountsFixture>
{
    string Url(string path) => new Uri(local.Portal.BaseAddress, path).ToString();

    async Task<IPage> SubmitSignInAsync(string userName, string password)
    {
        var page = await browser.NewPageAsync();
        await page.GotoAsync(Url(ProtectedPage));
        await page.FillAsync("#username", userName);
        await page.FillAsync("#password", password);
        await page.ClickAsync("#signin");
        return page;
    }

    /// <summary>A page that needs a signed-in user: the caller's access tokens.</summary>
    const string ProtectedPage = "tokens";

    /// <summary>
    /// Waits until <paramref name="page"/> is at <paramref name="path"/>; a timeout says where it is and what it shows.
    /// The URL is polled (an expectation), not waited for as a navigation: WaitForURLAsync hung in some runs on a loaded
    /// machine with the URL already matching.
    /// </summary>
    async Task AtAsync(IPage page, string path)
    {
        try
        {
            await Assertions.Expect(page).ToHaveURLAsync(Url(path), new() { Timeout = 60_000 });
        }
        catch (PlaywrightException e)
        {
            var text = await page.InnerTextAsync("body");
            throw new TimeoutException($"Not at /{path} but at {page.Url}, showing: {(text.Length > 300 ? text[..300] : text)}", e);
        }
    }

    async Task CreateUserAsync(string userName, string password, params Claim[] claims) => await local.Portal.InScopeAsync(async sp =>
    {
        var users = sp.GetRequiredService<UserManager<IdentityUser>>();
        var user = new IdentityUser(userName);
        Assert.True((await users.CreateAsync(user, password)).Succeeded);
        foreach (var claim in claims)
        {
            await users.AddClaimAsync(user, claim);
        }

        return user;
    });

    [Fact]
    public async Task The_first_administrator_signs_in_with_the_configured_password()
    {
        var page = await SubmitSignInAsync("admin", LocalAccountsFixture.AdminPassword);
        await AtAsync(page, ProtectedPage);

        var me = await LocalAccountsFixture.ReadMeAsync(page, local.Portal);

        Assert.Equal(("admin", true, IdentityProviders.Local), (me!.Name, me.IsPlatformAdmin, me.IdentityProvider));
    }

    [Fact]
    public async Task The_session_cookie_is_secure_http_only_and_same_site_lax()
    {
        var page = await SubmitSignInAsync("admin", LocalAccountsFixture.AdminPassword);
        await AtAsync(page, ProtectedPage);

        var cookie = (await page.Context.CookiesAsync()).Single(c => c.Name == "portal.session");

        Assert.Equal((true, true, SameSiteAttribute.Lax), (cookie.Secure, cookie.HttpOnly, cookie.SameSite));
    }

    [Fact]
    public async Task A_wrong_password_stays_on_the_sign_in_page_with_a_message()
    {
        var page = await SubmitSignInAsync("admin", "not-the-password");

        Assert.Equal("Wrong user name or password.", await page.InnerTextAsync("[role=alert]"));
    }

    [Fact]
    public async Task Resetting_an_accounts_security_stamp_ends_its_sessions()
    {
        await CreateUserAsync("erin", "erins-own-Password-1");
        var page = await SubmitSignInAsync("erin", "erins-own-Password-1");
        await AtAsync(page, ProtectedPage);
        await local.Portal.InScopeAsync(async sp =>
        {
            var users = sp.GetRequiredService<UserManager<IdentityUser>>();
            return await users.UpdateSecurityStampAsync((await users.FindByNameAsync("erin"))!);
        });

        await page.GotoAsync(Url(ProtectedPage));

        Assert.Equal(Url("signin?returnUrl=%2Ftokens"), page.Url);
    }

    [Fact]
    public async Task Signing_in_with_a_one_time_password_leads_to_the_password_page_first()
    {
        await CreateUserAsync("carol", "one-time-Password-1", new Claim(PortalClaims.PasswordChangeRequired, "true"));

        var page = await SubmitSignInAsync("carol", "one-time-Password-1");

        await AtAsync(page, "account/password");
    }

    [Fact]
    public async Task After_choosing_a_new_password_the_portal_opens()
    {
        await CreateUserAsync("dave", "one-time-Password-1", new Claim(PortalClaims.PasswordChangeRequired, "true"));
        var page = await SubmitSignInAsync("dave", "one-time-Password-1");
        await AtAsync(page, "account/password");
        await page.FillAsync("#current", "one-time-Password-1");
        await page.FillAsync("#new", "daves-own-Password-2");
        await page.FillAsync("#confirm", "daves-own-Password-2");
        await page.ClickAsync("#change");
        await AtAsync(page, "");

        var me = await LocalAccountsFixture.ReadMeAsync(page, local.Portal);

        Assert.Equal("dave", me!.Name);
    }
}

public sealed class BootstrapTests(SsoFixture sso, LocalAccountsFixture local) : IClassFixture<SsoFixture>, IClassFixture<LocalAccountsFixture>
{
    [Fact]
    public async Task The_first_administrator_administers_the_default_tenant()
    {
        var adminId = await local.Portal.InScopeAsync(async sp => (await sp.GetRequiredService<UserManager<IdentityUser>>().FindByNameAsync("admin"))!.Id);

        var role = await local.Portal.WithDbAsync(db => db.Memberships
            .Where(m => m.Subject == adminId)
            .Join(db.Tenants, m => m.TenantId, t => t.Id, (m, t) => new { t.Slug, m.Role })
            .SingleAsync());

        Assert.Equal(new { Slug = PortalTestApp.DefaultTenantSlug, Role = TenantRole.Admin }, role);
    }

    [Fact]
    public async Task With_single_sign_on_no_built_in_administrator_is_created()
    {
        var admin = await sso.Portal.InScopeAsync(sp => sp.GetRequiredService<UserManager<IdentityUser>>().FindByNameAsync("admin"));

        Assert.Null(admin);
    }
}

public sealed class BuiltInAccountSwitchTests(SsoFixture sso)
    : IClassFixture<SsoFixture>
{
    static CancellationToken Ct => TestContext.Current.CancellationToken;

    [Fact]
    public async Task With_built_in_accounts_off_the_sign_in_page_offers_only_single_sign_on()
    {
        var settings = Sso.Settings(sso.Provider);
        settings["Authentication:BuiltInAccounts:Enabled"] = "false";
        await using var portal = await PortalTestApp.StartAsync(settings);
        using var client = portal.CreateClient();

        var page = await client.GetStringAsync("signin", Ct);

        Assert.Equal((true, false), (page.Contains("id=\"sso\"", StringComparison.Ordinal), page.Contains("id=\"password\"", StringComparison.Ordinal)));
    }

    [Fact]
    public async Task A_portal_with_neither_built_in_accounts_nor_single_sign_on_refuses_to_start()
    {
        var start = PortalTestApp.StartAsync(new Dictionary<string, string?> { ["Authentication:BuiltInAccounts:Enabled"] = "false" });

        var error = await Assert.ThrowsAsync<Microsoft.Extensions.Options.OptionsValidationException>(() => start);

        Assert.Contains("nobody could sign in", error.Message, StringComparison.Ordinal);
    }
}
