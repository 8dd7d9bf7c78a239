namespace Portal.Web.Features.Storage;

/// <summary>
/// How the storage dialogs show a service's refusal: problems with a field beside that field (a taken name beside
/// the name), anything else once, above the buttons.
/// </summary>
internal static class Refusals
{
    public static (Dictionary<string, string[]> Fields, string? Message) Split(Failure failure)
    {
        ArgumentNullException.ThrowIfNull(failure);
        return failure switch
        {
            { Kind: FailureKind.Invalid, Errors: { } errors } => (new Dictionary<string, string[]>(errors), null),
            { Code: "name.taken" } => (new Dictionary<string, string[]> { ["name"] = [failure.Detail ?? failure.Title] }, null),
            _ => ([], failure.Detail ?? failure.Title),
        };
    }
}
