using Microsoft.Playwright;

namespace Portal.E2E.Ui;

/// <summary>
/// A platform admin invites a colleague on the Users page; the colleague opens the link, chooses a password on the
/// styled invitation page, signs in, and the portal names them by their display name. One journey on the real portal,
/// PostgreSQL and the sandbox: each step needs the one before.
/// </summary>
[Collection(BrowserUi.Name)]
public sealed class TeamAccountsJourneyTests(RunningPortal portal, Browser browser) : IClassFixture<RunningPortal>
{
    const string Colleague = "ada";
    const string ColleaguePassword = "adas-own-Password-1";

    // Expectations wait this long on a loaded machine (Playwright's own default is 5 s).
    const float Generous = 60_000;

    async Task<IPage> NewPageAsync()
    {
        var page = await browser.NewPageAsync();
        await page.SetViewportSizeAsync(1280, 860);
        return page;
    }

    [Fact]
    public async Task An_invited_colleague_chooses_a_password_signs_in_and_is_named_by_their_display_name()
    {
        // The admin creates the account with an invitation link.
        var admin = await NewPageAsync();
        await portal.SignInAsync(admin);
        await admin.GotoAsync(portal.Url("admin/users"));
        await Assertions.Expect(admin.Locator("[data-testid=new-user]")).ToBeEnabledAsync();
        await admin.ClickAsync("[data-testid=new-user]");
        // Into User name first, which also focuses itself once the server has rendered the dialog (a late focus would
        // take the next keystrokes); on a loaded machine that autofocus was seen never to come, so the test clicks.
        await admin.Locator("[data-testid=field-user-name]").ClickAsync();
        await Assertions.Expect(admin.Locator("[data-testid=field-user-name]")).ToBeFocusedAsync(new() { Timeout = Generous });
        await admin.Locator("[data-testid=field-user-name]").FillAsync(Colleague);
        await admin.Locator("[data-testid=field-display-name]").FillAsync("Ada Lovelace");
        await admin.Locator("[data-testid=field-email]").FillAsync("ada@example.com");
        await admin.GetByText("Invitation link where they choose a password").ClickAsync();
        await admin.ClickAsync("[data-testid=create-user]");
        var link = admin.Locator("[data-testid=account-invitation]");
        await Assertions.Expect(link).ToBeVisibleAsync(new() { Timeout = Generous });
        await Assertions.Expect(admin.Locator("[data-testid=users-table]")).ToContainTextAsync("Ada Lovelace");
        await RunningPortal.ScreenshotAsync(admin, "admin-users");

        // The colleague opens the link and chooses a password; the sign-in form has their user name already.
        var colleague = await NewPageAsync();
        await colleague.GotoAsync(await link.InnerTextAsync());
        await colleague.FillAsync("#new", ColleaguePassword);
        await colleague.FillAsync("#confirm", ColleaguePassword);
        await colleague.ClickAsync("#accept");
        await colleague.WaitForURLAsync(url => url.Contains("/signin", StringComparison.Ordinal));
        await Assertions.Expect(colleague.Locator("#username")).ToHaveValueAsync(Colleague);
        await colleague.FillAsync("#password", ColleaguePassword);
        await colleague.ClickAsync("#signin");
        await colleague.WaitForURLAsync(url => !url.Contains("/signin", StringComparison.Ordinal));
        await RunningPortal.InteractiveAsync(colleague);

        await colleague.ClickAsync("[data-testid=user-menu] button");

        await Assertions.Expect(colleague.Locator("[data-testid=signed-in-as]")).ToContainTextAsync("Ada Lovelace", new() { Timeout = Generous });
    }

    [Fact]
    public async Task The_sign_in_page_is_styled_like_the_portal_and_keeps_the_user_name_after_a_wrong_password()
    {
        var page = await NewPageAsync();
        await page.GotoAsync(portal.Url("signin"));
        await RunningPortal.ScreenshotAsync(page, "signin");

        await page.FillAsync("#username", RunningPortal.AdminUserName);
        await page.FillAsync("#password", "not-the-password");
        await page.ClickAsync("#signin");

        // Styled: the theme's primary colour on the button, an input with a visible border. The pointer leaves the
        // button first, so no hover colour is read.
        await Assertions.Expect(page.Locator("[role=alert]")).ToHaveTextAsync("Wrong user name or password.");
        await page.Mouse.MoveAsync(0, 500);
        Assert.Equal(
            (RunningPortal.AdminUserName, "rgb(184, 67, 15)", "1px"),
            (await page.InputValueAsync("#username"),
             await page.EvalOnSelectorAsync<string>("#signin", "e => getComputedStyle(e).backgroundColor"),
             await page.EvalOnSelectorAsync<string>("#username", "e => getComputedStyle(e).borderTopWidth")));
    }
}
