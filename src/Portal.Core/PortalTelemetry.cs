using System.Diagnostics;
using System.Diagnostics.Metrics;

namespace Portal.Core;

/// <summary>
/// The portal's own traces and metrics: one <see cref="ActivitySource"/> and one <see cref="Meter"/>, both named
/// <see cref="Name"/>, which the host's OpenTelemetry set-up subscribes to. Instruments whose value is a fact of the
/// moment (clusters by phase, queue depth) are observable and live with what they observe; counters and histograms
/// that code adds to are here, so every part of the portal records into the same names.
/// </summary>
/// <remarks>
/// Labels are bounded and never personal: a tenant's slug, a phase, a kind, an outcome, a refusal code. Never a
/// subject, an e-mail, a token or a cluster id (unbounded series); a test scrapes the endpoint and checks.
/// </remarks>
public static class PortalTelemetry
{
    /// <summary>Name of the portal's ActivitySource and Meter.</summary>
    public const string Name = "SparkPortal";

    /// <summary>Spans of the portal's own work (a reconcile pass); HTTP, database and Kubernetes calls are instrumented by their libraries.</summary>
    public static readonly ActivitySource ActivitySource = new(Name);

    /// <summary>The portal's meter; observable instruments elsewhere are created on a meter of the same name.</summary>
    public static readonly Meter Meter = new(Name);

    /// <summary>Label: the tenant's slug.</summary>
    public const string TenantTag = "tenant";

    /// <summary>Label: a cluster phase.</summary>
    public const string PhaseTag = "phase";

    /// <summary>Label: what a reconcile pass or queue is for (cluster, tenant).</summary>
    public const string KindTag = "kind";

    /// <summary>Label: how a reconcile pass ended (done, requeued, failed).</summary>
    public const string OutcomeTag = "outcome";

    /// <summary>Label: what the queue handed a reconcile pass over for (whole, or a periodic look).</summary>
    public const string PassTag = "pass";

    /// <summary>Label: a refusal's machine-readable code (quota.cpu, quota.clusters, …).</summary>
    public const string ReasonTag = "reason";

    /// <summary>Reconcile passes, by kind, pass and outcome.</summary>
    public static readonly Counter<long> ReconcilePasses = Meter.CreateCounter<long>(
        "portal.reconcile.passes", "{pass}", "Reconcile passes, by kind (cluster, tenant), pass (whole, look) and outcome (done, requeued, failed).");

    /// <summary>Reconcile passes that threw and were backed off, by kind.</summary>
    public static readonly Counter<long> ReconcileErrors = Meter.CreateCounter<long>(
        "portal.reconcile.errors", "{error}", "Reconcile passes that failed and were retried with backoff, by kind.");

    /// <summary>How long reconcile passes take, by kind and pass.</summary>
    public static readonly Histogram<double> ReconcileDuration = Meter.CreateHistogram<double>(
        "portal.reconcile.duration", "s", "Duration of reconcile passes, by kind and pass (whole, look).");

    /// <summary>From a cluster's request to its first Running, by tenant.</summary>
    public static readonly Histogram<double> TimeToRunning = Meter.CreateHistogram<double>(
        "portal.cluster.time_to_running", "s", "Time from a cluster's request (Requested) to its first Running, by tenant.",
        advice: new InstrumentAdvice<double> { HistogramBucketBoundaries = [5, 10, 20, 30, 60, 90, 120, 180, 300, 600, 1200] });

    /// <summary>Cluster requests (create or scale) refused by the tenant's quota, by tenant and reason.</summary>
    public static readonly Counter<long> AdmissionRefusals = Meter.CreateCounter<long>(
        "portal.admission.refusals", "{refusal}", "Cluster creates and scales refused by the tenant's quota, by tenant and reason (quota.cpu, quota.memory, quota.pods, quota.clusters, quota.ephemeralStorage).");

    /// <summary>Spark Connect sessions opened through the gateway (first call of a session id on a replica), by tenant.</summary>
    public static readonly Counter<long> GatewaySessions = Meter.CreateCounter<long>(
        "portal.gateway.sessions", "{session}", "New Spark Connect sessions through the portal's gateway, by tenant.");

    /// <summary>Spark Connect calls the gateway refused, by gRPC status (the outcome label); never by tenant, which a refused caller may have made up.</summary>
    public static readonly Counter<long> GatewayRefusals = Meter.CreateCounter<long>(
        "portal.gateway.refusals", "{call}", "Spark Connect calls the gateway refused, by gRPC status as outcome (unauthenticated, permission_denied, not_found, …).");
}
