using Portal.Web.Features.Gateway;

namespace Portal.Web.Features.Clusters;

/// <summary>A cluster as the API shows it.</summary>
/// <param name="Id">The cluster's for good, also once it is Deleted and a newer cluster has its name: GET …/clusters/by-id/{id}.</param>
/// <param name="Name">Name, unique among the tenant's clusters that are not Deleted.</param>
/// <param name="Tenant">Slug of the owning tenant.</param>
/// <param name="Owner">Subject of the user who asked for it.</param>
/// <param name="Spec">What was asked for, defaults filled in.</param>
/// <param name="Status">What the reconciler last observed; phase Requested until it has.</param>
/// <param name="Generation">Bumped whenever the spec changes; compare with status.observedGeneration.</param>
/// <param name="Version">Concurrency version; the ETag is this number in quotes.</param>
/// <param name="CreatedAt">When it was asked for.</param>
/// <param name="ExpiresAt">When its time-to-live runs out and it is deleted.</param>
/// <param name="DeletionRequestedAt">When deletion was asked for, if it was.</param>
/// <param name="Connect">How a notebook reaches its Spark Connect server through the portal's gateway; null without Connect.</param>
/// <param name="SparkUiUrl">The Spark master's UI through the portal (sign-in required), with the workers' and applications' UIs linked from it.</param>
internal sealed record ClusterView(
    Guid Id,
    string Name,
    string Tenant,
    string Owner,
    ClusterSpec Spec,
    ClusterStatus Status,
    long Generation,
    long Version,
    DateTimeOffset CreatedAt,
    DateTimeOffset ExpiresAt,
    DateTimeOffset? DeletionRequestedAt,
    ConnectView? Connect,
    string SparkUiUrl)
{
    public static ClusterView From(Cluster cluster, string tenant, GatewayLinks links, HttpRequest request)
    {
        var portal = new Uri($"{request.Scheme}://{request.Host}{request.PathBase}/");
        return new(cluster.Id, cluster.Name, tenant, cluster.Owner, cluster.Spec, cluster.Status, cluster.Generation, cluster.Version,
            cluster.CreatedAt, cluster.ExpiresAt, cluster.DeletionRequestedAt,
            links.Connect(cluster, tenant, portal), GatewayLinks.SparkUiUrl(portal, tenant, cluster.Name));
    }
}

/// <summary>One page of a tenant's clusters, ordered by name.</summary>
/// <param name="Items">Clusters on this page.</param>
/// <param name="Page">1-based page number.</param>
/// <param name="PageSize">Clusters per page.</param>
/// <param name="TotalCount">Clusters matching the filter on all pages; there is a next page while page * pageSize &lt; totalCount.</param>
internal sealed record ClusterPageView(IReadOnlyList<ClusterView> Items, int Page, int PageSize, int TotalCount);
