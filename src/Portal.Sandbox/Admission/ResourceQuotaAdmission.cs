namespace Portal.Sandbox.Admission;

/// <summary>
/// The ResourceQuota admission plugin on create, the last validating plugin as upstream. Usage is summed live from
/// the store under the same lock as the write, so two racing creates can never both squeeze under a limit.
/// NOTE: quota scopes and scopeSelector are not simulated; every quota applies to every object in its namespace.
/// </summary>
internal sealed class ResourceQuotaAdmission(ObjectStore store) : IValidatingAdmission
{
    static readonly string[] ComputeNames = ["requests.cpu", "requests.memory", "limits.cpu", "limits.memory", "cpu", "memory"];

    public bool Handles(AdmissionOperation operation, ResourceKind kind) => operation == AdmissionOperation.Create && kind.Namespaced;

    public void Validate(AdmissionAttributes attributes)
    {
        var (kind, obj, ns) = (attributes.Kind, attributes.Object, attributes.Namespace);
        var quotas = store.List(ResourceCatalog.ResourceQuotas, ns).ToList();
        if (quotas.Count == 0) return;
        var requested = Quantities.UsageOf(kind, obj);
        if (requested.Count == 0) return;

        Dictionary<string, Quantity>? used = null;
        foreach (var quota in quotas)
        {
            if (quota.Node("spec", "hard") is not JsonObject hard) continue;
            if (kind == ResourceCatalog.Pods)
            {
                var missing = ComputeNames
                    .Where(r => hard.ContainsKey(r) && !requested.ContainsKey(r))
                    .Select(r => $"{r} for: {string.Join(",", PodContainersMissing(obj, r))}")
                    .ToList();
                if (missing.Count > 0)
                    throw ApiError.Forbidden(kind, obj.Name(), $"failed quota: {quota.Name()}: must specify {string.Join("; ", missing)}");
            }
            used ??= UsageIn(store, ns);
            var exceeded = new SortedDictionary<string, (Quantity Requested, Quantity Used, Quantity Hard)>(StringComparer.Ordinal);
            foreach (var (resource, hardValue) in hard)
            {
                if (!requested.TryGetValue(resource, out var want)) continue;
                var limit = Quantity.Parse(hardValue);
                var have = used.GetValueOrDefault(resource, Quantity.Zero);
                if (have.Value + want.Value > limit.Value) exceeded[resource] = (want, have, limit);
            }
            if (exceeded.Count > 0)
                throw ApiError.Forbidden(kind, obj.Name(),
                    $"exceeded quota: {quota.Name()}, requested: {Pretty(exceeded, e => e.Requested)}, used: {Pretty(exceeded, e => e.Used)}, limited: {Pretty(exceeded, e => e.Hard)}");
        }
    }

    static IEnumerable<string> PodContainersMissing(JsonObject pod, string resource)
    {
        var (field, name) = resource.Contains('.') ? (resource[..resource.IndexOf('.')], resource[(resource.IndexOf('.') + 1)..]) : ("requests", resource);
        return pod.Objects("spec", "containers").Where(c => c.Node("resources", field, name) is null).Select(c => c.Str("name") ?? "");
    }

    static string Pretty(SortedDictionary<string, (Quantity Requested, Quantity Used, Quantity Hard)> map, Func<(Quantity Requested, Quantity Used, Quantity Hard), Quantity> pick) =>
        string.Join(",", map.Select(e => $"{e.Key}={pick(e.Value)}"));

    /// <summary>Sums the usage of every quota-tracked object in a namespace.</summary>
    public static Dictionary<string, Quantity> UsageIn(ObjectStore store, string ns)
    {
        var total = new Dictionary<string, Quantity>(StringComparer.Ordinal);
        foreach (var kind in ResourceCatalog.All.Where(k => k.Namespaced && k != ResourceCatalog.Events))
            foreach (var obj in store.List(kind, ns))
                foreach (var (resource, q) in Quantities.UsageOf(kind, obj))
                    total[resource] = total.GetValueOrDefault(resource, Quantity.Zero) + q;
        return total;
    }
}
