using System.Net;
using Portal.Testing;

namespace Portal.Web.Tests.Host;

/// <summary>
/// The portal behind a real Kestrel, for the errors TestServer cannot show: Kestrel refuses some requests before
/// any middleware runs (docs/errors.md lists them), and the portal answers the rest as problem+json.
/// </summary>
public sealed class KestrelErrorTests(KestrelPortalApp app) : IClassFixture<KestrelPortalApp>
{
    private static CancellationToken Ct => TestContext.Current.CancellationToken;

    [Fact]
    public async Task A_request_target_over_the_APIs_limit_answers_414_problem_json()
    {
        using var client = app.CreateAnonymousClient();

        var response = await client.GetAsync($"/api/v1/tenants?filter={new string('a', 10_000)}", Ct);

        Assert.Equal(HttpStatusCode.RequestUriTooLong, (HttpStatusCode)(await response.ProblemAsync()).Status);
    }

    [Fact]
    public async Task A_body_in_an_unknown_charset_answers_415_problem_json_through_Kestrel()
    {
        using var client = app.CreateClient();
        using var request = new HttpRequestMessage(HttpMethod.Post, "/api/v1/tenants/default/clusters")
        {
            Content = new ByteArrayContent("""{"name": "etl"}"""u8.ToArray()),
        };
        request.Content.Headers.TryAddWithoutValidation("Content-Type", "application/json; charset=bogus");

        var response = await client.SendAsync(request, Ct);

        Assert.Equal(HttpStatusCode.UnsupportedMediaType, (HttpStatusCode)(await response.ProblemAsync()).Status);
    }
}

/// <summary>The portal listening on a free loopback port through Kestrel instead of TestServer.</summary>
public sealed class KestrelPortalApp : PortalApp
{
    public KestrelPortalApp(PostgresServer postgres)
        : base(postgres) =>
        // Test-only: a real server, so the tests see what Kestrel itself answers (port 0: any free port).
        UseKestrel(kestrel => kestrel.Listen(IPAddress.Loopback, 0));
}
