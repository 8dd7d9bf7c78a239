using Microsoft.Playwright;

namespace Portal.E2E.Ui;

/// <summary>A data scientist's first cluster, through the browser, on the real portal, PostgreSQL and the sandbox.</summary>
[Collection(BrowserUi.Name)]
public sealed class ClusterJourneyTests(RunningPortal portal, Browser browser) : IClassFixture<RunningPortal>
{
    static readonly TimeSpan ToRunning = TimeSpan.FromMinutes(2);

    async Task<IPage> SignedInAsync()
    {
        var page = await browser.NewPageAsync();
        await page.SetViewportSizeAsync(1280, 860);
        await portal.SignInAsync(page);
        return page;
    }

    static ILocator Phase(IPage page) => page.Locator("[data-testid=cluster-phase] .mud-chip");


    async Task<IPage> CreateClusterAsync(string name, int workers = 1)
    {
        var page = await SignedInAsync();
        await page.GotoAsync(portal.Url("clusters"));
        // A click on the prerendered page before its circuit connects would do nothing.
        await RunningPortal.InteractiveAsync(page);
        await page.ClickAsync("[data-testid=new-cluster]");
        // The Name field focuses itself once the server has rendered the dialog; filling another field before that
        // let the late focus move the next fill's text into Name ("deleted" became "deleted1" on a loaded machine).
        await Assertions.Expect(page.Locator("[data-testid=field-name]")).ToBeFocusedAsync();
        await page.Locator("[data-testid=field-name]").FillAsync(name);
        await page.Locator("[data-testid=field-workers]").FillAsync(workers.ToString(System.Globalization.CultureInfo.InvariantCulture));
        await page.Locator("[data-testid=field-connect]").CheckAsync();
        await page.ClickAsync("[data-testid=create-cluster]");
        await page.WaitForURLAsync($"**/clusters/{name}");
        return page;
    }

    [Fact]
    public async Task A_cluster_created_in_the_dialog_reaches_Running_on_its_page_without_a_reload()
    {
        var page = await CreateClusterAsync("journey");
        // A reload would start a new document and lose this marker.
        await page.EvaluateAsync("() => window.portalTestMarker = true");

        await Assertions.Expect(Phase(page)).ToHaveTextAsync("Running", new() { Timeout = (float)ToRunning.TotalMilliseconds });

        Assert.True(await page.EvaluateAsync<bool>("() => window.portalTestMarker === true"));
    }

    [Fact]
    public async Task The_clusters_list_chip_turns_Running_without_a_reload()
    {
        var page = await CreateClusterAsync("listed");
        await page.GotoAsync(portal.Url("clusters"));
        // A reload would start a new document and lose this marker.
        await page.EvaluateAsync("() => window.portalTestMarker = true");

        var chip = page.Locator("tr", new() { Has = page.Locator("[data-testid=cluster-listed]") }).Locator(".mud-chip");
        await Assertions.Expect(chip).ToHaveTextAsync("Running", new() { Timeout = (float)ToRunning.TotalMilliseconds });
        await RunningPortal.ScreenshotAsync(page, "clusters");

        Assert.True(await page.EvaluateAsync<bool>("() => window.portalTestMarker === true"));
    }

    [Fact]
    public async Task A_running_cluster_shows_its_Connect_URL_and_copies_it()
    {
        var page = await CreateClusterAsync("copied");
        await Assertions.Expect(Phase(page)).ToHaveTextAsync("Running", new() { Timeout = (float)ToRunning.TotalMilliseconds });
        await RunningPortal.ScreenshotAsync(page, "cluster-detail");

        await page.ClickAsync("[data-testid=copy-connect-url]");

        await Assertions.Expect(page.Locator(".mud-snackbar")).ToContainTextAsync("Connect URL");
    }

    [Fact]
    public async Task Scaling_in_the_page_changes_the_desired_workers()
    {
        var page = await CreateClusterAsync("scaled");
        await Assertions.Expect(Phase(page)).ToHaveTextAsync("Running", new() { Timeout = (float)ToRunning.TotalMilliseconds });

        await page.Locator("[data-testid=scale-workers]").FillAsync("2");
        await page.ClickAsync("[data-testid=scale]");

        await Assertions.Expect(page.Locator(".mud-snackbar")).ToContainTextAsync("Scaling scaled to 2 workers");
    }

    [Fact]
    public async Task Deleting_after_confirming_moves_the_cluster_to_Deleting_or_Deleted()
    {
        var page = await CreateClusterAsync("deleted");

        await page.ClickAsync("[data-testid=delete]");
        await page.Locator(".mud-dialog").GetByRole(AriaRole.Button, new() { Name = "Delete", Exact = true }).ClickAsync();

        await Assertions.Expect(Phase(page)).ToHaveTextAsync(new System.Text.RegularExpressions.Regex("Deleting|Deleted"));
    }

    [Fact]
    public async Task A_cluster_too_big_for_the_quota_is_refused_beside_the_field_before_sending()
    {
        var page = await SignedInAsync();
        await page.GotoAsync(portal.Url("clusters"));
        // A click on the prerendered page before its circuit connects would do nothing.
        await RunningPortal.InteractiveAsync(page);
        await page.ClickAsync("[data-testid=new-cluster]");
        await Assertions.Expect(page.Locator("[data-testid=field-name]")).ToBeFocusedAsync();
        await page.Locator("[data-testid=field-name]").FillAsync("too-big");
        await page.Locator("[data-testid=field-workers]").FillAsync("40");
        await page.Locator("[data-testid=field-worker-cores]").FillAsync("4");

        await page.ClickAsync("[data-testid=create-cluster]");

        // MudBlazor puts the test id on the <input>; the message is in the field's control beside it.
        var field = page.Locator(".mud-input-control", new() { Has = page.Locator("[data-testid=field-worker-cores]") });
        await Assertions.Expect(field).ToContainTextAsync("CPU in all");
        await RunningPortal.ScreenshotAsync(page, "new-cluster-quota");
    }

    [Fact]
    public async Task The_home_page_shows_the_tenants_usage_gauges()
    {
        var page = await SignedInAsync();
        await page.GotoAsync(portal.Url(""));

        await Assertions.Expect(page.Locator("[data-testid=usage]")).ToContainTextAsync("Clusters");
        await Assertions.Expect(page.Locator("[data-testid=home-new-cluster]")).ToBeEnabledAsync();
        // Only for the picture: let the gauges finish their fill animation (MudBlazor's, about half a second).
        await page.WaitForTimeoutAsync(1000);
        await RunningPortal.ScreenshotAsync(page, "home");
    }
}
