namespace Portal.Web.Features.Api;

/// <summary>
/// Strong entity tags made from a row's Version, and the If-Match header that sends one back. A write with a stale
/// If-Match gets 412 instead of overwriting a change the client never saw.
/// </summary>
internal static class ETags
{
    public static string For(long version) => $"\"{version}\"";

    /// <summary>
    /// The version an If-Match header asks for: null when absent or "*" (any current version will do); false when it
    /// can't match any version (a weak or foreign tag: If-Match uses strong comparison), which is a 412.
    /// </summary>
    public static bool TryParseIfMatch(string? ifMatch, out long? version)
    {
        version = null;
        if (string.IsNullOrWhiteSpace(ifMatch) || ifMatch.Trim() == "*")
            return true;

        var tag = ifMatch.Trim();
        if (tag.Length > 2 && tag[0] == '"' && tag[^1] == '"' && long.TryParse(tag.AsSpan(1, tag.Length - 2), out var parsed))
        {
            version = parsed;
            return true;
        }

        return false;
    }

    public static Microsoft.AspNetCore.Http.HttpResults.ProblemHttpResult Unmatchable(string? ifMatch) =>
        TypedResults.Problem(
            statusCode: StatusCodes.Status412PreconditionFailed,
            title: "The If-Match header matches no version.",
            detail: $"If-Match '{ifMatch}' is not an entity tag this API issued; send the ETag from a GET.");
}
