namespace Portal.Web.Features.Home;

public partial class Home
{
    [LoggerMessage(LogLevel.Error, "Failed to load the home page's clusters")]
    private static partial void LoadFailed(ILogger logger, Exception exception);
}
