using Portal.Core.Usage;

namespace Portal.Web.Features.Usage;

/// <summary>How wide one point of a usage series is.</summary>
internal enum UsageResolution
{
    Hour,
    Day,
}

/// <summary>A validated time range [<paramref name="From"/>, <paramref name="To"/>) and the width of its points.</summary>
internal sealed record UsageRange(DateTimeOffset From, DateTimeOffset To, UsageResolution Resolution)
{
    /// <summary>Longest range per resolution: about 750 hourly points, or the default retention in days.</summary>
    public static TimeSpan MaxLength(UsageResolution resolution) =>
        resolution is UsageResolution.Hour ? TimeSpan.FromDays(31) : TimeSpan.FromDays(400);

    /// <summary>Width of one point.</summary>
    public TimeSpan Step => StepOf(Resolution);

    /// <summary>The range of <paramref name="length"/> ending at <paramref name="now"/>.</summary>
    public static UsageRange Last(TimeSpan length, UsageResolution resolution, DateTimeOffset now) =>
        new(now - length, now, resolution);

    /// <summary>
    /// Reads the API's query: ISO 8601 instants (default: <c>to</c> now, <c>from</c> a day before at hour resolution,
    /// 30 days before at day resolution) and <c>hour</c> or <c>day</c> (default hour). Errors are keyed by parameter.
    /// </summary>
    public static Outcome<UsageRange> Parse(string? from, string? to, string? resolution, DateTimeOffset now)
    {
        var errors = new Dictionary<string, string[]>(StringComparer.Ordinal);
        var step = UsageResolution.Hour;
        if (!string.IsNullOrEmpty(resolution) && !TryParseResolution(resolution, out step))
            errors["resolution"] = ["Use 'hour' or 'day'."];

        var end = now;
        if (!string.IsNullOrEmpty(to) && !TryParseInstant(to, out end))
        {
            errors["to"] = ["Not an ISO 8601 date and time after 1970, e.g. 2026-11-25T12:00:00Z."];
            end = now;
        }

        var start = end - (step is UsageResolution.Hour ? TimeSpan.FromDays(1) : TimeSpan.FromDays(30));
        if (!string.IsNullOrEmpty(from) && !TryParseInstant(from, out start))
            errors["from"] = ["Not an ISO 8601 date and time after 1970, e.g. 2026-11-24T12:00:00Z."];

        if (errors.Count == 0 && start >= end)
            errors["from"] = ["'from' must be before 'to'."];
        else if (errors.Count == 0 && end - start > MaxLength(step))
            errors["from"] = [step is UsageResolution.Hour
                ? $"At hour resolution a range spans at most {MaxLength(step).TotalDays:0} days; use resolution=day."
                : $"At day resolution a range spans at most {MaxLength(step).TotalDays:0} days."];

        return errors.Count > 0 ? Failure.Invalid(errors) : new UsageRange(start, end, step);
    }

    /// <summary>Start of the point that holds <paramref name="instant"/> (UTC hours or days).</summary>
    public DateTimeOffset PointStart(DateTimeOffset instant)
    {
        var ticks = instant.UtcTicks;
        return new DateTimeOffset(ticks - (ticks % Step.Ticks), TimeSpan.Zero);
    }

    /// <summary>Starts of every point of the range, oldest first.</summary>
    public IReadOnlyList<DateTimeOffset> PointStarts()
    {
        var starts = new List<DateTimeOffset>();
        for (var at = PointStart(From); at < To; at += Step)
            starts.Add(at);
        return starts;
    }

    static TimeSpan StepOf(UsageResolution resolution) =>
        resolution is UsageResolution.Hour ? TimeSpan.FromHours(1) : TimeSpan.FromDays(1);

    static bool TryParseResolution(string text, out UsageResolution resolution)
    {
        resolution = UsageResolution.Hour;
        if (text.Equals("hour", StringComparison.OrdinalIgnoreCase))
            return true;
        resolution = UsageResolution.Day;
        return text.Equals("day", StringComparison.OrdinalIgnoreCase);
    }

