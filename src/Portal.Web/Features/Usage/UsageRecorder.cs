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

        var written = 0;
        foreach (var sample in live.GroupBy(c => c.TenantId)
                     .Where(tenant => !recorded.Contains(tenant.Key))
                     .Select(tenant => Sample(tenant.Key, at, interval, tenant)))
        {
            if (await TryAddAsync(db, sample, ct))
                written++;
        }

        if (written > 0)
            LogRecorded(logger, written, at);
        return written;
    }

    // One row per save: another replica sampling the same interval then costs this one a refused row, never a
    // batch rolled back behind it or a deadlock between two batches inserting in different orders.
    async Task<bool> TryAddAsync(PortalDb db, UsageSample sample, CancellationToken ct)
    {
        db.UsageSamples.Add(sample);
        try
        {
            await db.SaveChangesAsync(ct);
            return true;
        }
        catch (DbUpdateException) when (!ct.IsCancellationRequested)
        {
            db.ChangeTracker.Clear();
            // The unique (TenantId, At) index refused the row because another replica recorded this tenant's
            // interval first, counting the same clusters; any other failure is real. The index only refuses once
            // the other insert has committed, so the row is visible here.
            if (!await db.UsageSamples.AnyAsync(s => s.TenantId == sample.TenantId && s.At == sample.At, ct))
                throw;
            LogRaceLost(logger, sample.TenantId, sample.At);
            return false;
        }
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

    [LoggerMessage(LogLevel.Debug, "Recorded {Count} usage samples at {At}")]
    static partial void LogRecorded(ILogger logger, int count, DateTimeOffset at);

    [LoggerMessage(LogLevel.Debug, "Skipped usage sample of tenant {TenantId} at {At}: another replica recorded it first")]
    static partial void LogRaceLost(ILogger logger, Guid tenantId, DateTimeOffset at);

    [LoggerMessage(LogLevel.Information, "Pruned {Count} usage samples older than {Cutoff}")]
    static partial void LogPruned(ILogger logger, int count, DateTimeOffset cutoff);
}
