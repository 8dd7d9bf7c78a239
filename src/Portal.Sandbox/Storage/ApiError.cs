namespace Portal.Sandbox.Storage;

/// <summary>A failure that the API answers with a metav1.Status, as the real server would.</summary>
internal sealed class ApiError(int code, string reason, string message, JsonObject? details = null) : Exception(message)
{
    public int Code { get; } = code;
    public string Reason { get; } = reason;
    public JsonObject? Details { get; } = details;

    /// <summary>Seconds a client should wait before retrying; sent as Retry-After and in details.</summary>
    public int? RetryAfterSeconds { get; init; }

    public JsonObject ToStatus()
    {
        var status = new JsonObject
        {
            ["kind"] = "Status",
            ["apiVersion"] = "v1",
            ["metadata"] = new JsonObject(),
            ["status"] = "Failure",
            ["message"] = Message,
            ["reason"] = Reason,
        };
        if (Details is not null) status["details"] = Details.DeepClone();
        status["code"] = Code;
        return status;
    }

    static JsonObject DetailsFor(ResourceKind kind, string name, bool useKindName = false)
    {
        var details = new JsonObject { ["name"] = name };
        if (kind.Group.Length > 0) details["group"] = kind.Group;
        details["kind"] = useKindName ? kind.Kind : kind.Plural;
        return details;
    }

    public static ApiError NotFound(ResourceKind kind, string name) =>
        new(404, "NotFound", $"{kind.QualifiedPlural} \"{name}\" not found", DetailsFor(kind, name));

    public static ApiError AlreadyExists(ResourceKind kind, string name) =>
        new(409, "AlreadyExists", $"{kind.QualifiedPlural} \"{name}\" already exists", DetailsFor(kind, name));

    public static ApiError Conflict(ResourceKind kind, string name, string why) =>
        new(409, "Conflict", $"Operation cannot be fulfilled on {kind.QualifiedPlural} \"{name}\": {why}", DetailsFor(kind, name));

    public static ApiError StaleResourceVersion(ResourceKind kind, string name) =>
        Conflict(kind, name, "the object has been modified; please apply your changes to the latest version and try again");

    public static ApiError Forbidden(ResourceKind kind, string name, string why, JsonArray? causes = null)
    {
        var details = DetailsFor(kind, name);
        if (causes is not null) details["causes"] = causes;
        var subject = name.Length == 0 ? kind.QualifiedPlural : $"{kind.QualifiedPlural} \"{name}\"";
        return new(403, "Forbidden", $"{subject} is forbidden: {why}", details);
    }

    /// <summary>422 with one cause per field error, worded like apimachinery's field.ErrorList.</summary>
    public static ApiError Invalid(ResourceKind kind, string name, IReadOnlyList<FieldError> errors)
    {
        var causes = new JsonArray();
        foreach (var e in errors)
            causes.Add(new JsonObject { ["reason"] = e.Reason, ["message"] = e.Detail, ["field"] = e.Field });
        var details = DetailsFor(kind, name, useKindName: true);
        details["causes"] = causes;
        var summary = errors.Count == 1
            ? errors[0].ToString()
            : "[" + string.Join(", ", errors.Select(e => e.ToString())) + "]";
        return new(422, "Invalid", $"{kind.Kind}{(kind.Group.Length > 0 ? "." + kind.Group : "")} \"{name}\" is invalid: {summary}", details);
    }

    public static ApiError BadRequest(string message) => new(400, "BadRequest", message);

    public static ApiError MethodNotAllowed(string message) => new(405, "MethodNotAllowed", message);

    public static ApiError UnsupportedMediaType(string contentType) =>
        new(415, "UnsupportedMediaType", $"the body of the request was in an unknown format - accepted media types include: application/json-patch+json, application/merge-patch+json, application/apply-patch+yaml, application/strategic-merge-patch+json (got {contentType})");

    public static ApiError Expired(string message) => new(410, "Expired", message);

    public static ApiError TooManyRequests(int retryAfterSeconds) =>
        new(429, "TooManyRequests", "the server has received too many requests and has asked us to try again later",
            new JsonObject { ["causes"] = new JsonArray(new JsonObject { ["message"] = "injected fault" }), ["retryAfterSeconds"] = retryAfterSeconds })
        { RetryAfterSeconds = retryAfterSeconds };

    public static ApiError Internal(string message) =>
        new(500, "InternalError", $"Internal error occurred: {message}",
            new JsonObject { ["causes"] = new JsonArray(new JsonObject { ["message"] = message }) });

    public static ApiError RouteNotFound() => new(404, "NotFound", "the server could not find the requested resource",
        new JsonObject());
}

/// <summary>One field error, with the reason names apimachinery uses in causes.</summary>
internal sealed record FieldError(string Reason, string Field, string Detail)
{
    public static FieldError Invalid(string field, string value, string why) =>
        new("FieldValueInvalid", field, $"Invalid value: \"{value}\": {why}");

    public static FieldError Required(string field, string why = "") =>
        new("FieldValueRequired", field, why.Length == 0 ? "Required value" : $"Required value: {why}");

    public static FieldError Forbidden(string field, string why) => new("FieldValueForbidden", field, $"Forbidden: {why}");

    public static FieldError Immutable(string field, string value) =>
        new("FieldValueInvalid", field, value.StartsWith("v1.", StringComparison.Ordinal)
            ? $"Invalid value: {value}: field is immutable"
            : $"Invalid value: \"{value}\": field is immutable");

    public override string ToString() => $"{Field}: {Detail}";
}
