namespace Portal.Web.Features.Clusters;

/// <summary>Reads for pages that show every cluster of a tenant, through <see cref="ClusterService"/>'s paging.</summary>
internal static class ClusterDirectory
{
    /// <summary>
    /// Every cluster of <paramref name="tenant"/>, page by page at the service's largest page size, so the page can
    /// filter and sort in memory without a round trip per keystroke.
    /// </summary>
    public static async Task<Outcome<IReadOnlyList<Cluster>>> ListAllAsync(
        this ClusterService clusters, string tenant, CancellationToken ct)
    {
        var all = new List<Cluster>();
        for (var page = 1; ; page++)
        {
            var result = await clusters.ListAsync(tenant, new ClusterQuery(page, ClusterQuery.MaxPageSize), ct);
            if (result.Failure is { } failure)
                return failure;
            all.AddRange(result.Value!.Items);
            if (all.Count >= result.Value.TotalCount || result.Value.Items.Count == 0)
                return all;
        }
    }
}
