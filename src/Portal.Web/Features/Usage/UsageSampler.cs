namespace Portal.Web.Features.Usage;

/// <summary>
/// Runs <see cref="UsageRecorder"/> once at start and then every <see cref="UsageOptions.SampleInterval"/>, pruning
/// samples past the retention each time. Every replica runs it; the recorder makes that harmless.
/// </summary>
internal sealed partial class UsageSampler(
    UsageRecorder recorder,
    IOptions<UsageOptions> options,
    TimeProvider time,
    ILogger<UsageSampler> logger) : BackgroundService
{
    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        if (!options.Value.Sample)
            return;

        using var timer = new PeriodicTimer(options.Value.SampleInterval, time);
        do
        {
            try
            {
                await recorder.RecordAsync(stoppingToken);
                await recorder.PruneAsync(stoppingToken);
            }
            catch (OperationCanceledException) when (stoppingToken.IsCancellationRequested)
            {
                return;
            }
            catch (Exception exception)
            {
                // A database outage costs the interval's samples, not the portal: a failing BackgroundService
                // stops the host. The next tick tries again.
                LogFailed(logger, exception);
            }
        }
        while (await WaitAsync(timer, stoppingToken));
    }

    static async Task<bool> WaitAsync(PeriodicTimer timer, CancellationToken ct)
    {
        try
        {
            return await timer.WaitForNextTickAsync(ct);
        }
        catch (OperationCanceledException)
        {
            return false;
        }
    }

    [LoggerMessage(LogLevel.Warning, "Failed to record usage samples; retrying next interval")]
    static partial void LogFailed(ILogger logger, Exception exception);
}
