using System.Text.Json;

namespace Portal.E2E;

public sealed class OidcTestProviderTests(SsoFixture sso) : IClassFixture<SsoFixture>
{
    static CancellationToken Ct => TestContext.Current.CancellationToken;

    [Fact]
    public async Task The_discovery_document_describes_an_authorization_code_provider_with_pkce()
    {
        using var http = new HttpClient { BaseAddress = sso.Provider.Issuer };

        using var discovery = JsonDocument.Parse(await http.GetStringAsync(".well-known/openid-configuration", Ct));

        var root = discovery.RootElement;
        string Url(string name) => root.GetProperty(name).GetString()!;
        Assert.Equal(
            (sso.Provider.Issuer.ToString(), true, true, true),
            (Url("issuer"),
             root.GetProperty("response_types_supported").EnumerateArray().Any(t => t.GetString() == "code"),
             root.GetProperty("code_challenge_methods_supported").EnumerateArray().Any(m => m.GetString() == "S256"),
             new[] { "authorization_endpoint", "token_endpoint", "userinfo_endpoint", "end_session_endpoint", "jwks_uri" }
                .All(name => Url(name).StartsWith(sso.Provider.Issuer.ToString(), StringComparison.Ordinal))));
    }

    [Fact]
    public async Task The_key_set_holds_an_rsa_signing_key()
    {
        using var http = new HttpClient { BaseAddress = sso.Provider.Issuer };
        using var discovery = JsonDocument.Parse(await http.GetStringAsync(".well-known/openid-configuration", Ct));

        using var keys = JsonDocument.Parse(await http.GetStringAsync(discovery.RootElement.GetProperty("jwks_uri").GetString(), Ct));

        Assert.Contains(keys.RootElement.GetProperty("keys").EnumerateArray(),
            key => key.GetProperty("kty").GetString() == "RSA" && key.GetProperty("use").GetString() == "sig");
    }
}
