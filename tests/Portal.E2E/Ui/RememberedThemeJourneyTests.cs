using Microsoft.Playwright;

namespace Portal.E2E.Ui;

/// <summary>The theme a person chooses is theirs: a reload and a new tab keep it. A portal of its own, so no other test's theme is changed.</summary>
[Collection(BrowserUi.Name)]
public sealed class RememberedThemeJourneyTests(RunningPortal portal, Browser browser) : IClassFixture<RunningPortal>
{
    const string ToLight = "Switch to light theme";

    async Task<ILocator> OpenClustersAsync(IPage page)
    {
        await page.GotoAsync(portal.Url("clusters"));
        await RunningPortal.InteractiveAsync(page);
        return page.Locator("[data-testid=theme-toggle]");
    }

    [Fact]
    public async Task The_dark_theme_chosen_is_kept_on_reload_and_in_a_new_tab()
    {
        var page = await browser.NewPageAsync();
        await portal.SignInAsync(page);
        var toggle = await OpenClustersAsync(page);
        await toggle.ClickAsync();
        await Assertions.Expect(toggle).ToHaveAttributeAsync("aria-label", ToLight);

        await page.ReloadAsync();
        await RunningPortal.InteractiveAsync(page);
        var tab = await page.Context.NewPageAsync();

        await Assertions.Expect(page.Locator("[data-testid=theme-toggle]")).ToHaveAttributeAsync("aria-label", ToLight);
        await Assertions.Expect(await OpenClustersAsync(tab)).ToHaveAttributeAsync("aria-label", ToLight);
    }
}
