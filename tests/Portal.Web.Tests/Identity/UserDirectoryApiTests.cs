using System.Net;
using System.Net.Http.Json;
using System.Text.RegularExpressions;
using Microsoft.AspNetCore.Identity;
using Microsoft.AspNetCore.Mvc.Testing;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.DependencyInjection;
using Portal.Core.Identity;
using Portal.Core.Tenants;
using Portal.Web.Features.Identity;

namespace Portal.Web.Tests.Identity;

/// <summary>
/// The known-users directory through the portal: GET /api/v1/users, the built-in sign-in form that records
/// accounts in it, and personal access tokens of SSO users whose directory groups made them platform administrators.
/// </summary>
public sealed partial class UserDirectoryApiTests(PortalApp app) : IClassFixture<PortalApp>
{
    private static CancellationToken Ct => TestContext.Current.CancellationToken;

    private static string Unique(string prefix) => $"{prefix}-{Guid.NewGuid():N}"[..(prefix.Length + 11)];

    /// <summary>Stores <paramref name="subject"/> as an SSO user's last sign-in would.</summary>
    private async Task SignedInBeforeAsync(string subject, string name, string? email = null, bool platformAdminFromDirectory = false)
    {
        await using var db = app.Db();
        await new SignInRecorder(db, TimeProvider.System)
            .RecordAsync(new SignInProfile(subject, name, email, IdentityProviders.OpenIdConnect, platformAdminFromDirectory), Ct);
    }

    private async Task<HttpClient> TenantAdminAsync()
    {
        var admin = Unique("admin");
        await app.CreateTenantAsync((admin, TenantRole.Admin));
        return app.CreateClient(admin);
    }

    [Fact]
    public async Task A_tenant_admin_finds_a_user_by_name_with_subject_and_email()
    {
        var subject = Unique("sub");
        var name = Unique("Zelda");
        await SignedInBeforeAsync(subject, name, "zelda@example.test");
        using var client = await TenantAdminAsync();

        var users = await client.GetFromJsonAsync<UserView[]>($"/api/v1/users?search={name[..9]}", Json.Options, Ct);

        Assert.Equal([new UserView(subject, name, "zelda@example.test")], users!);
    }

    [Fact]
    public async Task A_search_answers_at_most_twenty_users()
    {
        var prefix = Unique("Many");
        for (var i = 0; i < UserDirectoryEndpoints.MaxResults + 5; i++)
            await SignedInBeforeAsync(Unique("sub"), $"{prefix} {i:D2}");
        using var client = await TenantAdminAsync();

        var users = await client.GetFromJsonAsync<UserView[]>($"/api/v1/users?search={prefix}", Json.Options, Ct);

        Assert.Equal(UserDirectoryEndpoints.MaxResults, users!.Length);
    }

    [Fact]
    public async Task A_member_who_administers_no_tenant_gets_403()
    {
        var member = Unique("member");
        await app.CreateTenantAsync((member, TenantRole.Member));

        using var response = await app.CreateClient(member).GetAsync("/api/v1/users?search=a", Ct);

        Assert.Equal(HttpStatusCode.Forbidden, (HttpStatusCode)(await response.ProblemAsync()).Status);
    }

    [Fact]
    public async Task Search_text_longer_than_a_subject_is_a_validation_problem()
    {
        using var client = await TenantAdminAsync();

        using var response = await client.GetAsync($"/api/v1/users?search={new string('a', PortalUser.MaxLength + 1)}", Ct);

        Assert.Contains("search", (await response.ProblemAsync()).Errors!.Keys);
    }

    [Fact]
    public async Task A_token_of_an_sso_user_made_platform_admin_by_the_directory_carries_platform_administration()
    {
        var subject = Unique("sso");
        await SignedInBeforeAsync(subject, "Grace", platformAdminFromDirectory: true);

        // Platform administration alone lets a caller who administers no tenant look users up.
        using var response = await app.CreateClient(subject).GetAsync("/api/v1/users", Ct);

        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
    }

    [Fact]
    public async Task A_tenant_scoped_token_of_a_directory_platform_admin_does_not_carry_platform_administration()
    {
        var subject = Unique("sso");
        await SignedInBeforeAsync(subject, "Grace", platformAdminFromDirectory: true);
        var tenant = await app.CreateTenantAsync((subject, TenantRole.Member));
        using var client = app.CreateClient();
        client.DefaultRequestHeaders.Authorization = new("Bearer", app.TokenFor(subject, request: new TokenRequest(subject, "one tenant", TenantId: tenant.Id)));

        using var response = await client.GetAsync("/api/v1/users", Ct);

        Assert.Equal(HttpStatusCode.Forbidden, response.StatusCode);
    }

    [Fact]
    public async Task A_token_of_an_sso_user_whose_last_sign_in_dropped_the_admin_group_is_not_platform_admin()
    {
        var subject = Unique("sso");
        await SignedInBeforeAsync(subject, "Grace", platformAdminFromDirectory: true);
        await SignedInBeforeAsync(subject, "Grace", platformAdminFromDirectory: false);

        using var response = await app.CreateClient(subject).GetAsync("/api/v1/users", Ct);

        Assert.Equal(HttpStatusCode.Forbidden, response.StatusCode);
    }

    [Fact]
    public async Task Signing_in_with_a_built_in_account_records_it_in_the_directory()
    {
        var userName = Unique("operator");
        const string password = "operator-Password-1";
        string id;
        await using (var scope = app.Services.CreateAsyncScope())
        {
            var account = new IdentityUser(userName) { Email = $"{userName}@example.test" };
            Assert.True((await scope.ServiceProvider.GetRequiredService<UserManager<IdentityUser>>().CreateAsync(account, password)).Succeeded);
            id = account.Id;
        }

        // https: the session and antiforgery cookies are Secure, so the client's cookie container only sends them there.
        using var browser = app.CreateClient(new WebApplicationFactoryClientOptions { BaseAddress = new Uri("https://localhost"), AllowAutoRedirect = false });
        browser.DefaultRequestHeaders.Authorization = null;
        var form = await browser.GetStringAsync("/signin", Ct);
        using var signedIn = await browser.PostAsync("/signin", new FormUrlEncodedContent(new Dictionary<string, string>
        {
            ["__RequestVerificationToken"] = AntiforgeryField().Match(form).Groups["value"].Value,
            ["UserName"] = userName,
            ["Password"] = password,
            ["ReturnUrl"] = "/",
        }), Ct);

        await using var db = app.Db();
        var row = await db.KnownUsers.AsNoTracking().SingleOrDefaultAsync(u => u.Subject == id, Ct);
        Assert.Equal((HttpStatusCode.Redirect, userName, $"{userName}@example.test", IdentityProviders.Local),
            (signedIn.StatusCode, row?.DisplayName, row?.Email, row?.IdentityProvider));
    }

    // The hidden input Blazor's <AntiforgeryToken /> renders, whatever the order of its attributes.
    [GeneratedRegex("<input(?=[^>]*name=\"__RequestVerificationToken\")[^>]*value=\"(?<value>[^\"]+)\"")]
    private static partial Regex AntiforgeryField();
}
