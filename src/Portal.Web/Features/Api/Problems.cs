using Microsoft.AspNetCore.Mvc;

namespace Portal.Web.Features.Api;

/// <summary>Maps service failures to problem responses, so every endpoint answers the same failure the same way.</summary>
internal static class Problems
{
    public static ProblemHttpResult ToProblem(this Failure failure)
    {
        var problem = failure.Errors is { } errors
            ? new HttpValidationProblemDetails(errors.ToDictionary(e => e.Key, e => e.Value, StringComparer.Ordinal))
            : new ProblemDetails();
        problem.Status = failure.Kind switch
        {
            FailureKind.Invalid => StatusCodes.Status400BadRequest,
            FailureKind.NotFound => StatusCodes.Status404NotFound,
            FailureKind.Forbidden => StatusCodes.Status403Forbidden,
            FailureKind.Conflict => StatusCodes.Status409Conflict,
            FailureKind.PreconditionFailed => StatusCodes.Status412PreconditionFailed,
            FailureKind.IdempotencyKeyReused => StatusCodes.Status422UnprocessableEntity,
            _ => throw new ArgumentOutOfRangeException(nameof(failure), failure.Kind, "Unmapped failure kind."),
        };
        problem.Title = failure.Title;
        problem.Detail = failure.Detail;
        if (failure.Code is { } code)
            problem.Extensions["code"] = code;
        if (failure.Quota is { } quota)
        {
            // What a notebook needs to say "you asked for 4 CPU, 30 of 32 are in use" without parsing the detail.
            problem.Extensions["limit"] = quota.Limit;
            problem.Extensions["quota"] = quota.Quota;
            problem.Extensions["inUse"] = quota.InUse;
            problem.Extensions["requested"] = quota.Requested;
        }

        return TypedResults.Problem(problem);
    }
}
