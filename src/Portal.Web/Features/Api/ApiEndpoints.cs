using System.ComponentModel.DataAnnotations;
using System.Text.Json.Serialization;
using Microsoft.AspNetCore.Http.Metadata;
using Portal.Web.Features.Clusters;
using Portal.Web.Features.Storage;
using Portal.Web.Features.Tenants;
using Portal.Web.Features.Usage;

namespace Portal.Web.Features.Api;

/// <summary>Settings of the REST API, bound from the "Api" configuration section.</summary>
internal sealed class ApiOptions
{
    public const string Section = "Api";

    /// <summary>Largest request body the API reads; larger ones get 413. Cluster requests are well under 16 KiB.</summary>
    [Range(1024, 16 * 1024 * 1024)]
    public long MaxRequestBodyBytes { get; init; } = 64 * 1024;
}

/// <summary>The versioned REST API at /api/v1: one group, with the policies every endpoint shares.</summary>
internal static class ApiEndpoints
{
    public static IServiceCollection AddApi(this IServiceCollection services)
    {
        services.AddValidatedOptions<ApiOptions>(ApiOptions.Section);
        services.ConfigureHttpJsonOptions(options =>
        {
            // Phases and roles travel as their names, as the OpenAPI document says; only as names: a number (0, "1")
            // would be any value of the enum, defined or not.
            options.SerializerOptions.Converters.Add(new JsonStringEnumConverter(allowIntegerValues: false));
            // A misspelt field ("worker": 3) is an error, not a silently applied default.
            options.SerializerOptions.UnmappedMemberHandling = JsonUnmappedMemberHandling.Disallow;
            // Field names are matched exactly, so "Name" is an unknown field rather than a second "name" that silently
            // wins, and a field sent twice is an error rather than the last one winning.
            options.SerializerOptions.PropertyNameCaseInsensitive = false;
            options.SerializerOptions.AllowDuplicateProperties = false;
        });
        return services;
    }

    public static IEndpointRouteBuilder MapApi(this WebApplication app)
    {
        var options = app.Services.GetRequiredService<IOptions<ApiOptions>>().Value;
        var api = app.MapGroup("/api/v1")
            .RequireAuthorization()
            // Applied by the routing middleware before the body is read; the server answers a larger body with
            // a BadHttpRequestException(413), which the problem details handler turns into a problem.
            .WithMetadata(new RequestBodyLimit(options.MaxRequestBodyBytes))
            .ProducesProblem(StatusCodes.Status400BadRequest)
            .ProducesProblem(StatusCodes.Status404NotFound)
            .ProducesProblem(StatusCodes.Status413PayloadTooLarge)
            .AddEndpointFilterFactory(PlainTextFilter.Create);

        api.MapTenants();
        api.MapClusters();
        api.MapStorage();
        api.MapImages();
        api.MapUsage();
        api.MapCurrentUser();
        api.MapPersonalAccessTokens();
        api.MapAccounts();
        return app;
    }

    /// <summary>
    /// Answers 413 up front when the declared Content-Length exceeds the endpoint's body limit. The server enforces
    /// the same limit while reading (which also covers chunked bodies), but only servers that support
    /// IHttpMaxRequestBodySizeFeature do; this keeps the answer the same on every server, TestServer included.
    /// </summary>
    public static WebApplication UseRequestBodyLimit(this WebApplication app)
    {
        app.Use(async (context, next) =>
        {
            var limit = context.GetEndpoint()?.Metadata.GetMetadata<IRequestSizeLimitMetadata>()?.MaxRequestBodySize;
            if (limit is { } max && context.Request.ContentLength > max)
            {
                context.Response.StatusCode = StatusCodes.Status413PayloadTooLarge;
                await context.RequestServices.GetRequiredService<IProblemDetailsService>().WriteAsync(new ProblemDetailsContext
                {
                    HttpContext = context,
                    ProblemDetails =
                    {
                        Status = StatusCodes.Status413PayloadTooLarge,
                        Title = "The request body is too large.",
                        Detail = $"The API accepts request bodies of at most {max} bytes.",
                    },
                });
                return;
            }

            await next(context);
        });
        return app;
    }

    private sealed record RequestBodyLimit(long? MaxRequestBodySize) : IRequestSizeLimitMetadata;
}
