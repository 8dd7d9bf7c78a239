namespace Portal.Sandbox.Controllers;

/// <summary>
/// The statefulset controller: pods NAME-0..NAME-(n-1) with stable names, created in order (each waits for the
/// previous to be Running and Ready under OrderedReady, all at once under Parallel), removed from the highest
/// ordinal down, and replaced highest-first when the template changes.
/// NOTE: volumeClaimTemplates are accepted but no PersistentVolumeClaims are simulated.
/// </summary>
internal sealed class StatefulSetController(Registry registry, EventRecorder events) : PodOwnerController(registry, ResourceCatalog.StatefulSets)
{
    const string Component = "statefulset-controller";

    protected override ApiError? Sync(JsonObject sts)
    {
        var (ns, name) = (sts.Namespace(), sts.Name());
        var replicas = sts.Int("spec", "replicas") ?? 1;
        var parallel = sts.Str("spec", "podManagementPolicy") == "Parallel";
        var revision = $"{name}-{ControllerKeys.TemplateHash(sts.Node("spec", "template"))}";
        var pods = OwnedPods(sts).ToDictionary(p => p.Name());
        ApiError? failure = null;

        for (var i = 0; i < replicas && failure is null; i++)
        {
            var podName = $"{name}-{i}";
            if (pods.TryGetValue(podName, out var existing))
            {
                if (!parallel && !IsRunningAndReady(existing)) break;
                continue;
            }
            try
            {
                var pod = Registry.Create(ResourceCatalog.Pods, ns, PodFor(sts, i, revision), new WriteOptions());
                pods[podName] = pod;
                events.Normal(ResourceCatalog.StatefulSets, sts, "SuccessfulCreate", $"create Pod {podName} in StatefulSet {name} successful", Component);
            }
            catch (ApiError e) when (e.Code is 403 or 422 or 404 or 409)
            {
                failure = e;
                events.Warning(ResourceCatalog.StatefulSets, sts, "FailedCreate", $"create Pod {podName} in StatefulSet {name} failed error: {e.Message}", Component);
            }
            if (!parallel) break;
        }

        var surplus = pods.Values.Where(p => Ordinal(p, name) >= replicas).OrderByDescending(p => Ordinal(p, name)).ToList();
        foreach (var pod in parallel ? surplus : surplus.Take(1))
            DeletePod(sts, pod);

        // Rolling update: replace the highest outdated pod once every pod is up.
        if (surplus.Count == 0 && failure is null && pods.Count == replicas && pods.Values.All(IsRunningAndReady))
        {
            var outdated = pods.Values.Where(p => p.Labels().GetValueOrDefault("controller-revision-hash") != revision)
                .OrderByDescending(p => Ordinal(p, name)).FirstOrDefault();
            if (outdated is not null) DeletePod(sts, outdated);
        }

        UpdateStatus(Registry.TryGet(ResourceCatalog.StatefulSets, ns, name) ?? sts, OwnedPods(sts).ToList(), revision);
        return failure;
    }

    void DeletePod(JsonObject sts, JsonObject pod)
    {
        try
        {
            Registry.Delete(ResourceCatalog.Pods, sts.Namespace(), pod.Name(), new Registry.DeleteRequest());
            events.Normal(ResourceCatalog.StatefulSets, sts, "SuccessfulDelete", $"delete Pod {pod.Name()} in StatefulSet {sts.Name()} successful", Component);
        }
        catch (ApiError e) when (e.Code == 404)
        {
            // Already gone.
        }
    }

    static bool IsRunningAndReady(JsonObject pod) => pod.Str("status", "phase") == "Running" && Conditions.IsTrue(pod, "Ready");

    static long Ordinal(JsonObject pod, string setName) =>
        long.TryParse(pod.Name().AsSpan(setName.Length + 1), NumberStyles.None, CultureInfo.InvariantCulture, out var n) ? n : long.MaxValue;

    static JsonObject PodFor(JsonObject sts, int ordinal, string revision)
    {
        var template = sts.Node("spec", "template") as JsonObject ?? [];
        var name = $"{sts.Name()}-{ordinal}";
        var metadata = (template["metadata"] as JsonObject ?? []).Clone();
        metadata.Remove("creationTimestamp");
        metadata.Remove("generateName");
        metadata["name"] = name;
        var labels = metadata.Obj("labels");
        labels["controller-revision-hash"] = revision;
        labels["statefulset.kubernetes.io/pod-name"] = name;
        labels["apps.kubernetes.io/pod-index"] = ordinal.ToString(CultureInfo.InvariantCulture);
        metadata["ownerReferences"] = new JsonArray(ControllerKeys.OwnerReference(ResourceCatalog.StatefulSets, sts));
        var spec = (template["spec"] as JsonObject ?? []).Clone();
        spec["hostname"] = name;
        if (sts.Str("spec", "serviceName") is { Length: > 0 } service) spec["subdomain"] = service;
        return new JsonObject { ["metadata"] = metadata, ["spec"] = spec };
    }

    void UpdateStatus(JsonObject sts, List<JsonObject> pods, string revision)
    {
        var ready = pods.Count(IsRunningAndReady);
        var updated = pods.Count(p => p.Labels().GetValueOrDefault("controller-revision-hash") == revision);
        var status = new JsonObject
        {
            ["observedGeneration"] = sts.Int("metadata", "generation") ?? 1,
            ["replicas"] = pods.Count,
            ["readyReplicas"] = ready,
            ["currentReplicas"] = updated,
            ["updatedReplicas"] = updated,
            ["currentRevision"] = revision,
            ["updateRevision"] = revision,
            ["collisionCount"] = 0,
            ["availableReplicas"] = ready,
        };
        var next = sts.Clone();
        next["status"] = status;
        Registry.Update(ResourceCatalog.StatefulSets, sts.Namespace(), sts.Name(), next, statusOnly: true, new WriteOptions());
    }
}