    // Without an offset the instant is read as UTC, as the API's timestamps are. Instants near the ends of
    // DateTimeOffset's range are refused, so defaults and point arithmetic can't overflow into a 500.
    static bool TryParseInstant(string text, out DateTimeOffset instant) =>
        DateTimeOffset.TryParse(text, CultureInfo.InvariantCulture, DateTimeStyles.AssumeUniversal, out instant)
        && instant >= Earliest && instant <= Latest;

    static readonly DateTimeOffset Earliest = DateTimeOffset.UnixEpoch;
    static readonly DateTimeOffset Latest = new(9000, 1, 1, 0, 0, 0, TimeSpan.Zero);
}

/// <summary>One point of a series: the averages over its hour or day.</summary>
/// <param name="At">Start of the point's hour or day (UTC).</param>
/// <param name="CpuCores">Average CPU cores requested.</param>
/// <param name="MemoryBytes">Average memory bytes requested.</param>
/// <param name="Clusters">Average live clusters.</param>
internal sealed record UsagePoint(DateTimeOffset At, double CpuCores, double MemoryBytes, double Clusters);

/// <summary>One tenant's usage over a range: a point per hour or day, and the range's totals.</summary>
/// <param name="TenantId">The tenant's id; samples outlive the tenant.</param>
/// <param name="Tenant">Slug, or the id when the tenant no longer exists.</param>
/// <param name="DisplayName">Display name, or the slug.</param>
/// <param name="Points">One point per hour or day of the range, oldest first; empty hours are zero.</param>
/// <param name="CoreHours">CPU cores requested × hours, over the whole range.</param>
/// <param name="GibHours">Memory GiB requested × hours, over the whole range.</param>
internal sealed record TenantUsageSeries(
    Guid TenantId, string Tenant, string DisplayName, IReadOnlyList<UsagePoint> Points, double CoreHours, double GibHours);

/// <summary>Every tenant with usage in a range, most core-hours first.</summary>
internal sealed record UsageReport(UsageRange Range, TimeSpan SampleInterval, IReadOnlyList<TenantUsageSeries> Tenants);

