using k8s;
using Portal.Provisioning.Kubernetes;
using Portal.Provisioning.Manifests;
using Portal.Provisioning.Reconciler;
using Portal.Provisioning.Spark;

namespace Portal.Web.Features.Clusters;

/// <summary>A cluster as its detail page shows it.</summary>
/// <param name="Access">The tenant and the caller's role in it.</param>
/// <param name="Cluster">The row.</param>
/// <param name="History">Its phase history, oldest first.</param>
/// <param name="CanChange">
/// Whether the caller may scale, extend or delete it: tenant admins, and members for their own clusters (the rule
/// <see cref="ClusterService"/> enforces); never viewers.
/// </param>
internal sealed record ClusterDetails(TenantAccess Access, Cluster Cluster, IReadOnlyList<ClusterEvent> History, bool CanChange);

/// <summary>One pod of a cluster, as Kubernetes reports it.</summary>
public sealed record PodView(string Name, string Component, string Phase, bool Ready, int Restarts, string? Reason);

/// <summary>One Spark application of a cluster, as its master lists it (running ones and those that ended).</summary>
/// <param name="Id">app-&lt;timestamp&gt;-&lt;number&gt;, the id the history server knows it by too.</param>
/// <param name="Name">spark.app.name.</param>
/// <param name="State">The master's word: WAITING, RUNNING, FINISHED, FAILED, KILLED.</param>
/// <param name="StartedAt">When it registered with the master.</param>
/// <param name="Duration">How long it ran, or has run so far.</param>
internal sealed record ApplicationView(string Id, string Name, string State, DateTimeOffset? StartedAt, TimeSpan Duration);

/// <summary>Where a cluster's Spark applications log their events, and whether the tenant's history server shows them.</summary>
/// <param name="Directory">The cluster's spark.eventLog.dir.</param>
/// <param name="Server">The tenant's history server, when one is started.</param>
/// <param name="Reads">Whether that server reads the directory this cluster writes.</param>
internal sealed record EventLogView(string Directory, HistoryServer? Server, bool Reads)
{
    /// <summary>Whether the cluster's applications can be opened in the history server now.</summary>
    public bool Opens => Reads && Server is { Phase: HistoryServerPhase.Running };
}

/// <summary>One Kubernetes event about an object of a cluster.</summary>
internal sealed record KubeEventView(DateTimeOffset? At, string Type, string Reason, string Object, string Message, int Count);

