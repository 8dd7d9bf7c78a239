using System.Net;
using System.Net.Http.Json;
using Microsoft.EntityFrameworkCore;
using Portal.Core.Tenants;
using Portal.Web.Features.Identity;

namespace Portal.E2E;

/// <summary>Access tokens (JWT) from the OpenID Connect provider, sent to the API as Bearer tokens.</summary>
public sealed class AccessTokenTests(SsoFixture sso) : IClassFixture<SsoFixture>
{
    static CancellationToken Ct => TestContext.Current.CancellationToken;

    async Task<HttpClient> ClientFor(TestUser user) =>
        sso.Portal.CreateClient(await sso.Provider.GetAccessTokenAsync(user, Sso.ClientId, Sso.ClientSecret));

    [Fact]
    public async Task An_access_token_from_the_provider_authenticates_its_subject_on_the_api()
    {
        using var client = await ClientFor(Sso.Ada);

        var me = await client.GetFromJsonAsync<PortalPrincipal>("api/v1/me", Sso.Json, Ct);

        Assert.Equal((Sso.Ada.Subject, Sso.Ada.Name, IdentityProviders.AccessToken), (me!.Subject, me.Name, me.IdentityProvider));
    }

    [Fact]
    public async Task An_access_token_of_a_member_of_the_admin_group_makes_a_platform_administrator()
    {
        using var client = await ClientFor(Sso.Grace);

        var me = await client.GetFromJsonAsync<PortalPrincipal>("api/v1/me", Sso.Json, Ct);

        Assert.True(me!.IsPlatformAdmin);
    }

    [Fact]
    public async Task An_access_token_with_a_tampered_signature_is_refused()
    {
        var token = await sso.Provider.GetAccessTokenAsync(Sso.Ada, Sso.ClientId, Sso.ClientSecret);
        var tampered = token[..^4] + (token[^4..] == "AAAA" ? "BBBB" : "AAAA");
        using var client = sso.Portal.CreateClient(tampered);

        using var response = await client.GetAsync("api/v1/me", Ct);

        Assert.Equal(HttpStatusCode.Unauthorized, response.StatusCode);
    }

    [Fact]
    public async Task An_anonymous_api_request_gets_401_not_a_redirect()
    {
        using var client = sso.Portal.CreateClient();

        using var response = await client.GetAsync("api/v1/me", Ct);

        Assert.Equal(HttpStatusCode.Unauthorized, response.StatusCode);
    }

    [Fact]
    public async Task An_anonymous_page_request_is_sent_to_the_sign_in_page()
    {
        using var client = sso.Portal.CreateClient();

        using var response = await client.GetAsync("tokens", Ct);

        Assert.Equal("/signin?returnUrl=%2Ftokens", response.Headers.Location?.PathAndQuery);
    }
}

/// <summary>Directory groups → memberships, applied when an access token arrives.</summary>
public sealed class GroupMappingTests(SsoFixture sso) : IClassFixture<SsoFixture>
{
    static CancellationToken Ct => TestContext.Current.CancellationToken;

    [Fact]
    public async Task A_membership_in_a_mapped_tenant_is_removed_when_the_user_has_no_mapped_group()
    {
        var tenant = await sso.Portal.WithDbAsync(db => db.Tenants.SingleAsync(t => t.Slug == PortalTestApp.TenantSlug));
        await sso.Portal.WithDbAsync(db =>
        {
            db.Memberships.Add(new Membership { TenantId = tenant.Id, Subject = Sso.Linus.Subject, Role = TenantRole.Viewer });
            return db.SaveChangesAsync();
        });
        using var client = sso.Portal.CreateClient(await sso.Provider.GetAccessTokenAsync(Sso.Linus, Sso.ClientId, Sso.ClientSecret));

        (await client.GetAsync("api/v1/me", Ct)).EnsureSuccessStatusCode();

        Assert.False(await sso.Portal.WithDbAsync(db => db.Memberships.AnyAsync(m => m.Subject == Sso.Linus.Subject)));
    }

    [Fact]
    public async Task A_membership_in_a_tenant_no_mapping_names_is_left_alone()
    {
        var tenant = await sso.Portal.WithDbAsync(db => db.Tenants.SingleAsync(t => t.Slug == PortalTestApp.OtherTenantSlug));
        await sso.Portal.WithDbAsync(db =>
        {
            db.Memberships.Add(new Membership { TenantId = tenant.Id, Subject = Sso.Ada.Subject, Role = TenantRole.Viewer });
            return db.SaveChangesAsync();
        });
        using var client = sso.Portal.CreateClient(await sso.Provider.GetAccessTokenAsync(Sso.Ada, Sso.ClientId, Sso.ClientSecret));

        (await client.GetAsync("api/v1/me", Ct)).EnsureSuccessStatusCode();

        Assert.True(await sso.Portal.WithDbAsync(db => db.Memberships.AnyAsync(m => m.Subject == Sso.Ada.Subject && m.TenantId == tenant.Id)));
    }
}
