namespace Portal.Sandbox.Admission;

/// <summary>
/// The LimitRanger admission plugin for pods, on create. As upstream, it is both: the mutating half fills container
/// requests/limits from LimitRange defaults (and requests from limits, as pod defaulting does); the validating
/// half enforces per-container min/max.
/// </summary>
internal sealed class LimitRanger(ObjectStore store) : IMutatingAdmission, IValidatingAdmission
{
    public bool Handles(AdmissionOperation operation, ResourceKind kind) => operation == AdmissionOperation.Create && kind == ResourceCatalog.Pods;

    List<JsonObject> ContainerItems(string ns) =>
        store.List(ResourceCatalog.LimitRanges, ns)
            .SelectMany(lr => lr.Objects("spec", "limits"))
            .Where(i => i.Str("type") == "Container")
            .ToList();

    public void Admit(AdmissionAttributes attributes)
    {
        var pod = attributes.Object;
        var items = ContainerItems(attributes.Namespace);
        var setRequests = new List<string>();
        var setLimits = new List<string>();
        foreach (var list in new[] { "initContainers", "containers" })
            foreach (var container in pod.Objects("spec", list))
            {
                var name = container.Str("name") ?? "";
                var resources = container.Obj("resources");
                var addedRequests = new List<string>();
                var addedLimits = new List<string>();
                foreach (var item in items)
                {
                    if (item["default"] is JsonObject defaults)
                        foreach (var (resource, value) in defaults)
                            if (resources.Obj("limits").TryAdd(resource, value?.DeepClone())) addedLimits.Add(resource);
                    if (item["defaultRequest"] is JsonObject defaultRequests)
                        foreach (var (resource, value) in defaultRequests)
                            if (resources.Obj("requests").TryAdd(resource, value?.DeepClone())) addedRequests.Add(resource);
                }
                // Pod defaulting: a limit without a request implies an equal request.
                if (resources["limits"] is JsonObject limits)
                    foreach (var (resource, value) in limits)
                        if (resources.Obj("requests").TryAdd(resource, value?.DeepClone()) && items.Count > 0) addedRequests.Add(resource);
                if (resources["requests"] is JsonObject { Count: 0 }) resources.Remove("requests");
                if (resources["limits"] is JsonObject { Count: 0 }) resources.Remove("limits");
                if (addedRequests.Count > 0) setRequests.Add($"{string.Join(", ", addedRequests.Distinct())} request for {(list == "initContainers" ? "init container" : "container")} {name}");
                if (addedLimits.Count > 0) setLimits.Add($"{string.Join(", ", addedLimits.Distinct())} limit for {(list == "initContainers" ? "init container" : "container")} {name}");
            }
        if (setRequests.Count + setLimits.Count > 0)
            pod.Metadata().Obj("annotations")["kubernetes.io/limit-ranger"] = "LimitRanger plugin set: " + string.Join("; ", setRequests.Concat(setLimits));
    }

    public void Validate(AdmissionAttributes attributes)
    {
        var pod = attributes.Object;
        var items = ContainerItems(attributes.Namespace);
        foreach (var list in new[] { "initContainers", "containers" })
            foreach (var container in pod.Objects("spec", list))
                Enforce(pod, items, container["resources"] as JsonObject ?? []);
    }

    static void Enforce(JsonObject pod, List<JsonObject> items, JsonObject resources)
    {
        foreach (var item in items)
        {
            if (item["max"] is JsonObject max)
                foreach (var (resource, bound) in max)
                {
                    var limit = resources.Node("limits", resource);
                    if (limit is null)
                        throw Forbidden(pod, $"maximum {resource} usage per Container is {bound}.  No limit is specified");
                    if (Quantity.Parse(limit).Value > Quantity.Parse(bound).Value)
                        throw Forbidden(pod, $"maximum {resource} usage per Container is {Quantity.Parse(bound)}, but limit is {Quantity.Parse(limit)}");
                }
            if (item["min"] is JsonObject min)
                foreach (var (resource, bound) in min)
                {
                    var request = resources.Node("requests", resource);
                    if (request is null)
                        throw Forbidden(pod, $"minimum {resource} usage per Container is {Quantity.Parse(bound)}.  No request is specified");
                    if (Quantity.Parse(request).Value < Quantity.Parse(bound).Value)
                        throw Forbidden(pod, $"minimum {resource} usage per Container is {Quantity.Parse(bound)}, but request is {Quantity.Parse(request)}");
                }
        }
    }

    static ApiError Forbidden(JsonObject pod, string why) => ApiError.Forbidden(ResourceCatalog.Pods, pod.Name(), why);
}
