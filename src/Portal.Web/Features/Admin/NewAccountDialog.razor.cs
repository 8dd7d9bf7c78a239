namespace Portal.Web.Features.Admin;

/// <summary>Asks for a new built-in account and creates it through <see cref="Portal.Core.Identity.Accounts"/>, as POST /api/v1/accounts does.</summary>
public sealed partial class NewAccountDialog
{
    [LoggerMessage(LogLevel.Error, "Failed to create a built-in account")]
    private static partial void CreateFailed(ILogger logger, Exception exception);
}
