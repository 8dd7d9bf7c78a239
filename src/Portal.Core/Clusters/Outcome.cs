namespace Portal.Core.Clusters;

/// <summary>Why a portal operation was refused; each kind maps to one HTTP status and one UI message.</summary>
public enum FailureKind
{
    /// <summary>The input is wrong; <see cref="Failure.Errors"/> says which fields (400).</summary>
    Invalid,

    /// <summary>The tenant or cluster doesn't exist for this caller (404, also for other tenants' objects).</summary>
    NotFound,

    /// <summary>The caller can see the object but their role doesn't allow the change (403).</summary>
    Forbidden,

    /// <summary>The change collides with the current state, e.g. a duplicate name (409).</summary>
    Conflict,

    /// <summary>The caller's If-Match version is stale (412).</summary>
    PreconditionFailed,

    /// <summary>An Idempotency-Key was reused for a different request (422).</summary>
    IdempotencyKeyReused,
}

/// <summary>A refused operation: what kind, a short title, and for <see cref="FailureKind.Invalid"/> the fields.</summary>
/// <param name="Kind">What went wrong.</param>
/// <param name="Title">Short, stable summary (the problem's title).</param>
/// <param name="Detail">Human explanation for this occurrence.</param>
/// <param name="Errors">Reasons keyed by the request's JSON field name (e.g. "workers", "sparkConf[spark.master]").</param>
/// <param name="Code">Machine-readable reason within the kind (e.g. "quota.cpu", "name.taken"), for clients and pages to act on.</param>
/// <param name="Quota">For a quota refusal: which limit, what is in use and what was asked.</param>
public sealed record Failure(
    FailureKind Kind,
    string Title,
    string? Detail = null,
    IReadOnlyDictionary<string, string[]>? Errors = null,
    string? Code = null,
    QuotaShortfall? Quota = null)
{
    /// <summary>An input problem with one reason per field.</summary>
    public static Failure Invalid(IReadOnlyDictionary<string, string[]> errors) =>
        new(FailureKind.Invalid, "One or more fields are invalid.", Errors: errors);

    /// <summary>An input problem in one field.</summary>
    public static Failure Invalid(string field, string reason) =>
        Invalid(new Dictionary<string, string[]> { [field] = [reason] });
}

/// <summary>Either a value or the <see cref="Failure"/> that prevented it.</summary>
/// <typeparam name="T">What the operation returns on success.</typeparam>
public readonly record struct Outcome<T>
{
    private Outcome(T? value, Failure? failure) => (Value, Failure) = (value, failure);

    /// <summary>The result; set exactly when <see cref="Failure"/> is null.</summary>
    public T? Value { get; }

    /// <summary>Why the operation was refused, or null on success.</summary>
    public Failure? Failure { get; }

    /// <summary>A successful outcome.</summary>
    public static Outcome<T> Success(T value) => new(value, null);

    /// <summary>Wraps a value as success.</summary>
    public static implicit operator Outcome<T>(T value) => Success(value);

    /// <summary>Wraps a failure.</summary>
    public static implicit operator Outcome<T>(Failure failure) => new(default, failure);
}