/// <summary>
/// What the cluster detail page reads beyond <see cref="ClusterService"/>: phase history, pods, Kubernetes events,
/// the master's applications and where its event logs go. Every read starts with <see cref="ClusterService"/>'s GetAsync (by name or by id), so a cluster the caller
/// can't see is "not found" here exactly as in the API.
/// </summary>
internal sealed class ClusterInsight(
    ClusterService clusters,
    TenantService tenants,
    IDbContextFactory<PortalDb> contexts,
    KubernetesConnection kubernetes,
    SparkEndpoint spark,
    Caller caller)
{
    /// <summary>Most Kubernetes events shown; older ones add nothing a user acts on.</summary>
    public const int MaxEvents = 50;

    /// <summary>Which Kubernetes the portal talks to; shown to platform admins.</summary>
    public KubernetesMode Mode => kubernetes.Mode;

    public async Task<Outcome<ClusterDetails>> GetAsync(string tenant, string name, CancellationToken ct) =>
        await DetailsAsync(tenant, await clusters.GetAsync(tenant, name, ct), ct);

    /// <summary>The cluster with <paramref name="id"/>: a Deleted one whose name a newer cluster took is reached only so.</summary>
    public async Task<Outcome<ClusterDetails>> GetAsync(string tenant, Guid id, CancellationToken ct) =>
        await DetailsAsync(tenant, await clusters.GetAsync(tenant, id, ct), ct);

    private async Task<Outcome<ClusterDetails>> DetailsAsync(string tenant, Outcome<Cluster> cluster, CancellationToken ct)
    {
        if (cluster.Failure is { } failure)
            return failure;
        var access = await tenants.GetAsync(tenant, ct);
        if (access.Failure is { } gone)
            return gone;

        await using var db = await contexts.CreateDbContextAsync(ct);
        var history = await db.ClusterEvents.AsNoTracking()
            .Where(e => e.ClusterId == cluster.Value!.Id)
            .OrderBy(e => e.Id)
            .ToListAsync(ct);
        var role = access.Value!.Role;
        var canChange = role is TenantRole.Admin || (role is TenantRole.Member && cluster.Value!.Owner == caller.Subject);
        return new ClusterDetails(access.Value!, cluster.Value!, history, canChange);
    }

    /// <summary>The cluster's pods, by name.</summary>
    public async Task<IReadOnlyList<PodView>> PodsAsync(ClusterDetails details, CancellationToken ct)
    {
        var pods = await kubernetes.Client.CoreV1.ListNamespacedPodAsync(
            details.Access.Tenant.Namespace, labelSelector: Labels.SelectorFor(details.Cluster.Id), cancellationToken: ct);
        return [.. pods.Items
            .OrderBy(p => p.Metadata.Name, StringComparer.Ordinal)
            .Select(p =>
            {
                var statuses = p.Status?.ContainerStatuses ?? [];
                var waiting = statuses.Select(s => s.State?.Waiting?.Reason ?? s.State?.Terminated?.Reason).FirstOrDefault(r => r is not null);
                return new PodView(
                    p.Metadata.Name,
                    p.Metadata.Labels?.TryGetValue(Labels.Component, out var component) == true ? component : "",
                    p.Status?.Phase ?? "Unknown",
                    p.Status?.Conditions?.Any(c => c.Type == "Ready" && c.Status == "True") == true,
                    statuses.Sum(s => s.RestartCount),
                    waiting ?? p.Status?.Reason);
            })];
    }

    /// <summary>The newest Kubernetes events about the cluster's objects (<see cref="ClusterObjectEvents"/>), newest first.</summary>
    public async Task<IReadOnlyList<KubeEventView>> EventsAsync(ClusterDetails details, CancellationToken ct)
    {
        var ns = details.Access.Tenant.Namespace;
        var selector = Labels.SelectorFor(details.Cluster.Id);
        var deployments = await kubernetes.Client.AppsV1.ListNamespacedDeploymentAsync(ns, labelSelector: selector, cancellationToken: ct);
        var pods = await kubernetes.Client.CoreV1.ListNamespacedPodAsync(ns, labelSelector: selector, cancellationToken: ct);
        var events = await kubernetes.Client.CoreV1.ListNamespacedEventAsync(ns, cancellationToken: ct);
        return [.. ClusterObjectEvents.About(events.Items, deployments.Items, pods.Items)
            .Select(e => new KubeEventView(
                e.LastTimestamp ?? e.EventTime ?? e.Metadata.CreationTimestamp,
                e.Type ?? "Normal",
                e.Reason ?? "",
                $"{e.InvolvedObject.Kind}/{e.InvolvedObject.Name}",
                e.Message ?? "",
                e.Count ?? 1))
            .OrderByDescending(e => e.At)
            .Take(MaxEvents)];
    }

    /// <summary>
    /// The applications the cluster's master lists, newest first; none while the cluster is not Running or its master
    /// does not answer (the page shows what it can, and the next reload asks again).
    /// </summary>
    public async Task<IReadOnlyList<ApplicationView>> ApplicationsAsync(ClusterDetails details, CancellationToken ct)
    {
        if (details.Cluster.Status.Phase is not ClusterPhase.Running)
            return [];
        var master = await spark.GetJsonAsync<SparkMasterState>(details.Access.Tenant.Namespace,
            ClusterManifests.MasterName(details.Cluster), ClusterManifests.MasterUiPort, "json/", ct);
        if (master is null)
            return [];
        return [.. master.ActiveApps.Concat(master.CompletedApps)
            .Where(a => a.Id is not null)
            .OrderByDescending(a => a.StartTime)
            .Select(a => new ApplicationView(a.Id!, a.Name ?? "", a.State ?? "UNKNOWN",
                a.StartTime > 0 ? DateTimeOffset.FromUnixTimeMilliseconds(a.StartTime) : null,
                TimeSpan.FromMilliseconds(Math.Max(0, a.Duration))))];
    }

    /// <summary>
    /// Where the cluster writes event logs and whether the tenant's history server (the caller may read it: they see
    /// the cluster) reads that very place; null for a cluster that keeps none.
    /// </summary>
    public async Task<EventLogView?> EventLogAsync(ClusterDetails details, CancellationToken ct)
    {
        var spec = details.Cluster.Spec;
        if (spec.EventLog is not { } eventLog)
            return null;
        await using var db = await contexts.CreateDbContextAsync(ct);
        var server = await db.HistoryServers.AsNoTracking().SingleOrDefaultAsync(h => h.TenantId == details.Access.Tenant.Id, ct);
        return new EventLogView(StoragePaths.EventLogDirectory(eventLog, spec.Volumes), server, server?.Source == eventLog);
    }
}
