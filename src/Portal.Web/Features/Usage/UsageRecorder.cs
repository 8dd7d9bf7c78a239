using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.Options;
using Portal.Core.Clusters;
using Portal.Core.Data;
using Portal.Core.Usage;

namespace Portal.Web.Features.Usage;

/// <summary>
/// Takes the usage samples of one interval: for every tenant with live clusters, what those clusters request, counted
/// as the quota gauges count it (<see cref="ClusterDemand"/>). Safe to run on every replica and more than once per
/// interval: a tenant's interval is written once.
/// </summary>
/// <remarks>
/// Tenants without live clusters get no row: their usage over an interval without a sample is zero, which keeps the
/// table at one row per busy tenant per interval rather than one per tenant.
/// </remarks>
internal sealed partial class UsageRecorder(
    IDbContextFactory<PortalDb> contexts,
    IOptions<UsageOptions> options,
    TimeProvider time,
    ILogger<UsageRecorder> logger)
{
    const decimal MaxMemoryBytes = long.MaxValue;

    /// <summary>Start of the interval that holds <paramref name="instant"/>: a whole number of intervals since the Unix epoch.</summary>
    public static DateTimeOffset IntervalStart(DateTimeOffset instant, TimeSpan interval)
    {
        var sinceEpoch = instant.UtcTicks - DateTimeOffset.UnixEpoch.UtcTicks;
        return DateTimeOffset.UnixEpoch.AddTicks(sinceEpoch - (((sinceEpoch % interval.Ticks) + interval.Ticks) % interval.Ticks));
    }

    /// <summary>Records the current interval's samples that are not recorded yet; returns how many rows it wrote.</summary>
    public async Task<int> RecordAsync(CancellationToken ct)
    {
        var interval = options.Value.SampleInterval;
        var at = IntervalStart(time.GetUtcNow(), interval);

        await using var db = await contexts.CreateDbContextAsync(ct);
        var live = await db.Clusters.AsNoTracking().Where(c => c.DeletionRequestedAt == null).ToListAsync(ct);
        var recorded = await db.UsageSamples.Where(s => s.At == at).Select(s => s.TenantId).ToListAsync(ct);

        var samples = live.GroupBy(c => c.TenantId)
            .Where(tenant => !recorded.Contains(tenant.Key))
            .Select(tenant => Sample(tenant.Key, at, interval, tenant))
            .ToList();
        if (samples.Count == 0)
            return 0;

        db.UsageSamples.AddRange(samples);
        try
        {
            await db.SaveChangesAsync(ct);
        }
        catch (DbUpdateException) when (!ct.IsCancellationRequested)
        {
            // Another replica sampled the same interval between our read and our write: the unique (TenantId, At)
            // index refused our copy, and theirs counts the same clusters. Anything else is a real failure.
            if (!await AllRecordedAsync(samples, at, ct))
                throw;
            LogRaceLost(logger, at);
            return 0;
        }

        LogRecorded(logger, samples.Count, at);
        return samples.Count;
    }

    /// <summary>Deletes samples older than the retention; returns how many.</summary>
    public async Task<int> PruneAsync(CancellationToken ct)
    {
        var cutoff = time.GetUtcNow() - options.Value.Retention;
        await using var db = await contexts.CreateDbContextAsync(ct);
        var deleted = await db.UsageSamples.Where(s => s.At < cutoff).ExecuteDeleteAsync(ct);
        if (deleted > 0)
            LogPruned(logger, deleted, cutoff);
        return deleted;
    }

    static UsageSample Sample(Guid tenantId, DateTimeOffset at, TimeSpan interval, IEnumerable<Cluster> clusters)
    {
        decimal cpu = 0, memory = 0;
        int pods = 0, count = 0;
        foreach (var demand in clusters.Select(c => ClusterDemand.Of(c.Spec)))
        {
            cpu += demand.Cpu;
            memory += demand.Memory;
            pods += demand.Pods;
            count++;
        }

        return new UsageSample
        {
            TenantId = tenantId,
            At = at,
            Interval = interval,
            Clusters = count,
            CpuCores = cpu,
            MemoryBytes = (long)Math.Min(Math.Round(memory), MaxMemoryBytes),
            Pods = pods,
        };
    }

    async Task<bool> AllRecordedAsync(List<UsageSample> samples, DateTimeOffset at, CancellationToken ct)
    {
        var tenants = samples.Select(s => s.TenantId).ToList();
        await using var db = await contexts.CreateDbContextAsync(ct);
        return await db.UsageSamples.CountAsync(s => s.At == at && tenants.Contains(s.TenantId), ct) == tenants.Count;
    }

    [LoggerMessage(LogLevel.Debug, "Recorded {Count} usage samples at {At}")]
    static partial void LogRecorded(ILogger logger, int count, DateTimeOffset at);

    [LoggerMessage(LogLevel.Debug, "Skipped usage samples at {At}: another replica recorded them first")]
    static partial void LogRaceLost(ILogger logger, DateTimeOffset at);

    [LoggerMessage(LogLevel.Information, "Pruned {Count} usage samples older than {Cutoff}")]
    static partial void LogPruned(ILogger logger, int count, DateTimeOffset cutoff);
}
