using System.Security.Cryptography;
using System.Text.Json.Nodes;

namespace Portal.Provisioning.Reconciler;

/// <summary>
/// Lets through the watch events of one kind that can matter to a pass, and drops those that change only the
/// object's status. A tenant pass never reads a ResourceQuota's status, yet the API server rewrites
/// <c>status.used</c> on every pod created or removed in the namespace; without this, pod churn alone would
/// queue a tenant pass (ten API calls) each time.
/// </summary>
/// <remarks>
/// ResourceQuotas and Namespaces keep no <c>metadata.generation</c>, so the filter remembers, per object uid, a
/// hash of the object without <c>status</c> and the bookkeeping every write moves (<c>resourceVersion</c>,
/// <c>managedFields</c>), and compares with it. Added and Deleted always pass, and so does any event for an object
/// it hasn't seen. Level-triggered correctness doesn't depend on it: every relist replaces what it remembers, and
/// the resync still compares everything.
/// One watch loop uses one instance, from one thread at a time.
/// </remarks>
/// <typeparam name="T">The watched kind.</typeparam>
internal sealed class SpecChanges<T>
    where T : IKubernetesObject<V1ObjectMeta>
{
    readonly Dictionary<string, string> _seen = [];

    /// <summary>Forgets everything and remembers <paramref name="listed"/>: the state a watch resumes from.</summary>
    public void Relisted(IEnumerable<T> listed)
    {
        ArgumentNullException.ThrowIfNull(listed);
        _seen.Clear();
        foreach (var item in listed)
        {
            if (item.Metadata?.Uid is { } uid)
            {
                _seen[uid] = Fingerprint(item);
            }
        }
    }

    /// <summary>Whether the event may matter to a pass; remembers the object as this event leaves it.</summary>
    public bool Matters(WatchEventType type, T item)
    {
        ArgumentNullException.ThrowIfNull(item);
        if (item.Metadata?.Uid is not { } uid)
        {
            return true;
        }

        if (type is WatchEventType.Deleted)
        {
            _seen.Remove(uid);
            return true;
        }

        var fingerprint = Fingerprint(item);
        var changed = type is not WatchEventType.Modified || !_seen.TryGetValue(uid, out var last) || last != fingerprint;
        _seen[uid] = fingerprint;
        return changed;
    }

    /// <summary>A hash of everything but status and per-write bookkeeping.</summary>
    static string Fingerprint(T item)
    {
        var node = JsonNode.Parse(KubernetesJson.Serialize(item))!.AsObject();
        node.Remove("status");
        if (node["metadata"] is JsonObject metadata)
        {
            metadata.Remove("resourceVersion");
            metadata.Remove("managedFields");
        }

        return Convert.ToHexString(SHA256.HashData(Encoding.UTF8.GetBytes(node.ToJsonString())));
    }
}
