using System.Text.Json;
using Microsoft.AspNetCore.Diagnostics;

namespace Portal.Web.Features.Problems;

/// <summary>Every non-2xx answer is RFC 9457 application/problem+json, never a bare status or a stack trace.</summary>
internal static class ProblemDetailsExtensions
{
    public static IServiceCollection AddPortalProblemDetails(this IServiceCollection services)
    {
        services.AddProblemDetails();
        services.AddExceptionHandler<BadRequestExceptionHandler>();

        // By default a body that fails to bind ends as an empty 400 outside Development. Throwing instead hands the
        // BadHttpRequestException (and its JsonException, which knows the failing field) to the handler above.
        services.Configure<RouteHandlerOptions>(o => o.ThrowOnBadRequest = true);
        return services;
    }

    public static WebApplication UsePortalProblemDetails(this WebApplication app)
    {
        // No path: unhandled exceptions become a 500 problem written by IProblemDetailsService, without details.
        app.UseExceptionHandler();
        // Fills in bodies for bare status codes (404 of an unknown route, 405, 415...).
        app.UseStatusCodePages();
        return app;
    }
}

/// <summary>
/// Turns request errors the framework raises before a handler runs (malformed or mistyped JSON, a body over the
/// size limit, an unparsable query value) into problems with the status the exception carries.
/// </summary>
internal sealed class BadRequestExceptionHandler(IProblemDetailsService problems) : IExceptionHandler
{
    public async ValueTask<bool> TryHandleAsync(HttpContext httpContext, Exception exception, CancellationToken cancellationToken)
    {
        if (exception is not BadHttpRequestException bad)
            return false;

        httpContext.Response.StatusCode = bad.StatusCode;
        var problem = bad.InnerException is JsonException json
            ? new HttpValidationProblemDetails(new Dictionary<string, string[]>
            {
                [FieldOf(json)] = [$"An unknown field, malformed JSON or a value of the wrong type (line {json.LineNumber + 1}, byte {json.BytePositionInLine + 1})."],
            })
            {
                Title = "The request body is not valid JSON for this operation.",
            }
            : new Microsoft.AspNetCore.Mvc.ProblemDetails
            {
                Title = bad.StatusCode == StatusCodes.Status413PayloadTooLarge ? "The request body is too large." : "The request is malformed.",
                // BadHttpRequestException messages describe the request ("Failed to bind parameter ..."), never the server.
                Detail = bad.Message,
            };
        problem.Status = bad.StatusCode;

        return await problems.TryWriteAsync(new ProblemDetailsContext
        {
            HttpContext = httpContext,
            ProblemDetails = problem,
            Exception = exception,
        });
    }

    /// <summary>The JSON field name from a path like "$.sparkConf['spark.master']" or "$.workers"; "body" for the root.</summary>
    private static string FieldOf(JsonException json) =>
        json.Path is null or "$" ? "body" : json.Path.StartsWith("$.", StringComparison.Ordinal) ? json.Path[2..] : json.Path;
}
