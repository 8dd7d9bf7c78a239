using System.Net;
using System.Net.Http.Json;
using Microsoft.AspNetCore.Identity;
using Microsoft.EntityFrameworkCore;
using Portal.Core.Identity;
using Portal.Web.Features.Identity;

namespace Portal.E2E;

/// <summary><c>Authorization: Bearer spk_…</c> against the API of a portal host.</summary>
public sealed class PersonalAccessTokenTests(LocalAccountsFixture local) : IClassFixture<LocalAccountsFixture>
{
    static CancellationToken Ct => TestContext.Current.CancellationToken;

    Task<string> AdminIdAsync() => local.Portal.InScopeAsync(async sp =>
        (await sp.GetRequiredService<UserManager<IdentityUser>>().FindByNameAsync("admin"))!.Id);

    Task<Guid> TenantIdAsync(string slug) => local.Portal.WithDbAsync(db => db.Tenants.Where(t => t.Slug == slug).Select(t => t.Id).SingleAsync());

    async Task<CreatedToken> AdminTokenAsync(TokenAccess access = TokenAccess.ReadWrite, string? tenant = null)
    {
        var owner = await AdminIdAsync();
        Guid? tenantId = tenant is null ? null : await TenantIdAsync(tenant);
        return await local.Portal.InScopeAsync(sp => sp.GetRequiredService<PersonalAccessTokens>()
            .CreateAsync(new TokenRequest(owner, "e2e", TenantId: tenantId, Access: access), "e2e", Ct));
    }

    [Fact]
    public async Task A_token_authenticates_its_owner_with_the_owners_platform_role()
    {
        var token = await AdminTokenAsync();
        using var client = local.Portal.CreateClient(token.Plaintext);

        var me = await client.GetFromJsonAsync<PortalPrincipal>("api/v1/me", Sso.Json, Ct);

        Assert.Equal(
            new PortalPrincipal(await AdminIdAsync(), "admin", null, IsPlatformAdmin: true, IdentityProviders.PersonalAccessToken,
                new TokenScope(token.Token.Id, null, TokenAccess.ReadWrite)),
            me);
    }

    [Fact]
    public async Task A_token_limited_to_one_tenant_does_not_carry_platform_administration()
    {
        var token = await AdminTokenAsync(tenant: PortalTestApp.TenantSlug);
        using var client = local.Portal.CreateClient(token.Plaintext);

        var me = await client.GetFromJsonAsync<PortalPrincipal>("api/v1/me", Sso.Json, Ct);

        Assert.False(me!.IsPlatformAdmin);
    }

    [Fact]
    public async Task A_revoked_token_gets_401()
    {
        var token = await AdminTokenAsync();
        await local.Portal.InScopeAsync(sp => sp.GetRequiredService<PersonalAccessTokens>().RevokeAsync(token.Token.Id, null, "e2e", Ct));
        using var client = local.Portal.CreateClient(token.Plaintext);

        using var response = await client.GetAsync("api/v1/me", Ct);

        Assert.Equal(HttpStatusCode.Unauthorized, response.StatusCode);
    }

    [Fact]
    public async Task A_bearer_value_that_is_not_a_token_gets_401()
    {
        using var client = local.Portal.CreateClient("spk_not-a-token");

        using var response = await client.GetAsync("api/v1/me", Ct);

        Assert.Equal(HttpStatusCode.Unauthorized, response.StatusCode);
    }

    [Fact]
    public async Task A_read_only_token_reads()
    {
        var token = await AdminTokenAsync(TokenAccess.Read);
        using var client = local.Portal.CreateClient(token.Plaintext);

        using var response = await client.GetAsync("api/v1/me", Ct);

        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
    }

    [Fact]
    public async Task A_read_only_token_cannot_change_anything()
    {
        var token = await AdminTokenAsync(TokenAccess.Read);
        using var client = local.Portal.CreateClient(token.Plaintext);

        // A valid request the token's owner could make with a read-write token.
        using var response = await client.PostAsJsonAsync($"api/v1/tenants/{PortalTestApp.DefaultTenantSlug}/clusters", new { name = "read-only" }, Ct);

        Assert.Equal(HttpStatusCode.Forbidden, response.StatusCode);
    }

    [Fact]
    public async Task A_tenant_scoped_token_reaches_its_tenant()
    {
        var token = await AdminTokenAsync(tenant: PortalTestApp.DefaultTenantSlug);
        using var client = local.Portal.CreateClient(token.Plaintext);

        using var response = await client.GetAsync($"api/v1/tenants/{PortalTestApp.DefaultTenantSlug}", Ct);

        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
    }

