using System.Text.Json;
using System.Text.Json.Serialization;
using Portal.Web.Features.Identity;

[assembly: AssemblyFixture(typeof(Portal.E2E.Browser))]

namespace Portal.E2E;

/// <summary>The provider's users, client and the portal's group mappings shared by the SSO tests.</summary>
public static class Sso
{
    public const string ClientId = "spark-portal";
    public const string ClientSecret = "test-client-secret";
    public const string Audience = "portal-api";

    public static readonly TestUser Ada = new("ada-sub", "ada", "ada-password", "Ada Lovelace", "ada@example.test", "team-a-devs");
    public static readonly TestUser Grace = new("grace-sub", "grace", "grace-password", "Grace Hopper", "grace@example.test", "platform-admins", "team-a-leads");
    public static readonly TestUser Linus = new("linus-sub", "linus", "linus-password", "Linus", "linus@example.test");

    /// <summary>The API's JSON: web defaults, enums by name.</summary>
    public static readonly JsonSerializerOptions Json = new(JsonSerializerDefaults.Web) { Converters = { new JsonStringEnumConverter() } };

    /// <summary>Portal settings for SSO against <paramref name="provider"/>, the way an operator would write them.</summary>
    public static Dictionary<string, string?> Settings(OidcTestProvider provider) => new()
    {
        ["Authentication:OpenIdConnect:Authority"] = provider.Issuer.ToString(),
        ["Authentication:OpenIdConnect:ClientId"] = ClientId,
        ["Authentication:OpenIdConnect:ClientSecret"] = ClientSecret,
        ["Authentication:OpenIdConnect:Audience"] = Audience,
        ["Authentication:OpenIdConnect:Scopes:0"] = "openid",
        ["Authentication:OpenIdConnect:Scopes:1"] = "profile",
        ["Authentication:OpenIdConnect:Scopes:2"] = "email",
        ["Authentication:OpenIdConnect:Scopes:3"] = "groups",
        ["Authentication:OpenIdConnect:DisplayName"] = "Test provider",
        // Test-only: the provider is plain HTTP on loopback.
        ["Authentication:OpenIdConnect:RequireHttpsMetadata"] = "false",
        ["Authentication:GroupMappings:0:Group"] = "team-a-devs",
        ["Authentication:GroupMappings:0:Tenant"] = PortalTestApp.TenantSlug,
        ["Authentication:GroupMappings:0:Role"] = "Member",
        ["Authentication:GroupMappings:1:Group"] = "team-a-leads",
        ["Authentication:GroupMappings:1:Tenant"] = PortalTestApp.TenantSlug,
        ["Authentication:GroupMappings:1:Role"] = "Admin",
        ["Authentication:GroupMappings:2:Group"] = "platform-admins",
        ["Authentication:GroupMappings:2:PlatformAdmin"] = "true",
    };
}

/// <summary>One OIDC provider and one portal host that trusts it, shared by a test class.</summary>
public sealed class SsoFixture : IAsyncLifetime
{
    public OidcTestProvider Provider { get; private set; } = null!;

    public PortalTestApp Portal { get; private set; } = null!;

    public async ValueTask InitializeAsync()
    {
        Provider = await OidcTestProvider.StartAsync([Sso.Ada, Sso.Grace, Sso.Linus], Sso.Audience);
        Portal = await PortalTestApp.StartAsync(Sso.Settings(Provider));
        await Provider.RegisterClientAsync(Sso.ClientId, Sso.ClientSecret, Portal.BaseAddress);
        await Portal.WarmUpSingleSignOnAsync();
    }

    public async ValueTask DisposeAsync()
    {
        await Portal.DisposeAsync();
        await Provider.DisposeAsync();
    }
}

/// <summary>A portal host without SSO, whose first administrator gets <see cref="AdminPassword"/>.</summary>
public sealed class LocalAccountsFixture : IAsyncLifetime
{
    public const string AdminPassword = "first-admin-Password-1";

    public PortalTestApp Portal { get; private set; } = null!;

    public async ValueTask InitializeAsync() => Portal = await PortalTestApp.StartAsync(new Dictionary<string, string?>
    {
        ["Portal:Bootstrap:AdminPassword"] = AdminPassword,
        // Test-only: check sessions against their accounts on every request, not once a minute.
        ["Authentication:BuiltInAccounts:RevalidateSeconds"] = "0",
        // Test-only: every test signs in afresh from 127.0.0.1, more often than the 10 a minute one client gets.
        ["Authentication:Limits:SignInsPerMinute"] = "1000",
    });

    public ValueTask DisposeAsync() => Portal.DisposeAsync();

    /// <summary>The caller as <c>GET /api/v1/me</c> answers it in <paramref name="page"/>'s session.</summary>
    public static async Task<PortalPrincipal?> ReadMeAsync(Microsoft.Playwright.IPage page, PortalTestApp portal)
    {
        var response = await page.GotoAsync(new Uri(portal.BaseAddress, "api/v1/me").ToString());
        return JsonSerializer.Deserialize<PortalPrincipal>(await response!.TextAsync(), Sso.Json);
    }
}
