using System.Diagnostics;
using Portal.Core;

namespace Portal.Provisioning.WorkQueue;

/// <summary>
/// Workers that take keys from a <see cref="WorkQueue{TKey}"/> and reconcile them: a result's RequeueAfter queues
/// the key again later, an exception backs it off, and success resets its backoff. A key taken for a look only goes
/// to <paramref name="look"/> when there is one.
/// </summary>
public sealed partial class ReconcileLoop<TKey>(
    string name,
    WorkQueue<TKey> queue,
    Func<TKey, CancellationToken, Task<ReconcileResult>> reconcile,
    ILogger logger,
    Func<TKey, CancellationToken, Task<ReconcileResult>>? look = null)
    where TKey : notnull
{
    /// <summary>Runs <paramref name="workers"/> workers until <paramref name="ct"/> is cancelled.</summary>
    public Task RunAsync(int workers, CancellationToken ct) =>
        Task.WhenAll(Enumerable.Range(0, workers).Select(_ => Task.Run(() => WorkAsync(ct), CancellationToken.None)));

    /// <summary>Takes one key and reconciles it; false when <paramref name="ct"/> ended the wait.</summary>
    public async Task<bool> ProcessNextAsync(CancellationToken ct)
    {
        TKey key;
        bool lookOnly;
        try
        {
            (key, lookOnly) = await queue.TakeNextAsync(ct).ConfigureAwait(false);
        }
        catch (OperationCanceledException)
        {
            return false;
        }

        // One span per pass, a root of its own: the reconcilers add the tenant and cluster once they have read them.
        using var activity = PortalTelemetry.ActivitySource.StartActivity($"reconcile {name}", ActivityKind.Internal, parentContext: default);
        activity?.SetTag($"portal.{name}.id", key.ToString());
        var (pass, passName) = lookOnly && look is not null ? (look, "look") : (reconcile, "whole");
        var passTag = new KeyValuePair<string, object?>(PortalTelemetry.PassTag, passName);
        activity?.SetTag("portal.pass", passName);
        var started = Stopwatch.GetTimestamp();
        var outcome = "done";
        try
        {
            var result = await pass(key, ct).ConfigureAwait(false);
            queue.Forget(key);
            if (result.RequeueAfter is { } delay)
            {
                outcome = "requeued";
                if (result.LookOnly)
                {
                    queue.LookAfter(key, delay);
                }
                else
                {
                    queue.AddAfter(key, delay);
                }
            }
        }
        catch (OperationCanceledException) when (ct.IsCancellationRequested)
        {
            // Shutting down; the next leader (or start) picks the key up from its resync.
            outcome = "cancelled";
        }
        catch (Exception ex)
        {
            outcome = "failed";
            activity?.SetStatus(ActivityStatusCode.Error, ex.Message);
            PortalTelemetry.ReconcileErrors.Add(1, new KeyValuePair<string, object?>(PortalTelemetry.KindTag, name));
            var delay = queue.AddRateLimited(key);
            ReconcileFailed(logger, ex, name, key.ToString() ?? "", queue.Failures(key), delay.TotalSeconds);
        }
        finally
        {
            queue.Done(key);
            var kind = new KeyValuePair<string, object?>(PortalTelemetry.KindTag, name);
            PortalTelemetry.ReconcilePasses.Add(1, kind, passTag, new KeyValuePair<string, object?>(PortalTelemetry.OutcomeTag, outcome));
            PortalTelemetry.ReconcileDuration.Record(Stopwatch.GetElapsedTime(started).TotalSeconds, kind, passTag);
        }

        return true;
    }

    async Task WorkAsync(CancellationToken ct)
    {
        while (await ProcessNextAsync(ct).ConfigureAwait(false))
        {
        }
    }

    [LoggerMessage(LogLevel.Warning, "Reconcile of {Kind} {Key} failed {Failures} time(s) in a row; retrying in {DelaySeconds:F1} s")]
    static partial void ReconcileFailed(ILogger logger, Exception ex, string kind, string key, int failures, double delaySeconds);
}
