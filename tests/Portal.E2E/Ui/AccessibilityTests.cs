using Deque.AxeCore.Commons;
using Deque.AxeCore.Playwright;
using Microsoft.Playwright;

namespace Portal.E2E.Ui;

/// <summary>
/// Every page passes axe-core's automated WCAG 2.1 A and AA checks (labels, names, contrast, landmarks, ARIA) in
/// both themes, and the main flow works from the keyboard alone. Automated checks find a part of what a person with
/// a screen reader would; they keep what was reviewed by hand from regressing.
/// </summary>
[Collection(BrowserUi.Name)]
public sealed class AccessibilityTests(RunningPortal portal, Browser browser) : IClassFixture<RunningPortal>
{
    static readonly AxeRunOptions WcagAA = new()
    {
        RunOnly = new RunOnlyOptions { Type = "tag", Values = ["wcag2a", "wcag2aa", "wcag21a", "wcag21aa"] },
    };

    async Task<IPage> SignedInAsync()
    {
        var page = await browser.NewPageAsync();
        await page.SetViewportSizeAsync(1280, 860);
        await portal.SignInAsync(page);
        return page;
    }

    /// <summary>Opens <paramref name="path"/> and waits until the interactive page has rendered its content.</summary>
    async Task<IPage> OpenAsync(string path, string readySelector)
    {
        var page = await SignedInAsync();
        await page.GotoAsync(portal.Url(path));
        await page.Locator(readySelector).First.WaitForAsync();
        // The circuit has connected and re-rendered the prerendered page (buttons disabled until then are enabled).
        await RunningPortal.InteractiveAsync(page);
        // The theme is remembered per user, and another test here may have chosen dark: each starts light.
        var toggle = page.Locator("[data-testid=theme-toggle]");
        if (await toggle.GetAttributeAsync("aria-label") == "Switch to light theme")
        {
            await toggle.ClickAsync();
            await Assertions.Expect(toggle).ToHaveAttributeAsync("aria-label", "Switch to dark theme");
        }

        return page;
    }

    /// <summary>Fails with every WCAG 2.1 A/AA violation axe-core finds on <paramref name="page"/> as it is now.</summary>
    internal static async Task AssertNoViolationsAsync(IPage page)
    {
        // Every page sets its <title> (PageTitle), which can land a render after its content on a loaded machine;
        // one that never sets it still fails here.
        await Assertions.Expect(page).ToHaveTitleAsync(new System.Text.RegularExpressions.Regex(@"\S"));
        var result = await page.RunAxe(WcagAA);
        var problems = result.Violations.Select(v =>
            $"{v.Id} ({v.Impact}): {v.Help}\n    " + string.Join("\n    ", v.Nodes.Take(5).Select(n =>
                $"{n.Target} {n.Html}\n      {string.Join("; ", n.Any.Concat(n.All).Concat(n.None).Select(c => c.Message))}")));
        Assert.True(result.Violations.Length == 0, "axe-core found:\n" + string.Join("\n", problems));
    }

    [Theory]
    [InlineData("", "[data-testid=usage]")]
    [InlineData("clusters", "[data-testid=new-cluster]")]
    [InlineData("tokens", "h1, h2, h3, h4, h5, h6")]
    [InlineData("tenant/members", "h1, h2, h3, h4, h5, h6")]
    [InlineData("tenant/storage", "[data-testid=volumes]")]
    [InlineData("admin/tenants", "h1, h2, h3, h4, h5, h6")]
    [InlineData("admin/usage", "h1, h2, h3, h4, h5, h6")]
    [InlineData("admin/audit", "h1, h2, h3, h4, h5, h6")]
    [InlineData("admin/users", "[data-testid=new-user]")]
    public async Task A_page_has_no_automatically_detectable_WCAG_violations(string path, string readySelector)
    {
        var page = await OpenAsync(path, readySelector);

        await AssertNoViolationsAsync(page);
    }

    [Fact]
    public async Task A_page_in_the_dark_theme_has_no_automatically_detectable_WCAG_violations()
    {
        var page = await OpenAsync("clusters", "[data-testid=new-cluster]");
        await page.ClickAsync("[data-testid=theme-toggle]");
        await Assertions.Expect(page.Locator("[data-testid=theme-toggle]")).ToHaveAttributeAsync("aria-label", "Switch to light theme");

        await AssertNoViolationsAsync(page);
    }

    [Fact]
    public async Task The_new_cluster_dialog_has_no_automatically_detectable_WCAG_violations()
    {
        var page = await OpenAsync("clusters", "[data-testid=new-cluster]");
        await page.ClickAsync("[data-testid=new-cluster]");
        await page.Locator("[data-testid=field-name]").WaitForAsync();

        await AssertNoViolationsAsync(page);
    }

    [Fact]
    public async Task The_sign_in_page_has_no_automatically_detectable_WCAG_violations()
    {
        var page = await browser.NewPageAsync();
        await page.GotoAsync(portal.Url("signin"));
        await page.Locator("#username").WaitForAsync();

        await AssertNoViolationsAsync(page);
    }

    [Fact]
    public async Task A_cluster_can_be_asked_for_with_the_keyboard_alone()
    {
        var page = await OpenAsync("clusters", "[data-testid=new-cluster]");
        await Assertions.Expect(page.Locator("[data-testid=new-cluster]")).ToBeEnabledAsync();

        await page.Locator("[data-testid=new-cluster]").FocusAsync();
        await page.Keyboard.PressAsync("Enter");
        var name = page.Locator("[data-testid=field-name]");
        await Assertions.Expect(name).ToBeFocusedAsync();
        await page.Keyboard.TypeAsync("by-keys");
        // Tab through the dialog to its create button, the way a keyboard user would, then press it.
        var create = page.Locator("[data-testid=create-cluster]");
        for (var presses = 0; presses < 60 && !await create.EvaluateAsync<bool>("b => b === document.activeElement"); presses++)
            await page.Keyboard.PressAsync("Tab");
        await page.Keyboard.PressAsync("Enter");

        await page.WaitForURLAsync("**/clusters/by-keys");
    }
}
