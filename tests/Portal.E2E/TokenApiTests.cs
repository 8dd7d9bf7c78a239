using System.Net;
using System.Net.Http.Json;
using Microsoft.EntityFrameworkCore;
using Portal.Core.Identity;
using Portal.Core.Tenants;
using Portal.Web.Features.Identity;

namespace Portal.E2E;

/// <summary>/api/v1/tokens, called with access tokens of the SSO users.</summary>
public sealed class TokenApiTests(SsoFixture sso) : IClassFixture<SsoFixture>
{
    static CancellationToken Ct => TestContext.Current.CancellationToken;

    async Task<HttpClient> ClientFor(TestUser user) =>
        sso.Portal.CreateClient(await sso.Provider.GetAccessTokenAsync(user, Sso.ClientId, Sso.ClientSecret));

    async Task<CreatedTokenView> CreateAsync(HttpClient client, CreateTokenRequest request)
    {
        using var response = await client.PostAsJsonAsync("api/v1/tokens", request, Sso.Json, Ct);
        response.EnsureSuccessStatusCode();
        return (await response.Content.ReadFromJsonAsync<CreatedTokenView>(Sso.Json, Ct))!;
    }

    [Fact]
    public async Task A_token_created_through_the_api_authenticates_its_creator()
    {
        using var ada = await ClientFor(Sso.Ada);
        var created = await CreateAsync(ada, new CreateTokenRequest("notebook", Tenant: PortalTestApp.TenantSlug));
        using var notebook = sso.Portal.CreateClient(created.Secret);

        var me = await notebook.GetFromJsonAsync<PortalPrincipal>("api/v1/me", Sso.Json, Ct);

        Assert.Equal((Sso.Ada.Subject, PortalTestApp.TenantSlug), (me!.Subject, created.Token.Tenant));
    }

    [Fact]
    public async Task The_token_list_shows_the_callers_tokens_by_prefix_without_their_secrets()
    {
        using var grace = await ClientFor(Sso.Grace);
        var created = await CreateAsync(grace, new CreateTokenRequest("listed"));

        var listed = await grace.GetFromJsonAsync<List<TokenView>>("api/v1/tokens", Sso.Json, Ct);

        Assert.Equal(created.Token.Prefix, Assert.Single(listed!, t => t.Id == created.Token.Id).Prefix);
        Assert.StartsWith(created.Token.Prefix + "_", created.Secret, StringComparison.Ordinal);
    }

    [Fact]
    public async Task A_personal_access_token_cannot_create_tokens()
    {
        using var ada = await ClientFor(Sso.Ada);
        var created = await CreateAsync(ada, new CreateTokenRequest("scoped", Tenant: PortalTestApp.TenantSlug));
        using var notebook = sso.Portal.CreateClient(created.Secret);

        using var response = await notebook.PostAsJsonAsync("api/v1/tokens", new CreateTokenRequest("wider"), Sso.Json, Ct);

        Assert.Equal(HttpStatusCode.Forbidden, response.StatusCode);
    }

    [Fact]
    public async Task A_token_for_a_tenant_the_caller_is_not_in_gets_404()
    {
        using var ada = await ClientFor(Sso.Ada);

        using var response = await ada.PostAsJsonAsync("api/v1/tokens", new CreateTokenRequest("other", Tenant: PortalTestApp.OtherTenantSlug), Sso.Json, Ct);

        Assert.Equal(HttpStatusCode.NotFound, response.StatusCode);
    }

    [Fact]
    public async Task A_lifetime_beyond_the_maximum_is_a_validation_problem()
    {
        using var ada = await ClientFor(Sso.Ada);

        using var response = await ada.PostAsJsonAsync("api/v1/tokens", new CreateTokenRequest("long", ExpiresInDays: 100_000), Sso.Json, Ct);

        Assert.Equal((HttpStatusCode.BadRequest, "application/problem+json"), (response.StatusCode, response.Content.Headers.ContentType?.MediaType));
    }

    [Fact]
    public async Task Revoking_another_users_token_gets_404()
    {
        using var ada = await ClientFor(Sso.Ada);
        var adas = await CreateAsync(ada, new CreateTokenRequest("mine"));
        using var linus = await ClientFor(Sso.Linus);

        using var response = await linus.DeleteAsync($"api/v1/tokens/{adas.Token.Id}", Ct);

        Assert.Equal(HttpStatusCode.NotFound, response.StatusCode);
    }

    [Fact]
    public async Task A_token_revoked_through_the_api_stops_working()
    {
        using var ada = await ClientFor(Sso.Ada);
        var created = await CreateAsync(ada, new CreateTokenRequest("short-lived"));
        (await ada.DeleteAsync($"api/v1/tokens/{created.Token.Id}", Ct)).EnsureSuccessStatusCode();
        using var notebook = sso.Portal.CreateClient(created.Secret);

        using var response = await notebook.GetAsync("api/v1/me", Ct);

        Assert.Equal(HttpStatusCode.Unauthorized, response.StatusCode);
    }
}
