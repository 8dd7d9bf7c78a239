namespace Portal.Web.Features.Identity;

/// <summary>GET /api/v1/users: the known-users directory, for the "add member" picker of tenant administrators.</summary>
internal static class UserDirectoryEndpoints
{
    /// <summary>Most users one answer lists.</summary>
    public const int MaxResults = 20;

    /// <summary>Longest search text accepted; longer text can match no subject, name or e-mail address.</summary>
    public const int MaxSearchLength = PortalUser.MaxLength;

    public static RouteGroupBuilder MapUserDirectory(this RouteGroupBuilder api)
    {
        // Mapped outside MapApi's group, so it takes the API's one rule for control characters here.
        var users = api.MapGroup("/users").WithTags("Users").RequireAuthorization().AddEndpointFilterFactory(Api.PlainTextFilter.Create);
        users.MapGet("/", Search).WithName("SearchUsers")
            .WithSummary("Find users by name, e-mail or subject (tenant and platform administrators)")
            .WithDescription($"Users who have signed in, and built-in accounts, whose name (or a word of it) or e-mail address " +
                             $"starts with `search` (ignoring case) or whose subject does; without `search`, those who signed in " +
                             $"last. At most {MaxResults}. Callers who administer no tenant get 403.")
            .ProducesProblem(StatusCodes.Status400BadRequest)
            .ProducesProblem(StatusCodes.Status403Forbidden);
        return users;
    }

    static async Task<Results<Ok<UserView[]>, ValidationProblem, ProblemHttpResult>> Search(
        string? search, UserDirectory directory, Caller caller, CancellationToken ct)
    {
        if (!await directory.MayBrowseAsync(caller, ct))
        {
            return TypedResults.Problem(
                statusCode: StatusCodes.Status403Forbidden,
                title: "Only tenant and platform administrators look users up.");
        }

        if (search?.Length > MaxSearchLength)
        {
            return TypedResults.ValidationProblem(new Dictionary<string, string[]>
            {
                ["search"] = [$"Search for at most {MaxSearchLength} characters."],
            });
        }

        var found = await directory.SearchAsync(search, MaxResults, ct);
        return TypedResults.Ok(found.Select(u => new UserView(u.Subject, u.DisplayName, u.Email)).ToArray());
    }
}

/// <summary>A user as the API lists them.</summary>
/// <param name="Subject">Stable user id: what membership and token endpoints take.</param>
/// <param name="Name">Display name.</param>
/// <param name="Email">E-mail address, when known.</param>
public sealed record UserView(string Subject, string Name, string? Email);
