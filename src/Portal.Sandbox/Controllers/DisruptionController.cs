namespace Portal.Sandbox.Controllers;

/// <summary>The disruption controller: PodDisruptionBudget status from the pods its selector matches.</summary>
internal sealed class DisruptionController(Registry registry) : IReconciler
{
    public IEnumerable<string> KeysFor(StoreEvent e)
    {
        if (e.Kind == ResourceCatalog.PodDisruptionBudgets && e.Type != WatchEventType.Deleted) yield return e.Object.Namespace() ?? "";
        else if (e.Kind == ResourceCatalog.Pods && registry.Atomically(() => registry.Store.Count(ResourceCatalog.PodDisruptionBudgets, e.Object.Namespace() ?? "")) > 0)
            yield return e.Object.Namespace() ?? "";
    }

    public TimeSpan? Reconcile(string ns)
    {
        var budgets = registry.Atomically(() => registry.Store.List(ResourceCatalog.PodDisruptionBudgets, ns).ToList());
        var pods = registry.Atomically(() => registry.Store.List(ResourceCatalog.Pods, ns).Where(p => !p.IsDeleting()).ToList());
        foreach (var pdb in budgets)
        {
            var selector = LabelSelector.FromJson(pdb.Node("spec", "selector"));
            var matching = pods.Where(p => selector.Matches(p.Labels())).ToList();
            var expected = matching.Count;
            var healthy = matching.Count(p => Conditions.IsTrue(p, "Ready"));
            var desired = pdb.Node("spec", "minAvailable") is { } min
                ? Resolve(min, expected, roundUp: true)
                : pdb.Node("spec", "maxUnavailable") is { } max ? Math.Max(expected - Resolve(max, expected, roundUp: true), 0) : 0;
            var allowed = Math.Max(healthy - desired, 0);
            var status = new JsonObject
            {
                ["observedGeneration"] = pdb.Int("metadata", "generation") ?? 1,
                ["disruptionsAllowed"] = allowed,
                ["currentHealthy"] = healthy,
                ["desiredHealthy"] = desired,
                ["expectedPods"] = expected,
            };
            Conditions.Set(status, pdb.Node("status", "conditions") as JsonArray, "DisruptionAllowed", allowed > 0,
                allowed > 0 ? "SufficientPods" : "InsufficientPods", "");
            var next = pdb.Clone();
            next["status"] = status;
            registry.Update(ResourceCatalog.PodDisruptionBudgets, ns, pdb.Name(), next, statusOnly: true, new WriteOptions());
        }
        return null;
    }

    /// <summary>An IntOrString: a count, or a percentage of <paramref name="total"/>.</summary>
    static int Resolve(JsonNode value, int total, bool roundUp)
    {
        var text = value is JsonValue v && v.TryGetValue<string>(out var s) ? s : value.ToJsonString();
        if (text.EndsWith('%') && double.TryParse(text[..^1], NumberStyles.Float, CultureInfo.InvariantCulture, out var pct))
            return (int)(roundUp ? Math.Ceiling(pct * total / 100) : Math.Floor(pct * total / 100));
        return int.TryParse(text, NumberStyles.Integer, CultureInfo.InvariantCulture, out var n) ? n : 0;
    }
}
