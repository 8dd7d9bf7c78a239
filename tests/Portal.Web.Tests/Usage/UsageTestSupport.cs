using Microsoft.AspNetCore.Hosting;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging.Abstractions;
using Microsoft.Extensions.Options;
using Portal.Core.Data;
using Portal.Core.Tenants;
using Portal.Core.Usage;
using Portal.Testing;
using Portal.Web.Features.Usage;

namespace Portal.Web.Tests.Usage;

/// <summary>The portal with its own usage sampler off, so only the test's recorder and seeded samples write rows.</summary>
public sealed class UsagePortalApp(PostgresServer postgres) : PortalApp(postgres)
{
    protected override void ConfigureWebHost(IWebHostBuilder builder)
    {
        base.ConfigureWebHost(builder);
        // Test-only: the sampler would add rows at the real time for every tenant the tests give clusters.
        builder.UseSetting("Usage:Sample", "false");
    }
}

/// <summary>Arranging usage state on a <see cref="PortalApp"/>'s database.</summary>
internal static class UsageArrange
{
    public static readonly TimeSpan FiveMinutes = TimeSpan.FromMinutes(5);

    public static IDbContextFactory<PortalDb> Contexts(this PortalApp app) =>
        app.Services.GetRequiredService<IDbContextFactory<PortalDb>>();

    public static UsageRecorder Recorder(this PortalApp app, TimeProvider clock, UsageOptions? options = null) =>
        new(app.Contexts(), Options.Create(options ?? new UsageOptions()), clock, NullLogger<UsageRecorder>.Instance);

    public static UsageHistory History(this PortalApp app, Caller caller, TimeProvider clock) =>
        new(app.Contexts(), caller, Options.Create(new UsageOptions()), clock);

    /// <summary>A sample of <paramref name="cores"/> cores and <paramref name="gib"/> GiB in one cluster.</summary>
    public static UsageSample Sample(Tenant tenant, DateTimeOffset at, decimal cores, long gib = 0) => new()
    {
        TenantId = tenant.Id,
        At = at,
        Interval = FiveMinutes,
        Clusters = 1,
        CpuCores = cores,
        MemoryBytes = gib * 1024 * 1024 * 1024,
        Pods = 1,
    };

    /// <summary>Samples every five minutes from <paramref name="from"/> (inclusive) to <paramref name="to"/> (exclusive).</summary>
    public static IEnumerable<UsageSample> Samples(Tenant tenant, DateTimeOffset from, DateTimeOffset to, decimal cores, long gib = 0)
    {
        for (var at = from; at < to; at += FiveMinutes)
            yield return Sample(tenant, at, cores, gib);
    }

    public static async Task SeedAsync(this PortalApp app, IEnumerable<UsageSample> samples)
    {
        await using var db = app.Db();
        db.UsageSamples.AddRange(samples);
        await db.SaveChangesAsync();
    }
}
