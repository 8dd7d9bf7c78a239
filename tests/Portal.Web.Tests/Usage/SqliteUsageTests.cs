using Portal.Core.Tenants;
using Portal.Web.Features.Usage;
using static Portal.Testing.Builders;
using Microsoft.Extensions.Time.Testing;

namespace Portal.Web.Tests.Usage;

/// <summary>The embedded default: usage is recorded, pruned and read back on SQLite too.</summary>
public sealed class SqliteUsageTests(SqlitePortalApp app) : IClassFixture<SqlitePortalApp>
{
    private static CancellationToken Ct => TestContext.Current.CancellationToken;

    // Far from the real clock, so the portal's own sampler never shares an interval with these tests.
    private static readonly DateTimeOffset Noon = new(2031, 4, 1, 12, 0, 0, TimeSpan.Zero);

    [Fact]
    public async Task A_recorded_interval_reads_back_as_its_tenants_core_hours()
    {
        var tenant = ATenant().Build();
        await using (var db = app.Db())
        {
            db.Tenants.Add(tenant);
            db.Clusters.Add(ASparkCluster().In(tenant).Build());
            await db.SaveChangesAsync(Ct);
        }

        var clock = new FakeTimeProvider(Noon);
        await app.Recorder(clock).RecordAsync(Ct);
        var series = await app.History(new Caller("someone", IsPlatformAdmin: true), clock)
            .ForTenantAsync(tenant.Slug, new UsageRange(Noon.AddHours(-1), Noon.AddHours(1), UsageResolution.Hour), Ct);

        // One five-minute sample of a 3-core cluster: a quarter of a core-hour.
        Assert.Equal(0.25, Math.Round(series.Value!.CoreHours, 6));
    }

    [Fact]
    public async Task Pruning_deletes_old_samples_on_SQLite()
    {
        var tenant = ATenant().Build();
        await app.SeedAsync([UsageArrange.Sample(tenant, Noon.AddDays(-500), 1), UsageArrange.Sample(tenant, Noon.AddDays(-1), 1)]);

        var deleted = await app.Recorder(new FakeTimeProvider(Noon)).PruneAsync(Ct);

        Assert.Equal(1, deleted);
    }
}
