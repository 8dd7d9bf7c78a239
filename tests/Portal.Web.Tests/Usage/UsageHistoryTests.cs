using Portal.Core.Clusters;
using Portal.Core.Tenants;
using Portal.Web.Features.Usage;
using static Portal.Testing.Builders;

namespace Portal.Web.Tests.Usage;

/// <summary>Folding samples into points and totals, and reading the API's range; no database.</summary>
public sealed class UsageHistoryTests
{
    private static readonly Tenant Tenant = ATenant().Build();
    private static readonly DateTimeOffset Ten = new(2031, 2, 1, 10, 0, 0, TimeSpan.Zero);
    private static readonly DateTimeOffset Later = Ten.AddDays(30);

    private static TenantUsageSeries Aggregate(IEnumerable<Portal.Core.Usage.UsageSample> samples, UsageRange range, DateTimeOffset? now = null) =>
        UsageHistory.Aggregate(Tenant.Id, Tenant.Slug, Tenant.DisplayName, samples, range, now ?? Later);

    private static double[] Cpu(TenantUsageSeries series) => [.. series.Points.Select(p => Math.Round(p.CpuCores, 6))];

    [Fact]
    public void A_point_averages_its_samples_over_the_whole_hour()
    {
        // Two cores for the first half hour, nothing after.
        var samples = UsageArrange.Samples(Tenant, Ten, Ten.AddMinutes(30), cores: 2);

        var series = Aggregate(samples, new UsageRange(Ten, Ten.AddHours(1), UsageResolution.Hour));

        Assert.Equal([1.0], Cpu(series));
    }

    [Fact]
    public void Core_hours_and_gib_hours_sum_each_sample_times_its_interval()
    {
        // 2 cores and 4 GiB for 90 minutes.
        var samples = UsageArrange.Samples(Tenant, Ten, Ten.AddMinutes(90), cores: 2, gib: 4);

        var series = Aggregate(samples, new UsageRange(Ten, Ten.AddHours(3), UsageResolution.Hour));

        Assert.Equal((3.0, 6.0), (Math.Round(series.CoreHours, 6), Math.Round(series.GibHours, 6)));
    }

    [Fact]
    public void Hours_without_samples_are_zero_points()
    {
        var samples = UsageArrange.Samples(Tenant, Ten.AddHours(1), Ten.AddHours(2), cores: 4);

        var series = Aggregate(samples, new UsageRange(Ten, Ten.AddHours(3), UsageResolution.Hour));

        Assert.Equal([0.0, 4.0, 0.0], Cpu(series));
    }

    [Fact]
    public void Samples_outside_the_range_count_in_no_total()
    {
        var samples = UsageArrange.Samples(Tenant, Ten.AddHours(-1), Ten.AddHours(2), cores: 1);

        var series = Aggregate(samples, new UsageRange(Ten, Ten.AddHours(1), UsageResolution.Hour));

        Assert.Equal(1.0, Math.Round(series.CoreHours, 6));
    }

    [Fact]
    public void The_running_hour_averages_over_the_time_passed_so_far()
    {
        var now = Ten.AddMinutes(30);
        var samples = UsageArrange.Samples(Tenant, Ten, now, cores: 2);

        var series = Aggregate(samples, new UsageRange(Ten, Ten.AddHours(1), UsageResolution.Hour), now);

        Assert.Equal([2.0], Cpu(series));
    }

    [Fact]
    public void A_lone_sample_of_a_running_hour_reads_as_its_value_not_as_a_spike()
    {
        var now = Ten.AddMinutes(1);
        var samples = new[] { UsageArrange.Sample(Tenant, Ten, cores: 2) };

        var series = Aggregate(samples, new UsageRange(Ten, Ten.AddHours(1), UsageResolution.Hour), now);

        Assert.Equal([2.0], Cpu(series));
    }

    [Fact]
    public void Day_resolution_makes_one_point_per_utc_day()
    {
        // Six cores for the first four hours of the first day: 24 core-hours over a 24-hour day.
        var midnight = Ten.AddHours(-10);
        var samples = UsageArrange.Samples(Tenant, midnight, midnight.AddHours(4), cores: 6);

        var series = Aggregate(samples, new UsageRange(midnight, midnight.AddDays(2), UsageResolution.Day));

        Assert.Equal([1.0, 0.0], Cpu(series));
    }

    [Fact]
    public void A_range_whose_from_is_not_before_its_to_is_refused_on_from()
    {
        var outcome = UsageRange.Parse("2031-02-02T00:00:00Z", "2031-02-01T00:00:00Z", "hour", Later);

        Assert.Equal(["from"], outcome.Failure?.Errors?.Keys);
    }

    [Fact]
    public void An_hourly_range_longer_than_31_days_is_refused()
    {
        var outcome = UsageRange.Parse("2031-01-01T00:00:00Z", "2031-02-02T00:00:00Z", "hour", Later);

        Assert.Equal(FailureKind.Invalid, outcome.Failure?.Kind);
    }

    [Fact]
    public void An_unknown_resolution_is_refused_on_resolution()
    {
        var outcome = UsageRange.Parse(null, null, "minute", Later);

        Assert.Equal(["resolution"], outcome.Failure?.Errors?.Keys);
    }

    [Fact]
    public void An_instant_at_the_edge_of_the_calendar_is_refused_rather_than_overflowing()
    {
        var outcome = UsageRange.Parse(null, "0001-01-01T00:00:00Z", "day", Later);

        Assert.Equal(["to"], outcome.Failure?.Errors?.Keys);
    }

    [Fact]
    public void Without_parameters_the_range_is_the_last_day_by_hour()
    {
        var outcome = UsageRange.Parse(null, null, null, Later);

        Assert.Equal(new UsageRange(Later.AddDays(-1), Later, UsageResolution.Hour), outcome.Value);
    }
}
