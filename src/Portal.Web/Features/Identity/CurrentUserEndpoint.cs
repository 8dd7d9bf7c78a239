namespace Portal.Web.Features.Identity;

/// <summary>
/// <c>GET /api/v1/me</c>: the caller as the portal sees them, so a notebook or script can check which user and which
/// token limits it acts with before it acts.
/// </summary>
public static class CurrentUserEndpoint
{
    /// <summary>Maps /me under <paramref name="api"/> (the /api/v1 group, which requires authentication).</summary>
    public static RouteGroupBuilder MapCurrentUser(this RouteGroupBuilder api)
    {
        ArgumentNullException.ThrowIfNull(api);
        api.MapGet("/me", Get).WithTags("Identity").WithName("GetCurrentUser")
            .WithSummary("Who is calling: subject, name, platform administration, how they signed in, and the personal access token's limits");
        return api;
    }

    static Ok<PortalPrincipal> Get(PortalPrincipal caller) => TypedResults.Ok(caller);
}
