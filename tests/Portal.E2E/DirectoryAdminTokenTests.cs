using System.Net.Http.Json;
using Microsoft.EntityFrameworkCore;
using Portal.Core.Identity;
using Portal.Web.Features.Identity;

namespace Portal.E2E;

/// <summary>
/// Personal access tokens of SSO users made platform administrators by a directory group: the portal stores what
/// the last real sign-in (Chromium, authorization code flow) or access token said, and the token follows it.
/// </summary>
public sealed class DirectoryAdminTokenTests(DirectoryAdminTokenTests.Fixture sso, Browser browser)
    : IClassFixture<DirectoryAdminTokenTests.Fixture>
{
    static CancellationToken Ct => TestContext.Current.CancellationToken;

    // Each user twice under one subject: once in the admin group, once after the directory dropped them from it.
    // The provider's users are fixed at start, so a second user name with the same subject stands for "later".
    static readonly TestUser Hedy = new("hedy-sub", "hedy", "hedy-password", "Hedy Lamarr", "hedy@example.test", "platform-admins");
    static readonly TestUser Joan = new("joan-sub", "joan", "joan-password", "Joan Clarke", "joan@example.test", "platform-admins");
    static readonly TestUser JoanLater = Joan with { UserName = "joan-later", Groups = [] };
    static readonly TestUser Ida = new("ida-sub", "ida", "ida-password", "Ida Rhodes", "ida@example.test", "platform-admins");
    static readonly TestUser IdaLater = Ida with { UserName = "ida-later", Groups = [] };

    /// <summary>The provider with the users above and a portal that maps <c>platform-admins</c> to platform administration.</summary>
    public sealed class Fixture : IAsyncLifetime
    {
        public OidcTestProvider Provider { get; private set; } = null!;

        public PortalTestApp Portal { get; private set; } = null!;

        public async ValueTask InitializeAsync()
        {
            Provider = await OidcTestProvider.StartAsync([Hedy, Joan, JoanLater, Ida, IdaLater], Sso.Audience);
            Portal = await PortalTestApp.StartAsync(Sso.Settings(Provider));
            await Provider.RegisterClientAsync(Sso.ClientId, Sso.ClientSecret, Portal.BaseAddress);
            await Portal.WarmUpSingleSignOnAsync();
        }

        public async ValueTask DisposeAsync()
        {
            await Portal.DisposeAsync();
            await Provider.DisposeAsync();
        }
    }

    string Url(string path) => new Uri(sso.Portal.BaseAddress, path).ToString();

    // From a protected page, through the portal's sign-in page and the provider's login form, back to the page.
    async Task SignInAsync(TestUser user)
    {
        var page = await browser.NewPageAsync();
        await page.GotoAsync(Url("tokens"));
        await page.ClickAsync("#sso");
        await page.FillAsync("#username", user.UserName);
        await page.FillAsync("#password", user.Password);
        await page.ClickAsync("#login");
        // The URL is polled, not waited for as a navigation: WaitForURLAsync hung in some runs on a loaded machine
        // with the URL already matching.
        await Microsoft.Playwright.Assertions.Expect(page).ToHaveURLAsync(Url("tokens"), new() { Timeout = 60_000 });
        await page.Context.CloseAsync();
    }

    Task<CreatedToken> TokenAsync(TestUser user) => sso.Portal.InScopeAsync(sp => sp.GetRequiredService<PersonalAccessTokens>()
        .CreateAsync(new TokenRequest(user.Subject, "notebook"), user.Subject, Ct));

    async Task<PortalPrincipal> MeAsync(CreatedToken token)
    {
        using var client = sso.Portal.CreateClient(token.Plaintext);
        return (await client.GetFromJsonAsync<PortalPrincipal>("api/v1/me", Sso.Json, Ct))!;
    }

    [Fact]
    public async Task A_token_of_a_user_whose_groups_made_them_platform_admin_at_sign_in_carries_platform_administration()
    {
        await SignInAsync(Hedy);
        var token = await TokenAsync(Hedy);

        var me = await MeAsync(token);

        Assert.Equal((Hedy.Name, Hedy.Email, true), (me.Name, me.Email, me.IsPlatformAdmin));
    }

    [Fact]
    public async Task A_sign_in_without_the_admin_group_takes_platform_administration_from_the_users_tokens()
    {
        await SignInAsync(Joan);
        var token = await TokenAsync(Joan);

        await SignInAsync(JoanLater);

        Assert.False((await MeAsync(token)).IsPlatformAdmin);
    }

    [Fact]
    public async Task Losing_the_admin_group_is_in_the_audit_log()
    {
        await SignInAsync(Joan);
        await SignInAsync(JoanLater);

        var removed = await sso.Portal.WithDbAsync(db => db.AuditLog.AnyAsync(a =>
            a.Action == SignInRecorder.PlatformAdminRemoved && a.Actor == SignInRecorder.DirectoryActor && a.Target == $"users/{Joan.Subject}", Ct));

        Assert.True(removed);
    }

    [Fact]
    public async Task An_access_token_without_the_admin_group_takes_platform_administration_from_the_users_tokens()
    {
        await SignInAsync(Ida);
        var token = await TokenAsync(Ida);

        // A notebook calls the API with a fresh access token from the provider, whose groups no longer include the admin group.
        using var notebook = sso.Portal.CreateClient(await sso.Provider.GetAccessTokenAsync(IdaLater, Sso.ClientId, Sso.ClientSecret));
        using var called = await notebook.GetAsync("api/v1/me", Ct);

        Assert.False((await MeAsync(token)).IsPlatformAdmin);
    }
}
