using Scalar.AspNetCore;

namespace Portal.Web.Features.OpenApi;

/// <summary>The OpenAPI document at /openapi/v1.json and its browsable reference at /scalar.</summary>
internal static class OpenApiExtensions
{
    public static IServiceCollection AddPortalOpenApi(this IServiceCollection services) =>
        services.AddOpenApi(options => options.AddDocumentTransformer((document, _, _) =>
        {
            document.Info.Title = "Spark Portal API";
            document.Info.Description =
                "Ephemeral Spark clusters for tenants. Every error is an RFC 9457 problem (application/problem+json); " +
                "validation problems carry an `errors` object keyed by the JSON field name. Reads return an ETag; " +
                "send it back in If-Match to make an update fail with 412 instead of overwriting a newer change.";
            return Task.CompletedTask;
        }));

    public static IEndpointRouteBuilder MapPortalOpenApi(this IEndpointRouteBuilder app)
    {
        app.MapOpenApi();
        app.MapScalarApiReference(options => options.WithTitle("Spark Portal API"));
        return app;
    }
}
