using Microsoft.EntityFrameworkCore;
using Portal.Core.Clusters;
using Portal.Core.Tenants;
using Portal.Core.Usage;
using Portal.Web.Features.Usage;
using static Portal.Testing.Builders;
using Microsoft.Extensions.Time.Testing;

namespace Portal.Web.Tests.Usage;

/// <summary>The recorder on real PostgreSQL: one sample per tenant and interval, of what its live clusters request.</summary>
public sealed class UsageRecorderTests(UsagePortalApp app) : IClassFixture<UsagePortalApp>
{
    private static CancellationToken Ct => TestContext.Current.CancellationToken;

    // Each test samples its own interval, far from the real clock, so tests don't see each other's rows.
    private static FakeTimeProvider ClockAt(int day) => new(new DateTimeOffset(2031, 1, day, 12, 7, 30, TimeSpan.Zero));

    [Fact]
    public void The_interval_start_is_a_whole_number_of_intervals_since_the_epoch()
    {
        var start = UsageRecorder.IntervalStart(new DateTimeOffset(2031, 1, 1, 12, 7, 30, TimeSpan.Zero), TimeSpan.FromMinutes(5));

        Assert.Equal(new DateTimeOffset(2031, 1, 1, 12, 5, 0, TimeSpan.Zero), start);
    }

    [Fact]
    public async Task Recording_writes_what_each_tenants_live_clusters_request()
    {
        var clock = ClockAt(1);
        var (busy, quiet) = (await TenantWithClustersAsync(2), await TenantWithClustersAsync(1));

        await app.Recorder(clock).RecordAsync(Ct);

        // Each builder cluster: a 1-core 1Gi master and two 1-core 2Gi workers, so 3 cores, 5Gi and 3 pods.
        Assert.Equal(
            [(busy.Id, 2, 6m, 10L * 1024 * 1024 * 1024, 6), (quiet.Id, 1, 3m, 5L * 1024 * 1024 * 1024, 3)],
            await SamplesAsync(clock, busy, quiet));
    }

    [Fact]
    public async Task Recording_twice_in_the_same_interval_writes_nothing_the_second_time()
    {
        var clock = ClockAt(2);
        await TenantWithClustersAsync(1);
        var recorder = app.Recorder(clock);
        await recorder.RecordAsync(Ct);
        clock.Advance(TimeSpan.FromMinutes(2));

        var written = await recorder.RecordAsync(Ct);

        Assert.Equal(0, written);
    }

    [Fact]
    public async Task Two_replicas_sampling_the_same_interval_write_one_row_per_tenant()
    {
        var clock = ClockAt(3);
        var tenant = await TenantWithClustersAsync(1);

        await Task.WhenAll(
            Task.Run(() => app.Recorder(clock).RecordAsync(Ct), Ct),
            Task.Run(() => app.Recorder(clock).RecordAsync(Ct), Ct));

        Assert.Single(await SamplesAsync(clock, tenant));
    }

    [Fact]
    public async Task Clusters_being_deleted_are_not_counted()
    {
        var clock = ClockAt(4);
        var tenant = await TenantWithClustersAsync(1);
        await using (var db = app.Db())
        {
            var deleting = ASparkCluster().In(tenant).Build();
            deleting.DeletionRequestedAt = clock.GetUtcNow().AddHours(-1);
            db.Clusters.Add(deleting);
            await db.SaveChangesAsync(Ct);
        }

        await app.Recorder(clock).RecordAsync(Ct);

        Assert.Equal([(tenant.Id, 1, 3m, 5L * 1024 * 1024 * 1024, 3)], await SamplesAsync(clock, tenant));
    }

    [Fact]
    public async Task A_tenant_without_live_clusters_gets_no_sample()
    {
        var clock = ClockAt(5);
        var tenant = await TenantWithClustersAsync(0);

        await app.Recorder(clock).RecordAsync(Ct);

        Assert.Empty(await SamplesAsync(clock, tenant));
    }

    [Fact]
    public async Task Pruning_deletes_samples_older_than_the_retention_and_keeps_the_rest()
    {
        var clock = ClockAt(6);
        var tenant = await TenantWithClustersAsync(0);
        var (old, kept) = (clock.GetUtcNow() - TimeSpan.FromDays(401), clock.GetUtcNow() - TimeSpan.FromDays(399));
        await app.SeedAsync([UsageArrange.Sample(tenant, old, 1), UsageArrange.Sample(tenant, kept, 1)]);

        await app.Recorder(clock, new UsageOptions { Retention = TimeSpan.FromDays(400) }).PruneAsync(Ct);

        await using var db = app.Db();
        Assert.Equal([kept], await db.UsageSamples.Where(s => s.TenantId == tenant.Id).Select(s => s.At).ToListAsync(Ct));
    }

    private async Task<Tenant> TenantWithClustersAsync(int clusters)
    {
        var tenant = ATenant().Build();
        await using var db = app.Db();
        db.Tenants.Add(tenant);
        for (var i = 0; i < clusters; i++)
            db.Clusters.Add(ASparkCluster().In(tenant).Build());
        await db.SaveChangesAsync(Ct);
        return tenant;
    }

    /// <summary>The samples of <paramref name="tenants"/> in the clock's interval, in the order given.</summary>
    private async Task<List<(Guid Tenant, int Clusters, decimal Cpu, long Memory, int Pods)>> SamplesAsync(
        FakeTimeProvider clock, params Tenant[] tenants)
    {
        var at = UsageRecorder.IntervalStart(clock.GetUtcNow(), UsageArrange.FiveMinutes);
        var ids = tenants.Select(t => t.Id).ToList();
        await using var db = app.Db();
        var rows = await db.UsageSamples.AsNoTracking().Where(s => s.At == at && ids.Contains(s.TenantId)).ToListAsync(Ct);
        return [.. rows.OrderBy(s => ids.IndexOf(s.TenantId)).Select(s => (s.TenantId, s.Clusters, s.CpuCores, s.MemoryBytes, s.Pods))];
    }
}
