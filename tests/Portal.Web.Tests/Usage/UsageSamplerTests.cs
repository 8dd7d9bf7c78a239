using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.Logging.Abstractions;
using Microsoft.Extensions.Options;
using Portal.Testing;
using Portal.Web.Features.Usage;
using static Portal.Testing.Builders;
using Microsoft.Extensions.Time.Testing;

namespace Portal.Web.Tests.Usage;

/// <summary>The background loop around the recorder: it samples on start, and not at all when switched off.</summary>
public sealed class UsageSamplerTests(UsagePortalApp app) : IClassFixture<UsagePortalApp>
{
    private static CancellationToken Ct => TestContext.Current.CancellationToken;

    private static readonly DateTimeOffset Noon = new(2031, 5, 1, 12, 0, 0, TimeSpan.Zero);

    private UsageSampler Sampler(UsageOptions options, FakeTimeProvider clock) =>
        new(app.Recorder(clock, options), Options.Create(options), clock, NullLogger<UsageSampler>.Instance);

    [Fact]
    public async Task The_sampler_records_the_current_interval_as_soon_as_it_starts()
    {
        var tenant = ATenant().Build();
        await using (var db = app.Db())
        {
            db.Tenants.Add(tenant);
            db.Clusters.Add(ASparkCluster().In(tenant).Build());
            await db.SaveChangesAsync(Ct);
        }

        using var sampler = Sampler(new UsageOptions(), new FakeTimeProvider(Noon));
        await sampler.StartAsync(Ct);
        try
        {
            await WaitForSampleAsync(tenant.Id);
        }
        finally
        {
            await sampler.StopAsync(Ct);
        }

        await using var check = app.Db();
        Assert.Equal([Noon], await check.UsageSamples.Where(s => s.TenantId == tenant.Id).Select(s => s.At).ToListAsync(Ct));
    }

    [Fact]
    public async Task A_sampler_switched_off_ends_without_waiting_for_a_tick()
    {
        using var sampler = Sampler(new UsageOptions { Sample = false }, new FakeTimeProvider(Noon));

        await sampler.StartAsync(Ct);

        // A running sampler would be waiting for its next five-minute tick.
        var ended = await Task.WhenAny(sampler.ExecuteTask!, Task.Delay(Eventually.Ceiling, Ct));
        Assert.Same(sampler.ExecuteTask, ended);
    }

    private Task WaitForSampleAsync(Guid tenant) =>
        Eventually.HoldsAsync(async () =>
        {
            await using var db = app.Db();
            return await db.UsageSamples.AnyAsync(s => s.TenantId == tenant, Ct);
        }, $"a usage sample of tenant {tenant}", ct: Ct);
}
