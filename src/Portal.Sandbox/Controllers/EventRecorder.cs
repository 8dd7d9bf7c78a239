using System.Security.Cryptography;

namespace Portal.Sandbox.Controllers;

/// <summary>
/// Records core/v1 Events like client-go's recorder: a repeat of the same reason and message on the same object
/// bumps <c>count</c> and <c>lastTimestamp</c> on the existing Event instead of creating another.
/// </summary>
internal sealed class EventRecorder(Registry registry)
{
    readonly Dictionary<(string Uid, string Reason, string Message), (string Namespace, string Name)> _seen = [];

    public void Normal(ResourceKind kind, JsonObject involved, string reason, string message, string component) =>
        Record(kind, involved, "Normal", reason, message, component);

    public void Warning(ResourceKind kind, JsonObject involved, string reason, string message, string component) =>
        Record(kind, involved, "Warning", reason, message, component);

    void Record(ResourceKind kind, JsonObject involved, string type, string reason, string message, string component)
    {
        var ns = involved.Namespace() ?? "default";
        var key = (involved.Uid(), reason, message);
        var now = Json.Now();
        try
        {
            if (_seen.TryGetValue(key, out var existing) && registry.TryGet(ResourceCatalog.Events, existing.Namespace, existing.Name) is { } previous)
            {
                var bumped = previous.Clone();
                bumped["count"] = (previous.Int("count") ?? 1) + 1;
                bumped["lastTimestamp"] = now;
                registry.Update(ResourceCatalog.Events, existing.Namespace, existing.Name, bumped, statusOnly: false, new WriteOptions());
                return;
            }
            var name = $"{involved.Name()}.{Convert.ToHexStringLower(RandomNumberGenerator.GetBytes(8))}";
            var evt = new JsonObject
            {
                ["metadata"] = new JsonObject { ["name"] = name, ["namespace"] = ns },
                ["involvedObject"] = new JsonObject
                {
                    ["kind"] = kind.Kind,
                    ["namespace"] = involved.Namespace(),
                    ["name"] = involved.Name(),
                    ["uid"] = involved.Uid(),
                    ["apiVersion"] = kind.GroupVersion,
                    ["resourceVersion"] = involved.Str("metadata", "resourceVersion"),
                },
                ["reason"] = reason,
                ["message"] = message,
                ["source"] = new JsonObject { ["component"] = component },
                ["firstTimestamp"] = now,
                ["lastTimestamp"] = now,
                ["count"] = 1,
                ["type"] = type,
                ["eventTime"] = null,
                ["reportingComponent"] = component,
                ["reportingInstance"] = "",
            };
            registry.Create(ResourceCatalog.Events, ns, evt, new WriteOptions());
            // The cache only saves a lookup; bounding it keeps a long-running sandbox's memory flat.
            if (_seen.Count >= 10_000) _seen.Clear();
            _seen[key] = (ns, name);
        }
        catch (ApiError)
        {
            // Like client-go's recorder, losing an event (e.g. in a terminating namespace) is not an error.
        }
    }
}
