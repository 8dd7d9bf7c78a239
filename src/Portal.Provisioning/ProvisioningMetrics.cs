using System.Diagnostics.Metrics;
using Portal.Core;

namespace Portal.Provisioning;

/// <summary>
/// The observable half of the portal's metrics, read when a reader collects (a Prometheus scrape, an OTLP export):
/// clusters by tenant and phase, counted in the database every replica shares, and the depth of this replica's
/// reconcile queues (zero on a replica that doesn't lead). The meter comes from the host's
/// <see cref="IMeterFactory"/> under <see cref="PortalTelemetry.Name"/>, so it ends with the host, not the process.
/// </summary>
public sealed partial class ProvisioningMetrics
{
    static readonly ClusterPhase[] LivePhases = [.. Enum.GetValues<ClusterPhase>().Where(p => p != ClusterPhase.Deleted)];

    readonly IDbContextFactory<PortalDb> _dbs;
    readonly ProvisioningQueues _queues;
    readonly ILogger<ProvisioningMetrics> _logger;

    /// <summary>Creates the instruments on a meter from <paramref name="meters"/>.</summary>
    public ProvisioningMetrics(IMeterFactory meters, IDbContextFactory<PortalDb> dbs, ProvisioningQueues queues, ILogger<ProvisioningMetrics> logger)
    {
        ArgumentNullException.ThrowIfNull(meters);
        _dbs = dbs;
        _queues = queues;
        _logger = logger;
        var meter = meters.Create(PortalTelemetry.Name);
        meter.CreateObservableGauge("portal.clusters", ObserveClusters, "{cluster}",
            "Clusters not yet Deleted, by tenant and phase (every replica reports the same database: aggregate with max, not sum).");
        meter.CreateObservableGauge("portal.reconcile.queue_depth", ObserveQueues, "{item}",
            "Keys waiting in this replica's reconcile queues, by kind (cluster, tenant); only the leader's queues fill.");
    }

    IEnumerable<Measurement<int>> ObserveQueues() =>
    [
        new(_queues.Clusters.Count, new KeyValuePair<string, object?>(PortalTelemetry.KindTag, "cluster")),
        new(_queues.Tenants.Count, new KeyValuePair<string, object?>(PortalTelemetry.KindTag, "tenant")),
    ];

    /// <summary>
    /// Every tenant with every live phase, zeros included, so a series drops to 0 rather than vanishing. Collection
    /// is synchronous; one grouped query per collect. A database that doesn't answer gives no measurements (and a
    /// warning), never a failed scrape.
    /// </summary>
    IEnumerable<Measurement<int>> ObserveClusters()
    {
        try
        {
            using var db = _dbs.CreateDbContext();
            var tenants = db.Tenants.AsNoTracking().Select(t => new { t.Id, t.Slug }).ToList();
            var counts = db.Clusters.AsNoTracking()
                .Where(c => c.Status.Phase != ClusterPhase.Deleted)
                .GroupBy(c => new { c.TenantId, c.Status.Phase })
                .Select(g => new { g.Key.TenantId, g.Key.Phase, Count = g.Count() })
                .ToList()
                .ToDictionary(r => (r.TenantId, r.Phase), r => r.Count);
            return
            [
                .. from t in tenants
                   from phase in LivePhases
                   select new Measurement<int>(counts.GetValueOrDefault((t.Id, phase)),
                       new KeyValuePair<string, object?>(PortalTelemetry.TenantTag, t.Slug),
                       new KeyValuePair<string, object?>(PortalTelemetry.PhaseTag, phase.ToString())),
            ];
        }
        catch (Exception ex)
        {
            CensusFailed(_logger, ex);
            return [];
        }
    }

    [LoggerMessage(LogLevel.Warning, "Could not count clusters for the portal.clusters metric")]
    static partial void CensusFailed(ILogger logger, Exception ex);
}
