namespace Portal.Sandbox.Controllers;

/// <summary>Status conditions whose lastTransitionTime changes only when their status flips.</summary>
internal static class Conditions
{
    public static void Set(JsonObject status, JsonArray? previous, string type, bool value, string? reason = null, string? message = null, bool withUpdateTime = false)
    {
        var conditions = status["conditions"] as JsonArray;
        if (conditions is null) status["conditions"] = conditions = [];
        var old = previous?.OfType<JsonObject>().FirstOrDefault(c => c.Str("type") == type);
        var statusText = value ? "True" : "False";
        var transition = old is not null && old.Str("status") == statusText ? old.Str("lastTransitionTime") : Json.Now();
        var sameAsBefore = old is not null && old.Str("status") == statusText && old.Str("reason") == reason && old.Str("message") == message;
        var condition = new JsonObject { ["type"] = type, ["status"] = statusText };
        if (withUpdateTime) condition["lastUpdateTime"] = sameAsBefore ? old!.Str("lastUpdateTime") : Json.Now();
        condition["lastTransitionTime"] = transition;
        if (reason is not null) condition["reason"] = reason;
        if (message is not null) condition["message"] = message;
        conditions.Add(condition);
    }

    public static bool IsTrue(JsonObject obj, string type) =>
        obj.Objects("status", "conditions").Any(c => c.Str("type") == type && c.Str("status") == "True");
}

/// <summary>
/// Per-key retry delays like client-go's workqueue rate limiter: 5 ms doubling, capped at 30 s here
/// (upstream caps at 1000 s; a sandbox should recover quickly once the cause is fixed).
/// </summary>
internal sealed class Backoff
{
    static readonly TimeSpan First = TimeSpan.FromMilliseconds(5);
    static readonly TimeSpan Max = TimeSpan.FromSeconds(30);
    readonly Dictionary<string, TimeSpan> _delays = [];

    /// <summary>The keys waiting out a failure.</summary>
    public IEnumerable<string> Keys => _delays.Keys;

    /// <summary>After a pass: the key's next, longer delay if it failed; otherwise it is forgotten (null: no retry).</summary>
    public TimeSpan? After(string key, bool failed)
    {
        if (!failed)
        {
            _delays.Remove(key);
            return null;
        }
        var delay = _delays.TryGetValue(key, out var last) ? TimeSpan.FromTicks(Math.Min(last.Ticks * 2, Max.Ticks)) : First;
        _delays[key] = delay;
        return delay;
    }
}
