using System.Net.Http.Headers;
using System.Text.RegularExpressions;
using Microsoft.AspNetCore.Mvc.Testing;

namespace Portal.Web.Tests.Host;

/// <summary>The headers that keep browsers from sniffing, leaking URLs, running injected scripts or framing pages.</summary>
public sealed partial class SecurityHeadersTests(PortalApp app) : IClassFixture<PortalApp>
{
    private readonly HttpClient _client = app.CreateClient();

    private static CancellationToken Ct => TestContext.Current.CancellationToken;

    private async Task<HttpResponseMessage> PageAsync(string path, HttpClient? client = null)
    {
        using var request = new HttpRequestMessage(HttpMethod.Get, path);
        request.Headers.Accept.Add(new MediaTypeWithQualityHeaderValue("text/html"));
        return await (client ?? _client).SendAsync(request, Ct);
    }

    private static string Policy(HttpResponseMessage response) =>
        string.Join(",", response.Headers.TryGetValues("Content-Security-Policy", out var values) ? values : []);

    [Fact]
    public async Task An_API_answer_forbids_MIME_sniffing()
    {
        var response = await _client.GetAsync("/api/v1/tenants", Ct);

        Assert.Equal("nosniff", string.Join(",", response.Headers.GetValues("X-Content-Type-Options")));
    }

    [Fact]
    public async Task An_error_answer_carries_a_referrer_policy()
    {
        var response = await _client.GetAsync("/api/v1/no-such-thing", Ct);

        Assert.Equal("strict-origin-when-cross-origin", string.Join(",", response.Headers.GetValues("Referrer-Policy")));
    }

    [Fact]
    public async Task A_page_may_not_be_framed_by_another_site()
    {
        var response = await PageAsync("/signin");

        Assert.Contains("frame-ancestors 'none'", Policy(response), StringComparison.Ordinal);
    }

    [Fact]
    public async Task A_page_runs_only_its_own_scripts()
    {
        var response = await PageAsync("/");

        Assert.Matches("(^|;) *script-src 'self' 'nonce-[^' ]+'(;|$)", Policy(response));
    }

    [Fact]
    public async Task The_blazor_import_map_carries_the_nonce_of_its_pages_policy()
    {
        var response = await PageAsync("/");

        var nonce = NonceInPolicy().Match(Policy(response)).Groups["nonce"].Value;
        var html = await response.Content.ReadAsStringAsync(Ct);
        Assert.Contains($"<script type=\"importmap\" nonce=\"{nonce}\"", html, StringComparison.Ordinal);
    }

    [Fact]
    public async Task A_JSON_answer_has_no_content_security_policy_to_parse()
    {
        var response = await _client.GetAsync("/api/v1/tenants", Ct);

        Assert.False(response.Headers.Contains("Content-Security-Policy"));
    }

    [Fact]
    public async Task The_antiforgery_cookie_is_secure_when_the_form_came_over_https()
    {
        using var https = app.CreateClient(new WebApplicationFactoryClientOptions { BaseAddress = new Uri("https://localhost") });

        var response = await PageAsync("/signin", https);

        var antiforgery = response.Headers.GetValues("Set-Cookie").Single(c => c.StartsWith(".AspNetCore.Antiforgery", StringComparison.Ordinal));
        Assert.Contains("secure", antiforgery.Split(';').Select(part => part.Trim().ToLowerInvariant()));
    }

    [GeneratedRegex("'nonce-(?<nonce>[^']+)'")]
    private static partial Regex NonceInPolicy();
}
