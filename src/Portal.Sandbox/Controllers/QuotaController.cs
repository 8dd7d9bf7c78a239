using Portal.Sandbox.Admission;

namespace Portal.Sandbox.Controllers;

/// <summary>The resource quota controller: keeps status.hard and status.used of every quota in a namespace current.</summary>
internal sealed class QuotaController(Registry registry) : IReconciler
{
    public IEnumerable<string> KeysFor(StoreEvent e)
    {
        if (!e.Kind.Namespaced || e.Kind == ResourceCatalog.Events) yield break;
        var ns = e.Object.Namespace() ?? "";
        if (e.Kind == ResourceCatalog.ResourceQuotas || registry.Atomically(() => registry.Store.Count(ResourceCatalog.ResourceQuotas, ns)) > 0)
            yield return ns;
    }

    public TimeSpan? Reconcile(string ns)
    {
        var (quotas, usage) = registry.Atomically(() =>
            (registry.Store.List(ResourceCatalog.ResourceQuotas, ns).ToList(), ResourceQuotaAdmission.UsageIn(registry.Store, ns)));
        foreach (var quota in quotas)
        {
            if (quota.IsDeleting()) continue;
            var hard = new JsonObject();
            var used = new JsonObject();
            if (quota.Node("spec", "hard") is JsonObject specHard)
                foreach (var (resource, value) in specHard.OrderBy(p => p.Key, StringComparer.Ordinal))
                {
                    hard[resource] = Quantity.Parse(value).ToString();
                    used[resource] = usage.GetValueOrDefault(resource, Quantity.Zero).ToString();
                }
            var next = quota.Clone();
            next["status"] = new JsonObject { ["hard"] = hard, ["used"] = used };
            registry.Update(ResourceCatalog.ResourceQuotas, ns, quota.Name(), next, statusOnly: true, new WriteOptions());
        }
        return null;
    }
}
