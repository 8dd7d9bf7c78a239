using System.Collections.Concurrent;
using System.Reflection;
using Microsoft.Playwright;
using Xunit.v3;

[assembly: Portal.E2E.ClosePagesAfterEachTest]

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
    // A page left open keeps its renderer busy and its Blazor circuit alive on the portal: left over from every test,
    // 66 of them loaded the 2 cores until later tests' waits timed out. Each test's profiles are closed when it ends.
    readonly ConcurrentDictionary<string, ConcurrentBag<IBrowserContext>> _byTest = new(StringComparer.Ordinal);
    readonly ConcurrentBag<Task> _closing = [];

    /// <summary>The assembly's browser, for <see cref="ClosePagesAfterEachTestAttribute"/>.</summary>
    internal static Browser? Current { get; private set; }

    public async ValueTask InitializeAsync()
    {
        Current = this;
        if (!File.Exists(ChromiumPath))
        {
            throw new InvalidOperationException($"{ChromiumPath} is missing: install chromium: apt-get install chromium");
        }

        // Expectations wait for what the page shows, up to 60 s (as actions do) instead of Playwright's 5: on a loaded
        // 2-core machine a circuit's round trip to PostgreSQL can take longer than 5 s (seen: a member added but not yet
        // listed), and a dialog's first render over 30 s. A passing expectation returns as soon as it holds.
        Assertions.SetDefaultExpectTimeout(60_000);
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
        _byTest.GetOrAdd(TestContext.Current.Test?.UniqueID ?? "", _ => []).Add(context);
        // Generous: the CI machine has two cores shared with password hashing and other test classes.
        context.SetDefaultTimeout(60_000);
        return await context.NewPageAsync();
    }

    /// <summary>Starts closing the profiles <paramref name="testId"/> opened; <see cref="DisposeAsync"/> waits for them.</summary>
    internal void CloseProfilesOf(string testId)
    {
        if (!_byTest.TryRemove(testId, out var contexts)) return;
        foreach (var context in contexts)
            _closing.Add(context.CloseAsync());
    }

    public async ValueTask DisposeAsync()
    {
        try
        {
            await Task.WhenAll(_closing);
        }
        catch (PlaywrightException)
        {
            // A profile the browser had already closed; the browser goes next anyway.
        }

        if (_browser is not null)
        {
            await _browser.DisposeAsync();
        }

        _playwright?.Dispose();
    }
}

/// <summary>Closes the browser profiles a test opened once it ends, passed or failed.</summary>
[AttributeUsage(AttributeTargets.Assembly)]
public sealed class ClosePagesAfterEachTestAttribute : BeforeAfterTestAttribute
{
    public override void After(MethodInfo methodUnderTest, IXunitTest test) => Browser.Current?.CloseProfilesOf(test.UniqueID);
}
