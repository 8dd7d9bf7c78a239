namespace Portal.Web.Features.Api;

/// <summary>
/// Turns a service's <see cref="Outcome{T}"/> into an endpoint's answer, so every handler answers a failure the same
/// way (<see cref="Problems.ToProblem"/>) and says only what its success looks like.
/// </summary>
internal static class Answers
{
    /// <summary>The failure as a problem, else what <paramref name="success"/> makes of the value.</summary>
    public static Results<TResult, ProblemHttpResult> Answer<T, TResult>(this Outcome<T> outcome, Func<T, TResult> success)
        where TResult : IResult =>
        outcome.Failure is { } failure ? failure.ToProblem() : success(outcome.Value!);

    /// <summary>The failure as a problem, else 204.</summary>
    public static Results<NoContent, ProblemHttpResult> NoContent<T>(this Outcome<T> outcome) =>
        outcome.Answer(_ => TypedResults.NoContent());

    /// <summary>Sends <paramref name="version"/> as the response's ETag with <paramref name="result"/>.</summary>
    public static TResult WithETag<TResult>(this TResult result, HttpResponse response, long version)
        where TResult : IResult
    {
        response.Headers.ETag = ETags.For(version);
        return result;
    }
}
