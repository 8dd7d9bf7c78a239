using System.Text;
using System.Text.Json;
using System.Text.RegularExpressions;
using Microsoft.AspNetCore.Diagnostics;
using Microsoft.AspNetCore.Http.Features;
using Microsoft.Net.Http.Headers;

namespace Portal.Web.Features.Problems;

/// <summary>
/// Every non-2xx answer is RFC 9457 application/problem+json, never a bare status or a stack trace; the one
/// exception is a browser navigating to a page that doesn't exist, which gets the shell's Not found page.
/// </summary>
internal static class ProblemDetailsExtensions
{
    /// <summary>
    /// Longest request target (path and query) the portal reads: 8 KiB, Kestrel's default request-line limit. Longer
    /// gets a 414 problem from <see cref="UseRequestShapeChecks"/>.
    /// </summary>
    public const int MaxRequestTargetLength = 8 * 1024;

    /// <summary>
    /// Kestrel's own request-line limit, raised well above <see cref="MaxRequestTargetLength"/>: past its limit Kestrel
    /// answers 414 itself, with no body, before any middleware runs (docs/errors.md).
    /// </summary>
    public const int KestrelMaxRequestLineSize = 64 * 1024;

    public static IServiceCollection AddPortalProblemDetails(this IServiceCollection services)
    {
        services.Configure<Microsoft.AspNetCore.Server.Kestrel.Core.KestrelServerOptions>(kestrel => kestrel.Limits.MaxRequestLineSize = KestrelMaxRequestLineSize);
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
        app.UseRequestShapeChecks();
        // Routing after the status code pages, so re-executing /not-found selects that page's endpoint; left
        // implicit, WebApplication would route once, before everything above.
        app.UseRouting();
        return app;
    }

    /// <summary>
    /// Refuses, as problems, requests the framework would otherwise answer without a body or with a 500: a request
    /// target over <see cref="MaxRequestTargetLength"/> (414), and a body whose charset no encoding is known for (415;
    /// the JSON reader throws InvalidOperationException on it, which is not a bad-request exception).
    /// </summary>
    private static void UseRequestShapeChecks(this WebApplication app) => app.Use(async (context, next) =>
    {
        var request = context.Request;
        var target = context.Features.Get<IHttpRequestFeature>()?.RawTarget;
        var length = string.IsNullOrEmpty(target) ? request.Path.Value?.Length + request.QueryString.Value?.Length ?? 0 : target.Length;
        if (length > MaxRequestTargetLength)
        {
            await WriteProblemAsync(context, StatusCodes.Status414UriTooLong, "The request URI is too long.",
                $"The portal reads request targets (path and query) of at most {MaxRequestTargetLength} characters.");
            return;
        }

        if (UnknownCharset(request.ContentType) is { } charset)
        {
            await WriteProblemAsync(context, StatusCodes.Status415UnsupportedMediaType, "The request body's charset is not supported.",
                $"No encoding is known for charset '{charset}'; send JSON as UTF-8 (Content-Type: application/json).");
            return;
        }

        await next(context);
    });

    /// <summary>The charset of <paramref name="contentType"/> when no encoding is known for it, else null.</summary>
    private static string? UnknownCharset(string? contentType)
    {
        if (contentType is null || !MediaTypeHeaderValue.TryParse(contentType, out var mediaType) || !mediaType.Charset.HasValue)
            return null;
        // As the framework's JSON reader reads it: quotes stripped, then Encoding.GetEncoding.
        var charset = HeaderUtilities.RemoveQuotes(mediaType.Charset).ToString();
        if (charset.Equals("utf-8", StringComparison.OrdinalIgnoreCase))
            return null;
        try
        {
            Encoding.GetEncoding(charset);
            return null;
        }
        catch (ArgumentException)
        {
            return charset;
        }
    }

    private static Task WriteProblemAsync(HttpContext context, int status, string title, string detail)
    {
        context.Response.StatusCode = status;
        return context.RequestServices.GetRequiredService<IProblemDetailsService>().WriteAsync(new ProblemDetailsContext
        {
            HttpContext = context,
            ProblemDetails = { Status = status, Title = title, Detail = detail },
        }).AsTask();
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
internal sealed partial class BadRequestExceptionHandler(IProblemDetailsService problems) : IExceptionHandler
{
    public async ValueTask<bool> TryHandleAsync(HttpContext httpContext, Exception exception, CancellationToken cancellationToken)
    {
        if (exception is not BadHttpRequestException bad)
            return false;

        httpContext.Response.StatusCode = bad.StatusCode;
        var problem = bad.InnerException is JsonException json
            ? new HttpValidationProblemDetails(new Dictionary<string, string[]>
            {
                [FieldOf(json)] = [$"An unknown or repeated field (names are case-sensitive), malformed JSON or a value of the wrong type (line {json.LineNumber + 1}, byte {json.BytePositionInLine + 1})."],
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

    /// <summary>
    /// The field as the API's validation names it ("sparkConf[spark.master]", "policy.presets[0].name") from the
    /// serializer's path ("$.sparkConf['spark.master']", "$.policy.presets[0].name"); "body" for the root.
    /// </summary>
    private static string FieldOf(JsonException json)
    {
        if (json.Path is null or "$")
            return "body";
        var path = json.Path.StartsWith("$.", StringComparison.Ordinal) ? json.Path[2..] : json.Path;
        return QuotedKey().Replace(path, "[$1]");
    }

    [GeneratedRegex(@"\['((?:[^']|'')*)'\]")]
    private static partial Regex QuotedKey();
}