    [Fact]
    public async Task A_tenant_scoped_token_gets_404_for_another_tenant()
    {
        var token = await AdminTokenAsync(tenant: PortalTestApp.DefaultTenantSlug);
        using var client = local.Portal.CreateClient(token.Plaintext);

        using var response = await client.GetAsync($"api/v1/tenants/{PortalTestApp.TenantSlug}", Ct);

        Assert.Equal(HttpStatusCode.NotFound, response.StatusCode);
    }

    [Fact]
    public async Task The_token_command_prints_only_a_working_token_on_standard_output()
    {
        using var output = new StringWriter();
        using var errors = new StringWriter();

        var exit = await local.Portal.Host.TryRunTokenCommandAsync(["token", "create", "--user", "admin", "--name", "ci", "--expires", "7"], output, errors);

        var printed = output.ToString().TrimEnd('\n').Split('\n');
        using var client = local.Portal.CreateClient(Assert.Single(printed));
        using var response = await client.GetAsync("api/v1/me", Ct);
        Assert.Equal((0, HttpStatusCode.OK), (exit, response.StatusCode));
    }

    [Fact]
    public async Task The_token_command_refuses_an_unknown_user_with_exit_code_1()
    {
        using var output = new StringWriter();
        using var errors = new StringWriter();

        var exit = await local.Portal.Host.TryRunTokenCommandAsync(["token", "create", "--user", "nobody"], output, errors);

        Assert.Equal((1, ""), (exit, output.ToString()));
    }

    [Fact]
    public async Task The_token_command_refuses_a_lifetime_beyond_the_maximum_with_exit_code_2()
    {
        using var output = new StringWriter();
        using var errors = new StringWriter();

        var exit = await local.Portal.Host.TryRunTokenCommandAsync(["token", "create", "--user", "admin", "--expires", "100000"], output, errors);

        Assert.Equal((2, ""), (exit, output.ToString()));
    }

    [Fact]
    public async Task Other_arguments_are_not_a_token_command()
    {
        var exit = await local.Portal.Host.TryRunTokenCommandAsync(["migrate"]);

        Assert.Null(exit);
    }
}

/// <summary>Guessing is slowed down per client address.</summary>
public sealed class RateLimitTests
{
    static CancellationToken Ct => TestContext.Current.CancellationToken;

    // A configured administrator password keeps the generated one out of the test output.
    static Dictionary<string, string?> Settings(params string[] keyValue)
    {
        var settings = new Dictionary<string, string?> { ["Portal:Bootstrap:AdminPassword"] = LocalAccountsFixture.AdminPassword };
        for (var i = 0; i < keyValue.Length; i += 2)
        {
            settings[keyValue[i]] = keyValue[i + 1];
        }

        return settings;
    }

    [Fact]
    public async Task Once_an_address_has_used_up_its_failed_token_attempts_it_gets_429()
    {
        await using var portal = await PortalTestApp.StartAsync(Settings("Authentication:Limits:FailedTokensPerMinute", "2"));
        using var client = portal.CreateClient("spk_guess");
        for (var i = 0; i < 2; i++)
        {
            (await client.GetAsync("api/v1/me", Ct)).Dispose();
        }

        using var response = await client.GetAsync("api/v1/me", Ct);

        Assert.Equal(HttpStatusCode.TooManyRequests, response.StatusCode);
    }

    [Fact]
    public async Task Sign_in_posts_beyond_the_limit_get_429()
    {
        await using var portal = await PortalTestApp.StartAsync(Settings("Authentication:Limits:SignInsPerMinute", "1"));
        using var client = portal.CreateClient();
        (await client.PostAsync("signin", new FormUrlEncodedContent([new("UserName", "admin"), new("Password", "guess")]), Ct)).Dispose();

        using var response = await client.PostAsync("signin", new FormUrlEncodedContent([new("UserName", "admin"), new("Password", "guess")]), Ct);

        Assert.Equal(HttpStatusCode.TooManyRequests, response.StatusCode);
    }

    [Fact]
    public async Task A_sign_out_post_without_an_antiforgery_token_is_refused()
    {
        await using var portal = await PortalTestApp.StartAsync(Settings());
        using var client = portal.CreateClient();

        using var response = await client.PostAsync("signout", content: null, Ct);

        Assert.Equal(HttpStatusCode.BadRequest, response.StatusCode);
    }

    [Fact]
    public async Task A_sign_in_post_without_an_antiforgery_token_is_refused()
    {
        await using var portal = await PortalTestApp.StartAsync(Settings());
        using var client = portal.CreateClient();

        using var response = await client.PostAsync("signin", new FormUrlEncodedContent([new("UserName", "admin"), new("Password", "guess")]), Ct);

        Assert.Equal(HttpStatusCode.BadRequest, response.StatusCode);
    }
}
