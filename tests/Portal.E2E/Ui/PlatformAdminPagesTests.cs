using Microsoft.EntityFrameworkCore;
using Microsoft.Playwright;
using Portal.Core.Data;
using Portal.Core.Usage;

namespace Portal.E2E.Ui;

/// <summary>The platform admin's tenants and usage pages, in the browser, on the real portal and PostgreSQL.</summary>
[Collection(BrowserUi.Name)]
public sealed class PlatformAdminPagesTests(RunningPortal portal, Browser browser) : IClassFixture<RunningPortal>
{
    static CancellationToken Ct => TestContext.Current.CancellationToken;

    async Task<IPage> SignedInAsync()
    {
        var page = await browser.NewPageAsync();
        await page.SetViewportSizeAsync(1280, 860);
        await portal.SignInAsync(page);
        return page;
    }

    /// <summary>A day of hourly usage of the default tenant, as the sampler would have recorded it.</summary>
    async Task SeedUsageAsync()
    {
        await using var db = PostgresPortalDb.Create(portal.ConnectionString);
        var tenant = await db.Tenants.SingleAsync(t => t.Slug == "default", Ct);
        if (await db.UsageSamples.AnyAsync(u => u.TenantId == tenant.Id && u.Interval == TimeSpan.FromHours(1), Ct))
            return;
        var now = DateTimeOffset.UtcNow;
        var start = new DateTimeOffset(now.Year, now.Month, now.Day, now.Hour, 0, 0, TimeSpan.Zero).AddHours(-23);
        for (var hour = 0; hour < 24; hour++)
        {
            var clusters = 1 + (hour % 6) / 2;
            db.UsageSamples.Add(new UsageSample
            {
                TenantId = tenant.Id,
                At = start.AddHours(hour),
                Interval = TimeSpan.FromHours(1),
                Clusters = clusters,
                CpuCores = clusters * 5,
                MemoryBytes = clusters * 10L * 1024 * 1024 * 1024,
                Pods = clusters * 5,
            });
        }

        await db.SaveChangesAsync(Ct);
    }

    [Fact]
    public async Task A_tenant_created_in_the_tenants_page_appears_in_its_table()
    {
        var page = await SignedInAsync();
        await page.GotoAsync(portal.Url("admin/tenants"));
        await Assertions.Expect(page.Locator("[data-testid=new-tenant]")).ToBeEnabledAsync();

        await page.ClickAsync("[data-testid=new-tenant]");
        await page.Locator("[data-testid=field-slug]").FillAsync("analytics");
        await page.Locator("[data-testid=field-display-name]").FillAsync("Analytics");
        await page.ClickAsync("[data-testid=save-tenant]");

        await Assertions.Expect(page.Locator("[data-testid=tenants-table]")).ToContainTextAsync("Analytics");
        await page.WaitForTimeoutAsync(1000); // only for the picture: let the toast settle
        await RunningPortal.ScreenshotAsync(page, "admin-tenants");
    }

    [Fact]
    public async Task The_usage_page_charts_the_recorded_samples_and_totals_them_per_tenant()
    {
        await SeedUsageAsync();
        var page = await SignedInAsync();

        await page.GotoAsync(portal.Url("admin/usage"));

        await Assertions.Expect(page.Locator("[data-testid=usage-chart] svg.mud-chart-line")).ToBeVisibleAsync();
        await Assertions.Expect(page.Locator("[data-testid=usage-totals]")).ToContainTextAsync("Default");
        await RunningPortal.ScreenshotAsync(page, "admin-usage");
    }

    [Fact]
    public async Task The_usage_page_with_its_chart_has_no_automatically_detectable_WCAG_violations()
    {
        await SeedUsageAsync();
        var page = await SignedInAsync();
        await page.GotoAsync(portal.Url("admin/usage"));
        await Assertions.Expect(page.Locator("[data-testid=usage-chart] svg.mud-chart-line")).ToBeVisibleAsync();
        // The circuit's first render rewrites <head>: checked before it, the title can be caught empty.
        await RunningPortal.InteractiveAsync(page);

        await AccessibilityTests.AssertNoViolationsAsync(page);
    }
}
