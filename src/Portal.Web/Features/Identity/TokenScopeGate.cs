namespace Portal.Web.Features.Identity;

/// <summary>
/// Enforces what a principal may not do whatever its roles say: a read-only personal access token makes no
/// change, a tenant-scoped one reaches no other tenant's routes, and a built-in account with a one-time password
/// does nothing before choosing its own.
/// </summary>
internal sealed class TokenScopeGate(RequestDelegate next)
{
    public async Task InvokeAsync(HttpContext context)
    {
        var principal = PortalPrincipal.From(context.User);
        if (principal is null)
        {
            await next(context);
            return;
        }

        if (context.User.HasClaim(c => c.Type == PortalClaims.PasswordChangeRequired) && !IsPasswordChangeRoute(context.Request.Path))
        {
            await Deny(context, StatusCodes.Status403Forbidden, "Choose a new password first.", redirect: IdentityEndpoints.ChangePasswordPath);
            return;
        }

        if (principal.Token is { } token)
        {
            if (token.Access is TokenAccess.Read && !HttpMethods.IsGet(context.Request.Method)
                && !HttpMethods.IsHead(context.Request.Method) && !HttpMethods.IsOptions(context.Request.Method))
            {
                await Deny(context, StatusCodes.Status403Forbidden, "This token is read-only.");
                return;
            }

            if (token.TenantId is { } tenantId && context.GetRouteValue("tenant") is string slug
                && !await IsTenantAsync(context, tenantId, slug))
            {
                // 404, as for any tenant the caller can't see: the token must not reveal that the slug exists.
                await Deny(context, StatusCodes.Status404NotFound, "Not found.");
                return;
            }
        }

        await next(context);
    }

    static async Task<bool> IsTenantAsync(HttpContext context, Guid tenantId, string slug)
    {
        var db = context.RequestServices.GetRequiredService<PortalDb>();
        return await db.Tenants.AnyAsync(t => t.Id == tenantId && t.Slug == slug, context.RequestAborted);
    }

    static bool IsPasswordChangeRoute(PathString path) =>
        path.StartsWithSegments(IdentityEndpoints.ChangePasswordPath) || path.StartsWithSegments(IdentityEndpoints.SignOutPath)
        || path.StartsWithSegments("/_framework") || path.StartsWithSegments("/_content");

    static Task Deny(HttpContext context, int status, string title, string? redirect = null)
    {
        if (redirect is not null && !context.Request.Path.StartsWithSegments("/api"))
        {
            context.Response.Redirect(redirect);
            return Task.CompletedTask;
        }

        return Results.Problem(statusCode: status, title: title).ExecuteAsync(context);
    }
}
