using System.Data.Common;
using System.Net.Sockets;
using Microsoft.AspNetCore.Diagnostics;
using Microsoft.EntityFrameworkCore.Storage;
using Npgsql;

namespace Portal.Web.Data;

/// <summary>
/// Tells a database that can't be reached (down, restarting, refusing connections, timing out) from a real error,
/// so the API answers 503 with Retry-After and pages say so, instead of a 500 "An error occurred".
/// </summary>
internal static class DatabaseOutage
{
    /// <summary>What pages and problems say while the database is unreachable.</summary>
    public const string Message = "The database is unreachable; try again in a moment.";

    /// <summary>Retry-After of the 503: long enough for a restarting database or a failover, short enough for a notebook.</summary>
    public const int RetryAfterSeconds = 5;

    /// <summary>True when <paramref name="exception"/>, or one it wraps, means the database could not be reached.</summary>
    public static bool IsOutage(Exception? exception)
    {
        for (var e = exception; e is not null; e = e.InnerException)
        {
            switch (e)
            {
                // EF's retrying strategy gave up, and every attempt was a transient failure.
                case RetryLimitExceededException:
                // Npgsql failing to connect, or losing the connection: a socket, I/O or timeout inside.
                case NpgsqlException { InnerException: SocketException or IOException or TimeoutException }:
                // The provider's own judgement: connection failures, server shutting down (57P01..57P03), 08xxx.
                case DbException { IsTransient: true }:
                    return true;
                case AggregateException aggregate when aggregate.InnerExceptions.Any(IsOutage):
                    return true;
            }
        }

        return false;
    }

    /// <summary><paramref name="message"/>, or <see cref="Message"/> when <paramref name="exception"/> is an outage.</summary>
    public static string Explain(Exception exception, string message) => IsOutage(exception) ? Message : message;
}

/// <summary>
/// Answers a request that failed because the database is unreachable with 503 and Retry-After: problem+json for
/// the API and other clients, a plain page for a browser navigating to a page. Every other exception goes on to
/// the next handler (and, unhandled, to the 500 problem).
/// </summary>
internal sealed class DatabaseOutageHandler(IProblemDetailsService problems) : IExceptionHandler
{
    public async ValueTask<bool> TryHandleAsync(HttpContext httpContext, Exception exception, CancellationToken cancellationToken)
    {
        if (!DatabaseOutage.IsOutage(exception))
            return false;

        var response = httpContext.Response;
        response.StatusCode = StatusCodes.Status503ServiceUnavailable;
        response.Headers.RetryAfter = DatabaseOutage.RetryAfterSeconds.ToString(System.Globalization.CultureInfo.InvariantCulture);
        if (IsPageNavigation(httpContext.Request))
        {
            response.ContentType = "text/html; charset=utf-8";
            await response.WriteAsync(
                $"<!DOCTYPE html><html lang=\"en\"><head><meta charset=\"utf-8\"><title>Spark Portal</title></head>" +
                $"<body><main><h1>{DatabaseOutage.Message}</h1></main></body></html>", cancellationToken);
            return true;
        }

        return await problems.TryWriteAsync(new ProblemDetailsContext
        {
            HttpContext = httpContext,
            ProblemDetails = new Microsoft.AspNetCore.Mvc.ProblemDetails
            {
                Status = StatusCodes.Status503ServiceUnavailable,
                Title = DatabaseOutage.Message,
                Detail = $"Retry after {DatabaseOutage.RetryAfterSeconds} seconds.",
            },
            Exception = exception,
        });
    }

    static bool IsPageNavigation(HttpRequest request) =>
        HttpMethods.IsGet(request.Method)
        && !request.Path.StartsWithSegments("/api")
        && request.Headers.Accept.Any(accept => accept?.Contains("text/html", StringComparison.OrdinalIgnoreCase) == true);
}
