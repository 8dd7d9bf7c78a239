using System.Net;
using System.Text.RegularExpressions;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Identity;
using Microsoft.AspNetCore.Mvc.Testing;
using Microsoft.Extensions.DependencyInjection;
using Portal.Testing;

namespace Portal.Web.Tests.Identity;

/// <summary>The sign-in and password pages, served without a Blazor circuit, styled like the rest of the portal.</summary>
public sealed partial class SignInPageTests(PortalApp app) : IClassFixture<PortalApp>
{
    private static CancellationToken Ct => TestContext.Current.CancellationToken;

    private HttpClient Browser()
    {
        var browser = app.CreateClient(new WebApplicationFactoryClientOptions { BaseAddress = new Uri("https://localhost"), AllowAutoRedirect = false });
        browser.DefaultRequestHeaders.Authorization = null;
        return browser;
    }

    private static async Task<HttpResponseMessage> SignInAsync(HttpClient browser, string userName, string password)
    {
        var form = await browser.GetStringAsync("/signin", Ct);
        return await browser.PostAsync("/signin", new FormUrlEncodedContent(new Dictionary<string, string>
        {
            ["__RequestVerificationToken"] = AntiforgeryField().Match(form).Groups["value"].Value,
            ["UserName"] = userName,
            ["Password"] = password,
            ["ReturnUrl"] = "/",
        }), Ct);
    }

    [Fact]
    public async Task The_sign_in_page_carries_the_portal_themes_colours_and_its_stylesheet()
    {
        var page = await Browser().GetStringAsync("/signin", Ct);

        Assert.Equal((true, true), (page.Contains("--mud-palette-primary: rgba(184,67,15,1)", StringComparison.Ordinal),
            page.Contains("href=\"/css/account.css\"", StringComparison.Ordinal)));
    }

    [Fact]
    public async Task A_wrong_password_keeps_the_user_name_in_the_form()
    {
        using var refused = await SignInAsync(Browser(), "someone", "not-the-password");

        var page = await refused.Content.ReadAsStringAsync(Ct);
        Assert.Matches("<input id=\"username\"[^>]*value=\"someone\"", page);
    }

    [Fact]
    public async Task With_a_configured_administrator_password_the_page_gives_no_first_run_hint()
    {
        var page = await Browser().GetStringAsync("/signin", Ct);

        Assert.DoesNotContain("first-run-hint", page, StringComparison.Ordinal);
    }

    [Fact]
    public async Task The_password_page_shows_the_password_rules_before_anything_is_submitted()
    {
        const string password = "pat-own-Password-1";
        var userName = $"pat-{Guid.NewGuid():N}"[..12];
        await using (var scope = app.Services.CreateAsyncScope())
            Assert.True((await scope.ServiceProvider.GetRequiredService<UserManager<IdentityUser>>().CreateAsync(new IdentityUser(userName), password)).Succeeded);
        using var browser = Browser();
        using var signedIn = await SignInAsync(browser, userName, password);

        var page = await browser.GetStringAsync("/account/password", Ct);

        Assert.All(Portal.Core.Identity.Accounts.PasswordRules, rule => Assert.Contains(rule, page, StringComparison.Ordinal));
    }

    // The hidden input Blazor's <AntiforgeryToken /> renders, whatever the order of its attributes.
    [GeneratedRegex("<input(?=[^>]*name=\"__RequestVerificationToken\")[^>]*value=\"(?<value>[^\"]+)\"")]
    private static partial Regex AntiforgeryField();
}

/// <summary>A first start without a configured administrator password: the one-time password is printed, and the page says where.</summary>
public sealed class FirstRunSignInPageTests(FirstRunSignInPageTests.App app) : IClassFixture<FirstRunSignInPageTests.App>
{
    /// <summary>The portal with no Portal:Bootstrap:AdminPassword, as on a fresh machine.</summary>
    public sealed class App(PostgresServer postgres) : PortalApp(postgres)
    {
        protected override void ConfigureWebHost(IWebHostBuilder builder)
        {
            base.ConfigureWebHost(builder);
            // Test-only: the default, a generated one-time password (printed to the test's console).
            builder.UseSetting("Portal:Bootstrap:AdminPassword", "");
        }
    }

    [Fact]
    public async Task The_sign_in_page_says_where_the_first_administrators_one_time_password_was_printed()
    {
        using var browser = app.CreateClient(new WebApplicationFactoryClientOptions { AllowAutoRedirect = false });
        browser.DefaultRequestHeaders.Authorization = null;

        var page = await browser.GetStringAsync("/signin", TestContext.Current.CancellationToken);

        Assert.Equal((true, true), (page.Contains("data-testid=\"first-run-hint\"", StringComparison.Ordinal),
            page.Contains("one-time password the portal printed once to", StringComparison.Ordinal)));
    }
}
