using System.Net;
using System.Net.Http.Json;
using System.Text.RegularExpressions;
using Microsoft.AspNetCore.Identity;
using Microsoft.AspNetCore.Mvc.Testing;
using Microsoft.Extensions.DependencyInjection;
using Portal.Core.Identity;
using Portal.Web.Features.Identity;

namespace Portal.Web.Tests.Identity;

/// <summary>
/// Built-in accounts for a team through /api/v1/accounts (platform admins): one-time passwords, invitation links,
/// resets, disabling (tokens refused meanwhile), lockouts and unlocking, all audited.
/// </summary>
public sealed partial class AccountApiTests(PortalApp app) : IClassFixture<PortalApp>
{
    private static CancellationToken Ct => TestContext.Current.CancellationToken;

    private static string Unique(string prefix) => $"{prefix}-{Guid.NewGuid():N}"[..(prefix.Length + 9)];

    private readonly HttpClient _admin = app.CreateClient();

    private async Task<AccountCreatedView> CreateAsync(string userName, bool invite = false)
    {
        using var response = await _admin.PostAsync("/api/v1/accounts", Json.Body(new { userName, displayName = $"Name of {userName}", invite }), Ct);
        Assert.Equal(HttpStatusCode.Created, response.StatusCode);
        return (await response.Content.ReadFromJsonAsync<AccountCreatedView>(Json.Options, Ct))!;
    }

    private async Task<AccountView> PostAsync(string userName, string action)
    {
        using var response = await _admin.PostAsync($"/api/v1/accounts/{userName}/{action}", null, Ct);
        return (await response.EnsureSuccessStatusCode().Content.ReadFromJsonAsync<AccountView>(Json.Options, Ct))!;
    }

    // A browser: https, because the session and antiforgery cookies are Secure and the cookie container only sends them there.
    private HttpClient Browser()
    {
        var browser = app.CreateClient(new WebApplicationFactoryClientOptions { BaseAddress = new Uri("https://localhost"), AllowAutoRedirect = false });
        browser.DefaultRequestHeaders.Authorization = null;
        return browser;
    }

    private static async Task<HttpResponseMessage> SubmitAsync(HttpClient browser, string page, string action, Dictionary<string, string> fields)
    {
        var form = await browser.GetStringAsync(page, Ct);
        fields["__RequestVerificationToken"] = AntiforgeryField().Match(form).Groups["value"].Value;
        return await browser.PostAsync(action, new FormUrlEncodedContent(fields), Ct);
    }

    private static Task<HttpResponseMessage> SignInAsync(HttpClient browser, string userName, string password) =>
        SubmitAsync(browser, "/signin", "/signin", new() { ["UserName"] = userName, ["Password"] = password, ["ReturnUrl"] = "/" });

    [Fact]
    public async Task A_new_account_gets_a_one_time_password_that_signs_it_in_and_must_then_be_changed()
    {
        var userName = Unique("ada");

        var created = await CreateAsync(userName);

        using var browser = Browser();
        using var signedIn = await SignInAsync(browser, userName, created.OneTimePassword!);
        using var home = await browser.GetAsync("/", Ct);
        Assert.Equal((AccountState.PasswordChangeRequired, HttpStatusCode.Redirect, "/account/password"),
            (created.Account.State, signedIn.StatusCode, home.Headers.Location?.OriginalString));
    }

    [Fact]
    public async Task An_invitation_link_lets_the_invited_person_choose_a_password_once()
    {
        var userName = Unique("grace");
        var created = await CreateAsync(userName, invite: true);
        var link = new Uri(created.InvitationUrl!).PathAndQuery;
        var query = System.Web.HttpUtility.ParseQueryString(new Uri(created.InvitationUrl!).Query);
        using var browser = Browser();

        using var accepted = await SubmitAsync(browser, link, Accounts.InvitationPage, new()
        {
            ["User"] = query["user"]!, ["Code"] = query["code"]!, ["NewPassword"] = "graces-own-Password-1", ["ConfirmPassword"] = "graces-own-Password-1",
        });

        using var signedIn = await SignInAsync(browser, userName, "graces-own-Password-1");
        var again = await browser.GetStringAsync(link, Ct);
        Assert.Equal((AccountState.Invited, HttpStatusCode.Redirect, HttpStatusCode.Redirect, true),
            (created.Account.State, accepted.StatusCode, signedIn.StatusCode, again.Contains("invitation-invalid", StringComparison.Ordinal)));
    }

    [Fact]
    public async Task A_disabled_accounts_tokens_are_refused_until_it_is_enabled_again()
    {
        var userName = Unique("erin");
        var subject = (await CreateAsync(userName)).Account.Subject;
        using var notebook = app.CreateClient(subject);

        await PostAsync(userName, "disable");
        using var whileDisabled = await notebook.GetAsync("/api/v1/tenants", Ct);
        await PostAsync(userName, "enable");
        using var afterwards = await notebook.GetAsync("/api/v1/tenants", Ct);

        Assert.Equal((HttpStatusCode.Unauthorized, HttpStatusCode.OK), (whileDisabled.StatusCode, afterwards.StatusCode));
    }

