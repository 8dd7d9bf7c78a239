using Microsoft.AspNetCore.Mvc;
using Microsoft.Extensions.DependencyInjection.Extensions;

namespace Portal.Web.Features.Tenants;

/// <summary>/api/v1/tenants: members list and read theirs; platform admins create and change them.</summary>
internal static class TenantEndpoints
{
    public static IServiceCollection AddTenants(this IServiceCollection services)
    {
        // Also read by the data layer's seeding of the default tenant.
        services.AddValidatedOptions<TenantNamingOptions>(TenantNamingOptions.Section);
        services.AddScoped<TenantTokens>();
        // Read by the provisioning leader (AddProvisioning registers the same singleton).
        services.TryAddSingleton<TenantWrites>();
        return services.AddScoped<TenantService>();
    }

    public static RouteGroupBuilder MapTenants(this RouteGroupBuilder api)
    {
        var tenants = api.MapGroup("/tenants").WithTags("Tenants");
        tenants.MapGet("/", List).WithName("ListTenants")
            .WithSummary("List the tenants you are a member of");
        tenants.MapGet("/{tenant}", Get).WithName("GetTenant")
            .WithSummary("Get a tenant")
            .WithDescription("The ETag header is the tenant's version; send it as If-Match on update.");
        tenants.MapPost("/", Create).WithName("CreateTenant")
            .WithSummary("Create a tenant (platform admins)")
            .WithDescription("The caller becomes the tenant's first admin. Its namespace is 'spark-{slug}'.")
            .ProducesProblem(StatusCodes.Status403Forbidden)
            .ProducesProblem(StatusCodes.Status409Conflict);
        tenants.MapPatch("/{tenant}", Update).WithName("UpdateTenant")
            .WithSummary("Change a tenant (platform admins)")
            .WithDescription("Fields left out stay as they are; quota and policy are replaced whole. With If-Match, a tenant " +
                             "changed since that ETag gets 412. A quota below what the tenant's clusters hold now is saved, " +
                             "and the answer's warnings say what it means: running clusters keep running, new ones are refused.")
            .ProducesProblem(StatusCodes.Status403Forbidden)
            .ProducesProblem(StatusCodes.Status412PreconditionFailed);
        tenants.MapMembers();
        return tenants;
    }

    private static async Task<Ok<TenantView[]>> List(TenantService tenants, CancellationToken ct) =>
        TypedResults.Ok((await tenants.ListAsync(ct)).Select(TenantView.From).ToArray());

    private static async Task<Results<Ok<TenantView>, ProblemHttpResult>> Get(
        string tenant, TenantService tenants, HttpResponse response, CancellationToken ct) =>
        (await tenants.GetAsync(tenant, ct)).Answer(access => TypedResults.Ok(TenantView.From(access)).WithETag(response, access.Tenant.Version));

    private static async Task<Results<Created<TenantView>, ProblemHttpResult>> Create(
        CreateTenantRequest request, TenantService tenants, HttpResponse response, CancellationToken ct)
    {
        var outcome = await tenants.CreateAsync(request, ct);
        return outcome.Answer(tenant => TypedResults.Created($"/api/v1/tenants/{Uri.EscapeDataString(tenant.Slug)}",
            TenantView.From(new TenantAccess(tenant, TenantRole.Admin))).WithETag(response, tenant.Version));
    }

    private static async Task<Results<Ok<TenantView>, ProblemHttpResult>> Update(
        string tenant,
        UpdateTenantRequest request,
        [FromHeader(Name = "If-Match")] string? ifMatch,
        TenantService tenants,
        HttpResponse response,
        CancellationToken ct)
    {
        if (!ETags.TryParseIfMatch(ifMatch, out var version))
            return ETags.Unmatchable(ifMatch);

        // Read before the change, against the quota it replaces; a caller the update refuses gets that refusal instead.
        var overruns = request.Quota is { } quota ? (await tenants.QuotaOverrunsAsync(tenant, quota, ct)).Value : null;
        var outcome = await tenants.UpdateAsync(tenant, request, version, ct);
        return outcome.Answer(access => TypedResults.Ok(TenantView.From(access) with { Warnings = overruns is { Count: > 0 } ? overruns : null })
            .WithETag(response, access.Tenant.Version));
    }
}
