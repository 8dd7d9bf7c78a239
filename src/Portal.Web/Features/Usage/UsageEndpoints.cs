namespace Portal.Web.Features.Usage;

/// <summary>One point of <see cref="UsageView"/>: averages over an hour or a day.</summary>
/// <param name="At">Start of the hour or day (UTC).</param>
/// <param name="CpuCores">Average CPU cores requested.</param>
/// <param name="MemoryGiB">Average memory requested, in GiB.</param>
/// <param name="Clusters">Average live clusters.</param>
internal sealed record UsagePointView(DateTimeOffset At, double CpuCores, double MemoryGiB, double Clusters);

/// <summary>A tenant's usage over a range, as the API returns it.</summary>
/// <param name="Tenant">The tenant's slug.</param>
/// <param name="From">Start of the range (inclusive).</param>
/// <param name="To">End of the range (exclusive).</param>
/// <param name="Resolution">"hour" or "day".</param>
/// <param name="SampleIntervalSeconds">How often the portal samples; each sample stands for this long.</param>
/// <param name="CoreHours">CPU cores requested × hours over the range.</param>
/// <param name="GibHours">Memory GiB requested × hours over the range.</param>
/// <param name="Points">One per hour or day, oldest first.</param>
internal sealed record UsageView(
    string Tenant, DateTimeOffset From, DateTimeOffset To, string Resolution, int SampleIntervalSeconds,
    double CoreHours, double GibHours, UsagePointView[] Points)
{
    const double BytesPerGib = 1024d * 1024 * 1024;

    public static UsageView Of(TenantUsageSeries series, UsageRange range, TimeSpan sampleInterval) => new(
        series.Tenant, range.From, range.To, range.Resolution is UsageResolution.Hour ? "hour" : "day",
        (int)sampleInterval.TotalSeconds, Round(series.CoreHours), Round(series.GibHours),
        [.. series.Points.Select(p => new UsagePointView(p.At, Round(p.CpuCores), Round(p.MemoryBytes / BytesPerGib), Round(p.Clusters)))]);

    // Millicores and MiB-ish precision; more digits only repeat the float arithmetic.
    static double Round(double value) => Math.Round(value, 3);
}

/// <summary>Usage accounting: the sampler, its options, the history query and GET /api/v1/tenants/{tenant}/usage.</summary>
internal static class UsageEndpoints
{
    /// <summary>Registers <see cref="UsageOptions"/> (validated at start), the recorder, the sampler and the query.</summary>
    public static IServiceCollection AddUsage(this IServiceCollection services)
    {
        services.AddValidatedOptions<UsageOptions>(UsageOptions.Section);
        services.AddSingleton<UsageRecorder>();
        services.AddHostedService<UsageSampler>();
        // Per request or circuit: it answers for the Caller.
        services.AddScoped<UsageHistory>();
        return services;
    }

    /// <summary>Maps the usage endpoint into the API group (under /api/v1).</summary>
    public static RouteHandlerBuilder MapUsage(this RouteGroupBuilder api) =>
        api.MapGet("/tenants/{tenant}/usage", Get).WithTags("Usage").WithName("GetTenantUsage")
            .WithSummary("A tenant's resource usage over time")
            .WithDescription("What the tenant's live clusters requested, sampled every Usage:SampleInterval: per hour or " +
                             "day the average CPU cores, memory GiB and clusters, and the range's core-hours and GiB-hours. " +
                             "from and to are ISO 8601 (default: the last day, or the last 30 days at resolution=day); " +
                             "a range spans at most 31 days at hour resolution and 400 at day resolution.");

    private static async Task<Results<Ok<UsageView>, ProblemHttpResult>> Get(
        string tenant,
        string? from,
        string? to,
        string? resolution,
        UsageHistory history,
        TimeProvider time,
        CancellationToken ct)
    {
        var range = UsageRange.Parse(from, to, resolution, time.GetUtcNow());
        if (range.Failure is { } invalid)
            return invalid.ToProblem();

        var outcome = await history.ForTenantAsync(tenant, range.Value!, ct);
        return outcome.Answer(series => TypedResults.Ok(UsageView.Of(series, range.Value!, history.SampleInterval)));
    }
}