/// <summary>
/// Reads usage samples back as series and totals: one tenant for its members (the REST API), every tenant for
/// platform admins (the usage page).
/// </summary>
/// <remarks>
/// A sample stands for its whole interval, so a total is Σ value × interval, and a point's average is its total
/// divided by the time the point covers (only the part inside the range and already past). An interval without a
/// sample counts as zero: the recorder writes none for a tenant without live clusters.
/// </remarks>
internal sealed class UsageHistory(
    IDbContextFactory<PortalDb> contexts,
    Caller caller,
    IOptions<UsageOptions> options,
    TimeProvider time)
{
    const double BytesPerGib = 1024d * 1024 * 1024;

    /// <summary>How often samples are taken, for the page's empty state.</summary>
    public TimeSpan SampleInterval => options.Value.SampleInterval;

    /// <summary>The usage of <paramref name="slug"/>, which the caller must be able to read (else not found).</summary>
    public async Task<Outcome<TenantUsageSeries>> ForTenantAsync(string slug, UsageRange range, CancellationToken ct)
    {
        ArgumentNullException.ThrowIfNull(range);
        await using var db = await contexts.CreateDbContextAsync(ct);
        if (await TenantAccess.ForMemberAsync(db, caller, slug, ct) is not { } access)
            return new Failure(FailureKind.NotFound, "Tenant not found.", $"There is no tenant '{slug}' you are a member of.");

        var tenant = access.Tenant;
        var samples = await InRange(db, range).Where(s => s.TenantId == tenant.Id).ToListAsync(ct);
        return Aggregate(tenant.Id, tenant.Slug, tenant.DisplayName, samples, range, time.GetUtcNow());
    }

    /// <summary>Every tenant's usage in <paramref name="range"/>; platform admins only.</summary>
    public async Task<Outcome<UsageReport>> ForAllTenantsAsync(UsageRange range, CancellationToken ct)
    {
        ArgumentNullException.ThrowIfNull(range);
        if (!caller.IsPlatformAdmin)
            return new Failure(FailureKind.Forbidden, "Only platform admins may see every tenant's usage.");

        await using var db = await contexts.CreateDbContextAsync(ct);
        // REVIEW: grouping happens here, not in SQL, so both providers share it; a month of 5-minute samples is
        // about 8,600 small rows per busy tenant. Push the hourly sums into the query if that stops being small.
        var samples = await InRange(db, range).ToListAsync(ct);
        var ids = samples.Select(s => s.TenantId).Distinct().ToList();
        var names = await db.Tenants.AsNoTracking().Where(t => ids.Contains(t.Id))
            .ToDictionaryAsync(t => t.Id, t => (t.Slug, t.DisplayName), ct);

        var now = time.GetUtcNow();
        var tenants = samples.GroupBy(s => s.TenantId)
            .Select(group =>
            {
                var (slug, displayName) = names.TryGetValue(group.Key, out var name)
                    ? name
                    : (group.Key.ToString(), group.Key.ToString());
                return Aggregate(group.Key, slug, displayName, group, range, now);
            })
            .OrderByDescending(t => t.CoreHours)
            .ThenBy(t => t.Tenant, StringComparer.Ordinal)
            .ToList();
        return new UsageReport(range, options.Value.SampleInterval, tenants);
    }

    /// <summary>
    /// Folds <paramref name="samples"/> into one point per hour or day of <paramref name="range"/> and the range's
    /// totals. Samples outside the range are ignored; <paramref name="now"/> bounds the time the last point covers.
    /// </summary>
    public static TenantUsageSeries Aggregate(
        Guid tenantId, string tenant, string displayName, IEnumerable<UsageSample> samples, UsageRange range, DateTimeOffset now)
    {
        ArgumentNullException.ThrowIfNull(samples);
        ArgumentNullException.ThrowIfNull(range);
        var starts = range.PointStarts();
        var sums = new (double Cpu, double Memory, double Clusters, double Hours)[starts.Count];
        double coreHours = 0, gibHours = 0;

        foreach (var sample in samples.Where(s => s.At >= range.From && s.At < range.To))
        {
            var hours = sample.Interval.TotalHours;
            var cpu = (double)sample.CpuCores * hours;
            var memory = sample.MemoryBytes * hours;
            var index = (int)((range.PointStart(sample.At) - starts[0]).Ticks / range.Step.Ticks);
            ref var sum = ref sums[index];
            sum = (sum.Cpu + cpu, sum.Memory + memory, sum.Clusters + (sample.Clusters * hours), sum.Hours + hours);
            coreHours += cpu;
            gibHours += memory / BytesPerGib;
        }

        var points = new UsagePoint[starts.Count];
        for (var i = 0; i < starts.Count; i++)
        {
            // The time this point stands for: its part of the range that has passed, but never less than its
            // samples' intervals, so the last sample of a running hour doesn't read as a spike.
            var begin = starts[i] < range.From ? range.From : starts[i];
            var end = new[] { starts[i] + range.Step, range.To, now }.Min();
            var hours = Math.Max((end - begin).TotalHours, sums[i].Hours);
            points[i] = hours <= 0
                ? new UsagePoint(starts[i], 0, 0, 0)
                : new UsagePoint(starts[i], sums[i].Cpu / hours, sums[i].Memory / hours, sums[i].Clusters / hours);
        }

        return new TenantUsageSeries(tenantId, tenant, displayName, points, coreHours, gibHours);
    }

    static IQueryable<UsageSample> InRange(PortalDb db, UsageRange range) =>
        db.UsageSamples.AsNoTracking().Where(s => s.At >= range.From && s.At < range.To);
}
