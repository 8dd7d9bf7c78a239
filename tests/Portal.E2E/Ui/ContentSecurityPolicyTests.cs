using Microsoft.Playwright;

namespace Portal.E2E.Ui;

/// <summary>
/// Every page works under the portal's Content-Security-Policy: Chromium reports no violation while the page
/// loads, connects its circuit and renders (blazor.web.js, MudBlazor, the import map, inline styles, the WebSocket).
/// </summary>
[Collection(BrowserUi.Name)]
public sealed class ContentSecurityPolicyTests(RunningPortal portal, Browser browser) : IClassFixture<RunningPortal>
{
    // Reported by every document the page loads, sign-in form included; the binding outlives navigations.
    const string ReportViolations = """
        document.addEventListener('securitypolicyviolation', e =>
            window.reportCspViolation(`${e.violatedDirective} blocked ${e.blockedURI || 'inline'} at ${e.sourceFile}:${e.lineNumber}`));
        """;

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
    public async Task A_page_connects_and_renders_without_a_content_security_policy_violation(string path, string readySelector)
    {
        var page = await browser.NewPageAsync();
        var violations = new List<string>();
        await page.Context.ExposeFunctionAsync("reportCspViolation", (string violation) =>
        {
            lock (violations)
                violations.Add(violation);
        });
        page.Console += (_, message) =>
        {
            if (message.Text.Contains("Content Security Policy", StringComparison.OrdinalIgnoreCase))
                lock (violations)
                    violations.Add(message.Text);
        };
        await page.Context.AddInitScriptAsync(ReportViolations);
        await portal.SignInAsync(page);

        await page.GotoAsync(portal.Url(path));
        await page.Locator(readySelector).First.WaitForAsync();
        await RunningPortal.InteractiveAsync(page);

        lock (violations)
            Assert.Empty(violations);
    }
}
