using System.Net;
using System.Text.RegularExpressions;
using Portal.Testing;

namespace Portal.Web.Tests.Host;

/// <summary>
/// Two replicas on one database, as deploy/base runs the portal behind one Service: whatever one protects with its
/// data-protection keys (session cookies, antiforgery tokens), the other reads.
/// </summary>
public sealed partial class ReplicaTests(PostgresServer postgres)
{
    private static CancellationToken Ct => TestContext.Current.CancellationToken;

    [Fact]
    public async Task A_user_signed_in_by_one_replica_is_signed_in_on_the_other()
    {
        await using var first = new PortalApp(postgres);
        await first.InitializeAsync();
        await using var second = PortalApp.ReplicaOf(first);
        var session = await SignInAsync(first, first);

        var response = await Browser(second, session).GetAsync("/api/v1/tenants", Ct);

        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
    }

    [Fact]
    public async Task The_sign_in_form_of_one_replica_is_accepted_by_the_other()
    {
        await using var first = new PortalApp(postgres);
        await first.InitializeAsync();
        await using var second = PortalApp.ReplicaOf(first);

        var session = await SignInAsync(formFrom: first, postTo: second);

        Assert.Contains("portal.session=", session, StringComparison.Ordinal);
    }

    /// <summary>Signs the bootstrap administrator in through the sign-in form; returns the cookies the browser would hold.</summary>
    private static async Task<string> SignInAsync(PortalApp formFrom, PortalApp postTo)
    {
        var form = await Browser(formFrom, cookies: "").GetAsync("/signin", Ct);
        var cookies = Cookies(form, "");
        var token = AntiforgeryToken().Match(await form.Content.ReadAsStringAsync(Ct)).Groups[1].Value;

        var signIn = await Browser(postTo, cookies).PostAsync("/signin", new FormUrlEncodedContent(new Dictionary<string, string>
        {
            ["UserName"] = "admin",
            ["Password"] = PortalApp.AdminPassword,
            ["ReturnUrl"] = "/",
            ["__RequestVerificationToken"] = WebUtility.HtmlDecode(token),
        }), Ct);

        Assert.Equal(HttpStatusCode.Redirect, signIn.StatusCode);
        return Cookies(signIn, cookies);
    }

    // The session cookie is Secure and the test server speaks http, so cookies are carried by hand, as a browser
    // on https would.
    private static HttpClient Browser(PortalApp replica, string cookies)
    {
        var client = new HttpClient(replica.Server.CreateHandler()) { BaseAddress = replica.Server.BaseAddress };
        if (cookies.Length > 0)
            client.DefaultRequestHeaders.Add("Cookie", cookies);
        return client;
    }

    private static string Cookies(HttpResponseMessage response, string held)
    {
        var jar = held.Split("; ", StringSplitOptions.RemoveEmptyEntries)
            .Select(c => c.Split('=', 2))
            .ToDictionary(c => c[0], c => c[1], StringComparer.Ordinal);
        foreach (var header in response.Headers.TryGetValues("Set-Cookie", out var values) ? values : [])
        {
            var pair = header.Split(';', 2)[0].Split('=', 2);
            jar[pair[0]] = pair[1];
        }

        return string.Join("; ", jar.Select(c => $"{c.Key}={c.Value}"));
    }

    [GeneratedRegex("name=\"__RequestVerificationToken\"[^>]*value=\"([^\"]+)\"")]
    private static partial Regex AntiforgeryToken();
}
