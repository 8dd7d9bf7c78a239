namespace Portal.Web.Features.Identity;

/// <summary>The caller's personal access tokens: list, create (the secret is in the response, once), revoke.</summary>
public static class TokenEndpoints
{
    /// <summary>Maps /tokens under <paramref name="api"/> (the /api/v1 group).</summary>
    public static RouteGroupBuilder MapPersonalAccessTokens(this RouteGroupBuilder api)
    {
        ArgumentNullException.ThrowIfNull(api);
        var tokens = api.MapGroup("/tokens").WithTags("Tokens").RequireAuthorization();
        tokens.MapGet("/", List).WithName("ListTokens");
        tokens.MapPost("/", Create).WithName("CreateToken");
        tokens.MapDelete("/{id:guid}", Revoke).WithName("RevokeToken");
        return tokens;
    }

    static async Task<Ok<List<TokenView>>> List(PortalPrincipal caller, PersonalAccessTokens tokens, PortalDb db, CancellationToken ct) =>
        TypedResults.Ok(await TokenView.OwnedByAsync(caller.Subject, tokens, db, ct));

    static async Task<Results<Created<CreatedTokenView>, ValidationProblem, NotFound, ProblemHttpResult>> Create(
        CreateTokenRequest request, PortalPrincipal caller, PersonalAccessTokens tokens, PortalDb db, CancellationToken ct)
    {
        if (caller.Token is not null)
        {
            // Otherwise a token limited to one tenant could mint one for all of them.
            return TypedResults.Problem(statusCode: StatusCodes.Status403Forbidden,
                title: "A personal access token cannot create tokens; sign in to the portal instead.");
        }

        var prepared = await TokenIssuer.PrepareAsync(request, caller.ToCaller(), db, tokens, ct);
        if (prepared.Failure is { } failure)
        {
            return failure.Kind is FailureKind.NotFound
                ? TypedResults.NotFound()
                : TypedResults.ValidationProblem(failure.Errors ?? new Dictionary<string, string[]>());
        }

        var created = await tokens.CreateAsync(prepared.Value!, caller.Subject, ct);
        return TypedResults.Created(
            $"/api/v1/tokens/{created.Token.Id}",
            new CreatedTokenView(TokenView.From(created.Token, request.Tenant), created.Plaintext));
    }

    static async Task<Results<NoContent, NotFound>> Revoke(Guid id, PortalPrincipal caller, PersonalAccessTokens tokens, CancellationToken ct) =>
        // A platform administrator may revoke anyone's token; everyone else only their own, and another's is 404.
        await tokens.RevokeAsync(id, caller.IsPlatformAdmin ? null : caller.Subject, caller.Subject, ct)
            ? TypedResults.NoContent()
            : TypedResults.NotFound();
}

/// <summary>
/// Turns a signed-in user's request for a token into a <see cref="TokenRequest"/>: one set of rules for the API and
/// the tokens page. Creating is left to the caller, which also decides who may create at all (not a token).
/// </summary>
public static class TokenIssuer
{
    /// <summary>
    /// The token <paramref name="caller"/> may have for <paramref name="request"/>; a <see cref="FailureKind.NotFound"/>
    /// when the named tenant is none of theirs (platform admins may name any live tenant), else an
    /// <see cref="FailureKind.Invalid"/> keyed by the request's JSON field names when <see cref="PersonalAccessTokens.Check"/>
    /// refuses it.
    /// </summary>
    public static async Task<Outcome<TokenRequest>> PrepareAsync(
        CreateTokenRequest request, Caller caller, PortalDb db, PersonalAccessTokens tokens, CancellationToken ct)
    {
        ArgumentNullException.ThrowIfNull(request);
        ArgumentNullException.ThrowIfNull(caller);
        ArgumentNullException.ThrowIfNull(tokens);
        Guid? tenantId = null;
        if (request.Tenant is { } slug)
        {
            // The same lookup as every tenant-scoped operation: a tenant the caller doesn't belong to is not found.
            tenantId = (await TenantAccess.ForMemberAsync(db, caller, slug, ct))?.Tenant.Id;
            if (tenantId is null)
            {
                return new Failure(FailureKind.NotFound, "Tenant not found.", $"No tenant '{slug}' of yours.");
            }
        }

        var tokenRequest = new TokenRequest(caller.Subject, request.Name ?? "", request.ExpiresInDays, tenantId,
            request.ReadOnly ? TokenAccess.Read : TokenAccess.ReadWrite);
        if (tokens.Check(tokenRequest) is { Count: > 0 } errors)
        {
            return Failure.Invalid(errors.ToDictionary(e => ToJsonName(e.Key), e => e.Value));
        }

        return tokenRequest;
    }

    static string ToJsonName(string property) => property switch
    {
        nameof(TokenRequest.ExpiresInDays) => "expiresInDays",
        nameof(TokenRequest.Name) => "name",
        _ => char.ToLowerInvariant(property[0]) + property[1..],
    };
}

/// <summary>Body of POST /api/v1/tokens.</summary>
/// <param name="Name">What the token is for.</param>
/// <param name="ExpiresInDays">Lifetime; the configured default when absent, at most the configured maximum.</param>
/// <param name="Tenant">Slug of the one tenant the token may reach; absent for all of the caller's tenants.</param>
/// <param name="ReadOnly">Limit the token to reading.</param>
public sealed record CreateTokenRequest(string? Name, int? ExpiresInDays = null, string? Tenant = null, bool ReadOnly = false);

/// <summary>A personal access token as its owner sees it; never the secret.</summary>
public sealed record TokenView(
    Guid Id, string Name, string Prefix, string? Tenant, TokenAccess Access,
    DateTimeOffset CreatedAt, DateTimeOffset ExpiresAt, DateTimeOffset? LastUsedAt, DateTimeOffset? RevokedAt)
{
    public static TokenView From(PersonalAccessToken token, string? tenantSlug) => new(
        token.Id, token.Name, TokenText.Marker + token.Prefix, tenantSlug, token.Access,
        token.CreatedAt, token.ExpiresAt, token.LastUsedAt, token.RevokedAt);

    /// <summary>Every token of <paramref name="owner"/>, newest first, with the slug of the tenant each is limited to.</summary>
    public static async Task<List<TokenView>> OwnedByAsync(string owner, PersonalAccessTokens tokens, PortalDb db, CancellationToken ct)
    {
        ArgumentNullException.ThrowIfNull(tokens);
        ArgumentNullException.ThrowIfNull(db);
        var owned = await tokens.ListAsync(owner, ct);
        var tenantIds = owned.Where(t => t.TenantId is not null).Select(t => t.TenantId!.Value).Distinct().ToList();
        var slugs = await db.Tenants.Where(t => tenantIds.Contains(t.Id)).ToDictionaryAsync(t => t.Id, t => t.Slug, ct);
        return owned.Select(t => From(t, t.TenantId is { } id ? slugs.GetValueOrDefault(id) : null)).ToList();
    }
}

/// <summary>Response of POST /api/v1/tokens: the only time the token's text is shown.</summary>
public sealed record CreatedTokenView(TokenView Token, string Secret);
