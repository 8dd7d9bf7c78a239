using Portal.Core.Clusters;

namespace Portal.Web.Tests.Clusters;

/// <summary>The API's cluster JSON as a client reads it; deliberately not the server's own view type.</summary>
public sealed record ClusterDto(
    string Name,
    string Tenant,
    string Owner,
    ClusterSpec Spec,
    ClusterStatus Status,
    long Generation,
    long Version,
    DateTimeOffset CreatedAt,
    DateTimeOffset ExpiresAt,
    DateTimeOffset? DeletionRequestedAt);

/// <summary>A page of clusters as a client reads it.</summary>
public sealed record ClusterPageDto(List<ClusterDto> Items, int Page, int PageSize, int TotalCount);
