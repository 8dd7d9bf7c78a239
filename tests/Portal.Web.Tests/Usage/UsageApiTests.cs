using System.Net;
using System.Net.Http.Json;
using Portal.Core.Tenants;

namespace Portal.Web.Tests.Usage;

/// <summary>GET /api/v1/tenants/{tenant}/usage over the real HTTP pipeline and PostgreSQL.</summary>
public sealed class UsageApiTests(UsagePortalApp app) : IClassFixture<UsagePortalApp>
{
    private static CancellationToken Ct => TestContext.Current.CancellationToken;

    private static readonly DateTimeOffset Ten = new(2025, 3, 1, 10, 0, 0, TimeSpan.Zero);

    private sealed record PointBody(DateTimeOffset At, double CpuCores, double MemoryGiB, double Clusters);

    private sealed record UsageBody(string Tenant, string Resolution, int SampleIntervalSeconds, double CoreHours, double GibHours, PointBody[] Points);

    private static string Query(Tenant tenant, DateTimeOffset from, DateTimeOffset to, string resolution = "hour") =>
        $"/api/v1/tenants/{tenant.Slug}/usage?from={Uri.EscapeDataString(from.ToString("O"))}&to={Uri.EscapeDataString(to.ToString("O"))}&resolution={resolution}";

    [Fact]
    public async Task A_member_gets_the_tenants_hourly_series_and_totals()
    {
        var member = $"member-{Guid.NewGuid():N}";
        var tenant = await app.CreateTenantAsync((member, TenantRole.Member));
        // Three cores and 2 GiB for the first hour, nothing in the second.
        await app.SeedAsync(UsageArrange.Samples(tenant, Ten, Ten.AddHours(1), cores: 3, gib: 2));

        var usage = await app.CreateClient(member).GetFromJsonAsync<UsageBody>(Query(tenant, Ten, Ten.AddHours(2)), Json.Options, Ct);

        Assert.Equivalent(
            new UsageBody(tenant.Slug, "hour", 300, CoreHours: 3, GibHours: 2,
                [new PointBody(Ten, CpuCores: 3, MemoryGiB: 2, Clusters: 1), new PointBody(Ten.AddHours(1), 0, 0, 0)]),
            usage,
            strict: true);
    }

    [Fact]
    public async Task Someone_outside_the_tenant_gets_404()
    {
        var tenant = await app.CreateTenantAsync(($"member-{Guid.NewGuid():N}", TenantRole.Member));

        using var response = await app.CreateClient($"outsider-{Guid.NewGuid():N}").GetAsync(Query(tenant, Ten, Ten.AddHours(2)), Ct);

        Assert.Equal(HttpStatusCode.NotFound, response.StatusCode);
    }

    [Fact]
    public async Task A_range_that_ends_before_it_starts_is_a_400_problem_about_from()
    {
        var member = $"member-{Guid.NewGuid():N}";
        var tenant = await app.CreateTenantAsync((member, TenantRole.Member));

        using var response = await app.CreateClient(member).GetAsync(Query(tenant, Ten.AddHours(2), Ten), Ct);

        Assert.Equivalent(new { Status = 400, Errors = new[] { "from" } }, new { Status = (int)response.StatusCode, Errors = (await response.ProblemAsync()).Errors?.Keys });
    }

    [Fact]
    public async Task An_hourly_range_longer_than_31_days_is_a_400_problem()
    {
        var member = $"member-{Guid.NewGuid():N}";
        var tenant = await app.CreateTenantAsync((member, TenantRole.Member));

        using var response = await app.CreateClient(member).GetAsync(Query(tenant, Ten, Ten.AddDays(32)), Ct);

        Assert.Equal(HttpStatusCode.BadRequest, response.StatusCode);
    }

    [Fact]
    public async Task The_same_range_by_day_is_answered()
    {
        var member = $"member-{Guid.NewGuid():N}";
        var tenant = await app.CreateTenantAsync((member, TenantRole.Member));

        var usage = await app.CreateClient(member).GetFromJsonAsync<UsageBody>(Query(tenant, Ten, Ten.AddDays(32), "day"), Json.Options, Ct);

        Assert.Equal(33, usage!.Points.Length);
    }
}
