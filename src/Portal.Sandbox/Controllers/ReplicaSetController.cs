namespace Portal.Sandbox.Controllers;

/// <summary>
/// The replicaset controller: creates pods from the template (with a controller owner reference) until
/// spec.replicas exist, deletes the surplus (not-ready and newest first), and reports counts in status.
/// A refused pod (quota, Pod Security) becomes a FailedCreate warning Event and a ReplicaFailure condition,
/// and is retried with backoff, as upstream does.
/// </summary>
internal sealed class ReplicaSetController(Registry registry, EventRecorder events) : PodOwnerController(registry, ResourceCatalog.ReplicaSets)
{
    const string Component = "replicaset-controller";

    protected override ApiError? Sync(JsonObject rs)
    {
        var (ns, name) = (rs.Namespace(), rs.Name());
        var desired = rs.Int("spec", "replicas") ?? 1;
        var pods = ActivePods(rs);
        ApiError? failure = null;

        if (pods.Count < desired)
        {
            for (var i = pods.Count; i < desired; i++)
            {
                try
                {
                    var pod = Registry.Create(ResourceCatalog.Pods, ns, PodFor(rs), new WriteOptions());
                    events.Normal(ResourceCatalog.ReplicaSets, rs, "SuccessfulCreate", $"Created pod: {pod.Name()}", Component);
                }
                catch (ApiError e) when (e.Code is 403 or 422 or 404)
                {
                    failure = e;
                    events.Warning(ResourceCatalog.ReplicaSets, rs, "FailedCreate", $"Error creating: {e.Message}", Component);
                    break;
                }
            }
        }
        else if (pods.Count > desired)
        {
            var surplus = pods
                .OrderBy(p => Conditions.IsTrue(p, "Ready") ? 1 : 0)
                .ThenByDescending(p => p.Str("metadata", "creationTimestamp"), StringComparer.Ordinal)
                .ThenByDescending(p => p.ResourceVersion())
                .Take((int)(pods.Count - desired));
            foreach (var pod in surplus)
            {
                try
                {
                    Registry.Delete(ResourceCatalog.Pods, ns, pod.Name(), new Registry.DeleteRequest());
                    events.Normal(ResourceCatalog.ReplicaSets, rs, "SuccessfulDelete", $"Deleted pod: {pod.Name()}", Component);
                }
                catch (ApiError e) when (e.Code == 404)
                {
                    // Already gone.
                }
            }
        }

        UpdateStatus(Registry.TryGet(ResourceCatalog.ReplicaSets, ns, name) ?? rs, ActivePods(rs), failure);
        return failure;
    }

    List<JsonObject> ActivePods(JsonObject rs) =>
        OwnedPods(rs).Where(p => p.Str("status", "phase") is not ("Succeeded" or "Failed")).ToList();

    static JsonObject PodFor(JsonObject rs)
    {
        var template = rs.Node("spec", "template") as JsonObject ?? [];
        var metadata = (template["metadata"] as JsonObject ?? []).Clone();
        metadata.Remove("name");
        metadata.Remove("creationTimestamp");
        metadata["generateName"] = rs.Name() + "-";
        metadata["ownerReferences"] = new JsonArray(ControllerKeys.OwnerReference(ResourceCatalog.ReplicaSets, rs));
        return new JsonObject
        {
            ["metadata"] = metadata,
            ["spec"] = template["spec"]?.DeepClone() ?? new JsonObject(),
        };
    }

    void UpdateStatus(JsonObject rs, List<JsonObject> pods, ApiError? failure)
    {
        var selector = LabelSelector.FromJson(rs.Node("spec", "selector"));
        var ready = pods.Count(p => Conditions.IsTrue(p, "Ready"));
        var status = new JsonObject
        {
            ["replicas"] = pods.Count,
            ["fullyLabeledReplicas"] = pods.Count(p => selector.Matches(p.Labels())),
            ["readyReplicas"] = ready,
            ["availableReplicas"] = ready,
            ["observedGeneration"] = rs.Int("metadata", "generation") ?? 1,
        };
        var previous = rs.Node("status", "conditions") as JsonArray;
        if (failure is not null)
            Conditions.Set(status, previous, "ReplicaFailure", true, "FailedCreate", failure.Message);
        else if (previous?.OfType<JsonObject>().Any(c => c.Str("type") == "ReplicaFailure") == true && pods.Count < (rs.Int("spec", "replicas") ?? 1))
            status["conditions"] = previous.DeepClone();
        var next = rs.Clone();
        next["status"] = status;
        Registry.Update(ResourceCatalog.ReplicaSets, rs.Namespace(), rs.Name(), next, statusOnly: true, new WriteOptions());
    }
}
