namespace Portal.Web.Features.Clusters;

public partial class ClusterList
{
    [LoggerMessage(LogLevel.Error, "Failed to load clusters of tenant {Tenant}")]
    private static partial void LoadFailed(ILogger logger, Exception exception, string? tenant);
}
