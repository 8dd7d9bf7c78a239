using k8s.LeaderElection;
using k8s.LeaderElection.ResourceLock;

namespace Portal.Provisioning.Reconciler;

/// <summary>
/// Leader election between replicas with a coordination.k8s.io Lease in the portal's namespace. While this replica
/// holds the Lease it runs one term of work; the term is cancelled the moment the Lease is lost, and each term's
/// work stops before the next one starts, so two replicas (or two terms) never do the same work.
/// </summary>
internal sealed partial class ProvisioningLease(IKubernetes client, KubernetesOptions options, string identity, TimeProvider time, ILogger logger)
{
    public string Identity => identity;

    volatile bool _isLeader;

    /// <summary>Whether this replica currently holds the Lease.</summary>
    public bool IsLeader => _isLeader;

    /// <summary>Runs for the Lease until <paramref name="stoppingToken"/> ends, calling <paramref name="lead"/> for each term won.</summary>
    public async Task RunAsync(Func<CancellationToken, Task> lead, CancellationToken stoppingToken)
    {
        while (!stoppingToken.IsCancellationRequested)
        {
            try
            {
                await ElectAsync(lead, stoppingToken).ConfigureAwait(false);
            }
            catch (OperationCanceledException) when (stoppingToken.IsCancellationRequested)
            {
                return;
            }
            catch (Exception ex)
            {
                // The client's elector only absorbs HTTP error statuses; an unreachable API server ends it with an
                // exception. The portal keeps serving and runs for the Lease again.
                LeaseError(logger, ex);
            }

            await Quietly.DelayAsync(TimeSpan.FromSeconds(options.LeaseDurationSeconds) / 5, time, stoppingToken).ConfigureAwait(false);
        }
    }

    async Task ElectAsync(Func<CancellationToken, Task> lead, CancellationToken stoppingToken)
    {
        var duration = TimeSpan.FromSeconds(options.LeaseDurationSeconds);
        var leaseLock = new LeaseLock(client, options.PortalNamespace, options.LeaseName, identity);
        using var elector = new LeaderElector(new LeaderElectionConfig(leaseLock)
        {
            LeaseDuration = duration,
            RenewDeadline = duration * 2 / 3,
            RetryPeriod = duration / 5,
        });

        CancellationTokenSource? leading = null;
        var work = Task.CompletedTask;
        elector.OnStartedLeading += () =>
        {
            var previousTerm = leading;
            leading = CancellationTokenSource.CreateLinkedTokenSource(stoppingToken);
            var term = leading.Token;
            var previous = work;
            _isLeader = true;
            StartedLeading(logger, identity);
            work = Task.Run(async () =>
            {
                await previous.ConfigureAwait(ConfigureAwaitOptions.SuppressThrowing);
                previousTerm?.Dispose();
                await lead(term).ConfigureAwait(false);
            }, CancellationToken.None);
        };
        elector.OnStoppedLeading += () =>
        {
            // Stop at once: another replica may already hold the Lease.
            _isLeader = false;
            leading?.Cancel();
            StoppedLeading(logger, identity);
        };
        elector.OnError += ex => LeaseError(logger, ex);

        try
        {
            await elector.RunAndTryToHoldLeadershipForeverAsync(stoppingToken).ConfigureAwait(false);
        }
        finally
        {
            // Whatever ended the election, this replica can no longer be sure it holds the Lease.
            _isLeader = false;
            leading?.Cancel();
            await work.ConfigureAwait(ConfigureAwaitOptions.SuppressThrowing);
            leading?.Dispose();
        }
    }

    [LoggerMessage(LogLevel.Information, "Started leading provisioning as {Identity}")]
    static partial void StartedLeading(ILogger logger, string identity);

    [LoggerMessage(LogLevel.Warning, "Stopped leading provisioning as {Identity}")]
    static partial void StoppedLeading(ILogger logger, string identity);

    [LoggerMessage(LogLevel.Warning, "Failed to renew or acquire the provisioning Lease")]
    static partial void LeaseError(ILogger logger, Exception ex);
}
