using System.Net;
using Microsoft.AspNetCore.Hosting;

namespace Portal.Web.Tests.Host;

/// <summary>The portal with its database gone: alive, not ready, and failing requests as problems without internals.</summary>
public sealed class UnreachableDatabaseTests(UnreachableDatabaseTests.App app) : IClassFixture<UnreachableDatabaseTests.App>
{
    private readonly HttpClient _client = app.CreateAnonymousClient();

    private static CancellationToken Ct => TestContext.Current.CancellationToken;

    [Fact]
    public async Task Healthz_stays_healthy_because_liveness_does_not_depend_on_the_database()
    {
        var response = await _client.GetAsync("/healthz", Ct);

        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
    }

    [Fact]
    public async Task Readyz_answers_503_as_a_problem()
    {
        var response = await _client.GetAsync("/readyz", Ct);

        Assert.Equal(HttpStatusCode.ServiceUnavailable, (HttpStatusCode)(await response.ProblemAsync()).Status);
    }

    [Fact]
    public async Task A_request_that_needs_the_database_is_a_503_problem_without_a_stack_trace()
    {
        // A well-formed token: checking it needs the database, so the failure happens while authenticating.
        using var request = new HttpRequestMessage(HttpMethod.Get, "/api/v1/tenants");
        request.Headers.Authorization = new("Bearer", "spk_" + new string('a', 12) + "_" + new string('a', 43));
        var response = await _client.SendAsync(request, Ct);

        var problem = await response.ProblemAsync();
        Assert.Equal((503, false), (problem.Status, (problem.Detail ?? "").Contains(" at ", StringComparison.Ordinal)));
    }

    [Fact]
    public async Task A_page_says_in_plain_words_that_the_database_is_unreachable()
    {
        using var request = new HttpRequestMessage(HttpMethod.Get, "/tokens");
        request.Headers.Authorization = new("Bearer", "spk_" + new string('a', 12) + "_" + new string('a', 43));
        request.Headers.Accept.ParseAdd("text/html");
        var response = await _client.SendAsync(request, Ct);

        Assert.Contains("The database is unreachable; try again in a moment.", await response.Content.ReadAsStringAsync(Ct), StringComparison.Ordinal);
    }

    /// <summary>A portal whose PostgreSQL connection string points at a closed loopback port.</summary>
    public sealed class App : PortalApp
    {
        protected override void ConfigureWebHost(IWebHostBuilder builder)
        {
            base.ConfigureWebHost(builder);
            // Test-only: port 1 on loopback refuses connections at once, standing in for a database that is down.
            builder.UseSetting("ConnectionStrings:Portal", "Host=127.0.0.1;Port=1;Username=portal;Database=portal;Timeout=2");
            // Test-only: with the database down, start-up migration would stop the host; serving without it is the point.
            builder.UseSetting("Portal:MigrateOnStartup", "false");
        }
    }
}
