using Microsoft.Playwright;

namespace Portal.E2E;

/// <summary>
/// Debian's Chromium, headless, driven by Playwright. Never downloads a browser: a machine without
/// /usr/bin/chromium fails the tests that need it, saying what to install.
/// </summary>
public sealed class Browser : IAsyncLifetime
{
    const string ChromiumPath = "/usr/bin/chromium";

    IPlaywright? _playwright;
    IBrowser? _browser;

    public async ValueTask InitializeAsync()
    {
        if (!File.Exists(ChromiumPath))
        {
            throw new InvalidOperationException($"{ChromiumPath} is missing: install chromium: apt-get install chromium");
        }

        _playwright = await Playwright.CreateAsync();
        _browser = await _playwright.Chromium.LaunchAsync(new BrowserTypeLaunchOptions
        {
            ExecutablePath = ChromiumPath,
            Headless = true,
            // --no-sandbox: tests run as root in CI, where Chromium's sandbox can't start.
            Args =
            [
                "--no-sandbox", "--disable-gpu", "--disable-background-networking", "--disable-component-update",
                "--disable-sync", "--no-first-run",
            ],
        });

        // Chromium's first page in a fresh profile (renderer and network processes, fonts) costs seconds on a
        // cold machine: pay it here, outside any test's timeouts.
        await using var warmUp = await _browser.NewContextAsync();
        var page = await warmUp.NewPageAsync();
        await page.SetContentAsync("<main><h1>warm-up</h1><input></main>");
        await page.FillAsync("input", "x");
    }

    /// <summary>A fresh profile (no cookies) with one page.</summary>
    public async Task<IPage> NewPageAsync()
    {
        var context = await _browser!.NewContextAsync();
        // Generous: the CI machine has two cores shared with password hashing and other test classes.
        context.SetDefaultTimeout(60_000);
        return await context.NewPageAsync();
    }

    public async ValueTask DisposeAsync()
    {
        if (_browser is not null)
        {
            await _browser.DisposeAsync();
        }

        _playwright?.Dispose();
    }
}
