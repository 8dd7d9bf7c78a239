using k8s;
using Microsoft.EntityFrameworkCore;
using Portal.Core.Clusters;
using Portal.Core.Data;
using Portal.Core.Tenants;
using Portal.Provisioning.Kubernetes;
using Portal.Provisioning.Manifests;
using Portal.Provisioning.Reconciler;

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

/// <summary>One Kubernetes event about an object of a cluster.</summary>
internal sealed record KubeEventView(DateTimeOffset? At, string Type, string Reason, string Object, string Message, int Count);

/// <summary>
/// What the cluster detail page reads beyond <see cref="ClusterService"/>: phase history, pods and Kubernetes events,
/// and the lifetime extension. Every read starts with <see cref="ClusterService"/>'s GetAsync (by name or by id), so a cluster the caller
/// can't see is "not found" here exactly as in the API.
/// </summary>
internal sealed class ClusterInsight(
    ClusterService clusters,
    TenantService tenants,
    IDbContextFactory<PortalDb> contexts,
    KubernetesConnection kubernetes,
    ClusterLifetime lifetime,
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

    /// <summary>The newest Kubernetes events about the cluster's objects (named after it), newest first.</summary>
    public async Task<IReadOnlyList<KubeEventView>> EventsAsync(ClusterDetails details, CancellationToken ct)
    {
        // Events carry no labels; the cluster's objects are all named "<cluster>" or "<cluster>-…".
        var name = details.Cluster.Name;
        var events = await kubernetes.Client.CoreV1.ListNamespacedEventAsync(details.Access.Tenant.Namespace, cancellationToken: ct);
        return [.. events.Items
            .Where(e => e.InvolvedObject?.Name is { } n && (n == name || n.StartsWith(name + "-", StringComparison.Ordinal)))
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
    /// Extends the cluster's time-to-live by <paramref name="by"/>. <see cref="ClusterLifetime"/> leaves authorisation
    /// to its caller, so the membership and role are checked here first, as for scale and delete.
    /// </summary>
    public async Task<Outcome<LifetimeChange>> ExtendAsync(string tenant, string name, TimeSpan by, CancellationToken ct)
    {
        var details = await GetAsync(tenant, name, ct);
        if (details.Failure is { } failure)
            return failure;
        if (details.Value!.Access.Role is not >= TenantRole.Member)
            return new Failure(FailureKind.Forbidden, "Viewers may not change clusters.", $"Your role in tenant '{tenant}' is Viewer.");
        if (details.Value.Access.Role is TenantRole.Member && details.Value.Cluster.Owner != caller.Subject)
            return new Failure(FailureKind.Forbidden, "Members may change only their own clusters.",
                $"Cluster '{name}' belongs to another member of tenant '{tenant}'; ask its owner or a tenant admin.");

        var change = await lifetime.ExtendAsync(details.Value.Cluster.Id, by, caller.Subject, ct);
        return change.Refusal switch
        {
            null => change,
            // Keyed by the API's field, so the REST answer names it; the detail is what the page shows.
            ExtensionRefusal.BeyondMaximum => new Failure(FailureKind.Invalid, "Beyond the tenant's maximum lifetime.",
                $"The tenant allows clusters to live until {change.Latest:u} at the latest.",
                new Dictionary<string, string[]> { ["by"] = [$"Too long: the tenant allows clusters to live until {change.Latest:u} at the latest."] }),
            ExtensionRefusal.Ending => new Failure(FailureKind.Conflict, "The cluster is being deleted."),
            _ => new Failure(FailureKind.Invalid, "The extension must be positive.", "The extension must be positive.",
                new Dictionary<string, string[]> { ["by"] = ["Must be positive."] }),
        };
    }
}
