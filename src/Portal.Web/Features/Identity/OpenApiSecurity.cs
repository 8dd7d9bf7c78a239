using Microsoft.AspNetCore.OpenApi;
using Microsoft.OpenApi;

namespace Portal.Web.Features.Identity;

/// <summary>
/// Declares the API's bearer authentication in every OpenAPI document, so generated clients and the API reference
/// page send <c>Authorization: Bearer …</c> (a personal access token, or the provider's access token with SSO).
/// </summary>
internal static class OpenApiSecurity
{
    /// <summary>Key of the scheme under components.securitySchemes.</summary>
    public const string SchemeId = "bearer";

    public static IServiceCollection AddOpenApiBearerSecurity(this IServiceCollection services) =>
        // ConfigureAll: whichever documents the OpenAPI feature registers, and in whichever order.
        services.ConfigureAll<OpenApiOptions>(options => options.AddDocumentTransformer((document, _, _) =>
        {
            Describe(document);
            return Task.CompletedTask;
        }));

    static void Describe(OpenApiDocument document)
    {
        document.Components ??= new OpenApiComponents();
        document.Components.SecuritySchemes ??= new Dictionary<string, IOpenApiSecurityScheme>();
        document.Components.SecuritySchemes[SchemeId] = new OpenApiSecurityScheme
        {
            Type = SecuritySchemeType.Http,
            Scheme = "bearer",
            BearerFormat = "spk_<prefix>_<secret>",
            Description = "A personal access token (POST /api/v1/tokens, or `token create` on the server), or, with single " +
                          "sign-on, an access token the OpenID Connect provider issued for the portal's audience.",
        };

        // On the API's operations only: the document may also describe pages that use the session cookie.
        var requirement = new OpenApiSecurityRequirement { [new OpenApiSecuritySchemeReference(SchemeId, document)] = [] };
        foreach (var (path, item) in document.Paths)
        {
            if (!path.StartsWith("/api/", StringComparison.Ordinal) || item.Operations is null)
            {
                continue;
            }

            foreach (var operation in item.Operations.Values)
            {
                operation.Security ??= [];
                operation.Security.Add(requirement);
            }
        }
    }
}