    [Fact]
    public async Task A_disabled_account_is_told_so_when_it_signs_in_with_its_password()
    {
        var userName = Unique("frank");
        var password = (await CreateAsync(userName)).OneTimePassword!;
        await PostAsync(userName, "disable");
        using var browser = Browser();

        using var refused = await SignInAsync(browser, userName, password);

        Assert.Contains("This account is disabled", await refused.Content.ReadAsStringAsync(Ct), StringComparison.Ordinal);
    }

    [Fact]
    public async Task A_locked_out_account_is_listed_as_locked_out_until_it_is_unlocked()
    {
        var userName = Unique("gus");
        await CreateAsync(userName);
        await using (var scope = app.Services.CreateAsyncScope())
        {
            // As five wrong passwords in a row would.
            var users = scope.ServiceProvider.GetRequiredService<UserManager<IdentityUser>>();
            var account = (await users.FindByNameAsync(userName))!;
            for (var i = 0; i < 5; i++)
                await users.AccessFailedAsync(account);
        }

        var locked = await _admin.GetFromJsonAsync<AccountView[]>("/api/v1/accounts?state=LockedOut", Json.Options, Ct);
        var unlocked = await PostAsync(userName, "unlock");

        Assert.Equal((true, false), (locked!.Any(a => a.UserName == userName), unlocked.State == AccountState.LockedOut));
    }

    [Fact]
    public async Task Resetting_a_password_ends_the_old_one()
    {
        var userName = Unique("hal");
        var first = (await CreateAsync(userName)).OneTimePassword!;

        using var reset = await _admin.PostAsync($"/api/v1/accounts/{userName}/reset-password", Json.Body(new { invite = false }), Ct);

        using var browser = Browser();
        using var withOld = await SignInAsync(browser, userName, first);
        Assert.Equal((HttpStatusCode.OK, HttpStatusCode.BadRequest), (reset.StatusCode, withOld.StatusCode));
    }

    [Fact]
    public async Task Every_account_change_is_audited_with_who_made_it()
    {
        var userName = Unique("ivy");
        var subject = (await CreateAsync(userName)).Account.Subject;
        await _admin.PostAsync($"/api/v1/accounts/{userName}/reset-password", null, Ct);
        await PostAsync(userName, "disable");
        await PostAsync(userName, "enable");

        var entries = (await app.AuditLogAsync()).Where(e => e.Target == $"users/{subject}").Select(e => (e.Actor, e.Action));

        Assert.Equal(
            [(PortalApp.DevelopmentUser, Accounts.CreatedAction), (PortalApp.DevelopmentUser, Accounts.ResetAction),
             (PortalApp.DevelopmentUser, Accounts.DisabledAction), (PortalApp.DevelopmentUser, Accounts.EnabledAction)],
            entries);
    }

    [Fact]
    public async Task Nobody_disables_their_own_account()
    {
        using var response = await _admin.PostAsync($"/api/v1/accounts/{PortalApp.DevelopmentUser}/disable", null, Ct);

        Assert.Equal(HttpStatusCode.Conflict, response.StatusCode);
    }

    [Fact]
    public async Task A_taken_user_name_is_a_conflict()
    {
        var userName = Unique("jo");
        await CreateAsync(userName);

        using var response = await _admin.PostAsync("/api/v1/accounts", Json.Body(new { userName }), Ct);

        Assert.Equal(HttpStatusCode.Conflict, response.StatusCode);
    }

    [Fact]
    public async Task A_user_name_with_a_space_is_refused_naming_the_field()
    {
        using var response = await _admin.PostAsync("/api/v1/accounts", Json.Body(new { userName = "two words" }), Ct);

        var problem = await response.Content.ReadFromJsonAsync<Microsoft.AspNetCore.Mvc.ValidationProblemDetails>(Json.Options, Ct);
        Assert.Equal((HttpStatusCode.BadRequest, true), (response.StatusCode, problem!.Errors.ContainsKey("userName")));
    }

    [Fact]
    public async Task The_list_holds_single_sign_on_users_the_directory_has_seen()
    {
        var subject = Unique("sso");
        await using (var db = app.Db())
            await new SignInRecorder(db, TimeProvider.System).RecordAsync(new SignInProfile(subject, "Katherine Johnson", null, IdentityProviders.OpenIdConnect, false), Ct);

        var accounts = await _admin.GetFromJsonAsync<AccountView[]>("/api/v1/accounts?search=Katherine", Json.Options, Ct);

        Assert.Contains(accounts!, a => a.Subject == subject && a.IdentityProvider == IdentityProviders.OpenIdConnect);
    }

    [GeneratedRegex("<input(?=[^>]*name=\"__RequestVerificationToken\")[^>]*value=\"(?<value>[^\"]+)\"")]
    private static partial Regex AntiforgeryField();
}
