using System.Text.Json;
using Microsoft.AspNetCore.Diagnostics;

namespace Portal.Web.Features.Problems;

/// <summary>
/// Every non-2xx answer is RFC 9457 application/problem+json, never a bare status or a stack trace; the one
/// exception is a browser navigating to a page that doesn't exist, which gets the shell's Not found page.
/// </summary>
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
        // Fills in bodies for bare status codes (404 of an unknown route, 405, 415...). The two branches exclude each
        // other: whichever runs first on the way out would otherwise write the body and silence the other.
        app.UseWhen(IsPageNavigation, pages => pages.UseStatusCodePagesWithReExecute("/not-found", createScopeForStatusCodePages: true));
        app.UseWhen(context => !IsPageNavigation(context), other => other.UseStatusCodePages());
        // Routing after the status code pages, so re-executing /not-found selects that page's endpoint; left
        // implicit, WebApplication would route once, before everything above.
        app.UseRouting();
        return app;
    }

    /// <summary>A browser asking for a page (not the API, a probe or the OpenAPI document).</summary>
    private static bool IsPageNavigation(HttpContext context) =>
        HttpMethods.IsGet(context.Request.Method)
        && !context.Request.Path.StartsWithSegments("/api")
        && context.Request.Headers.Accept.Any(accept => accept?.Contains("text/html", StringComparison.OrdinalIgnoreCase) == true);
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
            : IsMissingBody(httpContext, bad)
            ? new Microsoft.AspNetCore.Mvc.ProblemDetails
            {
                Title = "The request needs a JSON body.",
                Detail = "Send the operation's fields as a JSON object with Content-Type: application/json; /openapi/v1.json lists them.",
            }
            : new Microsoft.AspNetCore.Mvc.ProblemDetails
            {
                Title = bad.StatusCode switch
                {
                    StatusCodes.Status413PayloadTooLarge => "The request body is too large.",
                    StatusCodes.Status415UnsupportedMediaType => "The request body must be JSON (Content-Type: application/json).",
                    _ => "The request is malformed.",
                },
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

    // The framework's own wording for this case speaks to the developer ("Implicit body inferred ... Did you mean to
    // use a Service instead?"), not to whoever sent the request.
    private static bool IsMissingBody(HttpContext httpContext, BadHttpRequestException bad) =>
        bad.StatusCode == StatusCodes.Status400BadRequest
        && httpContext.Request.ContentLength is null or 0
        && bad.Message.Contains("no body was provided", StringComparison.Ordinal);

    /// <summary>The JSON field name from a path like "$.sparkConf['spark.master']" or "$.workers"; "body" for the root.</summary>
    private static string FieldOf(JsonException json) =>
        json.Path is null or "$" ? "body" : json.Path.StartsWith("$.", StringComparison.Ordinal) ? json.Path[2..] : json.Path;
}
