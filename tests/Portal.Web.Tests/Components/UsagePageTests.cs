using Bunit;
using Microsoft.AspNetCore.Components;
using Microsoft.Extensions.DependencyInjection;
using MudBlazor;
using MudBlazor.Services;
using Portal.Core.Tenants;
using Portal.Web.Features.Usage;
using Portal.Web.Tests.Usage;
using Microsoft.Extensions.Time.Testing;

namespace Portal.Web.Tests.Components;

/// <summary>The usage page on real samples in PostgreSQL: chart and totals for platform admins, refused to others.</summary>
public sealed class UsagePageTests(UsagePortalApp app) : IClassFixture<UsagePortalApp>, IAsyncDisposable
{
    // The first query of a fresh database can take seconds on a loaded two-core machine; bUnit's default is one.
    private static readonly TimeSpan Patience = TimeSpan.FromSeconds(15);

    private BunitContext? _context;

    public ValueTask DisposeAsync() => _context?.DisposeAsync() ?? ValueTask.CompletedTask;

    /// <summary>
    /// A bUnit context with the page's services for <paramref name="platformAdmin"/> at <paramref name="now"/>. Built
    /// here rather than in ComponentHost because the page's query needs this test's clock.
    /// </summary>
    private BunitContext At(DateTimeOffset now, bool platformAdmin = true)
    {
        var clock = new FakeTimeProvider(now);
        var caller = new Caller($"user-{Guid.NewGuid():N}", platformAdmin);
        _context = new BunitContext();
        _context.JSInterop.Mode = JSRuntimeMode.Loose;
        _context.Services.AddMudServices();
        _context.Services.AddSingleton(caller);
        _context.Services.AddSingleton<TimeProvider>(clock);
        _context.Services.AddSingleton(app.History(caller, clock));
        _context.SetRendererInfo(new RendererInfo("Server", isInteractive: true));
        _context.Render<MudPopoverProvider>();
        return _context;
    }

    [Fact]
    public void A_user_who_is_not_a_platform_admin_is_told_the_page_is_for_platform_admins()
    {
        var page = At(DateTimeOffset.UtcNow, platformAdmin: false).Render<UsagePage>();

        Assert.Single(page.FindAll("[data-testid=usage-forbidden]"));
    }

    [Fact]
    public async Task With_samples_in_the_last_day_a_chart_is_drawn()
    {
        var now = new DateTimeOffset(2030, 5, 1, 12, 0, 0, TimeSpan.Zero);
        var tenant = await app.CreateTenantAsync();
        await app.SeedAsync(UsageArrange.Samples(tenant, now.AddHours(-3), now.AddHours(-1), cores: 2));

        var page = At(now).Render<UsagePage>();

        await page.WaitForAssertionAsync(() => Assert.NotEmpty(page.FindAll("[data-testid=usage-chart] svg path")), Patience);
    }

    [Fact]
    public async Task The_totals_table_lists_each_tenants_core_hours_and_gib_hours()
    {
        var now = new DateTimeOffset(2030, 5, 2, 12, 0, 0, TimeSpan.Zero);
        var tenant = await app.CreateTenantAsync();
        // Two cores and 1 GiB for two hours: 4 core-hours, 2 GiB-hours.
        await app.SeedAsync(UsageArrange.Samples(tenant, now.AddHours(-3), now.AddHours(-1), cores: 2, gib: 1));

        var page = At(now).Render<UsagePage>();

        await page.WaitForAssertionAsync(() => Assert.Equal(
            [tenant.Slug, tenant.DisplayName, "4.0", "2.0"],
            page.FindAll("[data-testid=usage-totals] tbody tr")
                .Where(row => row.TextContent.Contains(tenant.Slug, StringComparison.Ordinal))
                .Select(row => row.QuerySelectorAll("td").Select(cell => cell.TextContent.Trim()).ToArray())
                .SingleOrDefault() ?? []), Patience);
    }

    [Fact]
    public async Task Switching_the_metric_to_memory_charts_memory()
    {
        var now = new DateTimeOffset(2030, 6, 1, 12, 0, 0, TimeSpan.Zero);
        var tenant = await app.CreateTenantAsync();
        await app.SeedAsync(UsageArrange.Samples(tenant, now.AddHours(-2), now, cores: 1, gib: 8));
        var page = At(now).Render<UsagePage>();
        await page.WaitForElementAsync("[data-testid=usage-chart]", Patience);

        page.FindAll("[data-testid=usage-metric] button").Single(b => b.TextContent.Contains("Memory", StringComparison.Ordinal)).Click();

        await page.WaitForAssertionAsync(() => Assert.StartsWith(
            "Memory (GiB) requested", page.Find("[data-testid=usage-chart]").GetAttribute("aria-label"), StringComparison.Ordinal), Patience);
    }

    [Fact]
    public async Task Without_samples_in_the_range_it_says_how_often_samples_are_taken()
    {
        // Long after every sample these tests seed.
        var page = At(new DateTimeOffset(2040, 1, 1, 0, 0, 0, TimeSpan.Zero)).Render<UsagePage>();

        await page.WaitForAssertionAsync(() => Assert.Contains(
            "every 5 minutes", page.Find("[data-testid=usage-empty]").TextContent, StringComparison.Ordinal), Patience);
    }
}
