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
    DateTimeOffset? DeletionRequestedAt,
    ConnectDto? Connect = null,
    string? SparkUiUrl = null,
    Guid Id = default);

/// <summary>How a notebook reaches the cluster's Spark Connect server through the gateway.</summary>
public sealed record ConnectDto(string Url, string Host, int Port, bool UseSsl, string Header, string Route, string PysparkVersion, string? InClusterUrl, bool Ready);

/// <summary>A page of clusters as a client reads it.</summary>
public sealed record ClusterPageDto(List<ClusterDto> Items, int Page, int PageSize, int TotalCount);
