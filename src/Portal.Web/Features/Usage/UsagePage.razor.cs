namespace Portal.Web.Features.Usage;

/// <summary>The time range the usage page shows.</summary>
internal enum UsageWindow
{
    Day,
    Week,
    Month,
}

/// <summary>What the usage chart plots.</summary>
internal enum UsageMetric
{
    Cpu,
    Memory,
    Clusters,
}

/// <summary>Platform admins: every tenant's requested CPU, memory or clusters over time, and core-/GiB-hours.</summary>
public partial class UsagePage
{
    private const double BytesPerGib = 1024d * 1024 * 1024;
    private static readonly CultureInfo Culture = CultureInfo.InvariantCulture;

    // Cancels a query still running when the user leaves the page or the circuit ends.
    private readonly CancellationTokenSource _disposed = new();
    private readonly LineChartOptions _options = new() { ShowDataMarkers = false, YAxisRequireZeroPoint = true };
    private UsageWindow _window = UsageWindow.Day;
    private UsageMetric _metric = UsageMetric.Cpu;
    private UsageReport? _report;
    private List<ChartSeries<double>> _series = [];
    private string[] _labels = [];
    private string? _error;

    [Inject]
    private UsageHistory History { get; set; } = default!;

    [Inject]
    private Caller Caller { get; set; } = default!;

    [Inject]
    private TimeProvider Time { get; set; } = default!;

    [Inject]
    private ISnackbar Snackbar { get; set; } = default!;

    private string Interval => IntervalText(History.SampleInterval);

    private string ChartDescription =>
        $"{MetricName(_metric)} requested per tenant, {(_window is UsageWindow.Month ? "daily" : "hourly")} averages; " +
        "the table below lists the totals.";

    protected override Task OnInitializedAsync() => Caller.IsPlatformAdmin ? LoadAsync() : Task.CompletedTask;

    private async Task SelectWindowAsync(UsageWindow window)
    {
        _window = window;
        _report = null;
        await LoadAsync();
    }

    private void SelectMetric(UsageMetric metric)
    {
        _metric = metric;
        BuildChart();
    }

    private async Task LoadAsync()
    {
        _error = null;
        var (length, resolution) = _window switch
        {
            UsageWindow.Week => (TimeSpan.FromDays(7), UsageResolution.Hour),
            UsageWindow.Month => (TimeSpan.FromDays(30), UsageResolution.Day),
            _ => (TimeSpan.FromDays(1), UsageResolution.Hour),
        };
        try
        {
            var outcome = await History.ForAllTenantsAsync(UsageRange.Last(length, resolution, Time.GetUtcNow()), _disposed.Token);
            if (outcome.Failure is { } failure)
            {
                _error = failure.Detail ?? failure.Title;
                return;
            }

            _report = outcome.Value;
            BuildChart();
        }
        catch (OperationCanceledException) when (_disposed.IsCancellationRequested)
        {
            // The page is gone; nobody is waiting for the answer.
        }
        catch (Exception exception) when (exception is not OperationCanceledException)
        {
            // A toast and a message in place of the chart, never the exception's text: it may name the database.
            _error = Portal.Web.Data.DatabaseOutage.Explain(exception, "Usage could not be loaded. Try again in a moment.");
            Snackbar.Add(_error, Severity.Error);
        }
    }

    private void BuildChart()
    {
        if (_report is null || _report.Tenants.Count == 0)
            return;

        var starts = _report.Tenants[0].Points.Select(p => p.At).ToList();
        _series = [.. _report.Tenants.Select(t => new ChartSeries<double>
        {
            Name = t.Tenant,
            Data = t.Points.Select(p => Math.Round(Value(p), 3)).ToArray(),
        })];
        _labels = Labels(starts, _report.Range.Resolution);
        _options.YAxisTitle = MetricName(_metric);
        _options.YAxisTicks = TickSpacing(_series.SelectMany(s => s.Data.Values).DefaultIfEmpty(0).Max());
    }

    // About five gridlines at 1, 2 or 5 × 10ⁿ: the chart's fixed default of 20 leaves a 6-core tenant one gridline.
    private static int TickSpacing(double max)
    {
        var raw = Math.Max(1, max / 5);
        var magnitude = Math.Pow(10, Math.Floor(Math.Log10(raw)));
        var step = new[] { 1d, 2, 5, 10 }.First(f => f * magnitude >= raw) * magnitude;
        return (int)Math.Min(int.MaxValue, Math.Max(1, step));
    }

    private double Value(UsagePoint point) => _metric switch
    {
        UsageMetric.Memory => point.MemoryBytes / BytesPerGib,
        UsageMetric.Clusters => point.Clusters,
        _ => point.CpuCores,
    };

    // About eight labels whatever the range: one per point would overprint at 168 hourly points.
    private static string[] Labels(List<DateTimeOffset> starts, UsageResolution resolution)
    {
        var every = Math.Max(1, (int)Math.Ceiling(starts.Count / 8d));
        var format = resolution is UsageResolution.Day || starts.Count > 48 ? "MMM d" : "HH:mm";
        return [.. starts.Select((at, i) => i % every == 0 ? at.UtcDateTime.ToString(format, Culture) : string.Empty)];
    }

    private static string MetricName(UsageMetric metric) => metric switch
    {
        UsageMetric.Memory => "Memory (GiB)",
        UsageMetric.Clusters => "Clusters",
        _ => "CPU cores",
    };

    private static string IntervalText(TimeSpan interval) => interval.TotalMinutes switch
    {
        1 => "minute",
        < 60 => $"{interval.TotalMinutes:0.#} minutes",
        60 => "hour",
        _ => $"{interval.TotalHours:0.#} hours",
    };

    public void Dispose()
    {
        _disposed.Cancel();
        _disposed.Dispose();
    }
}
