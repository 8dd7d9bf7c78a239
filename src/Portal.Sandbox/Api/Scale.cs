namespace Portal.Sandbox.Api;

/// <summary>The <c>scale</c> subresource (autoscaling/v1 Scale) of deployments, statefulsets and replicasets.</summary>
internal static class Scale
{
    public static bool Supports(ResourceKind kind) =>
        kind == ResourceCatalog.Deployments || kind == ResourceCatalog.StatefulSets || kind == ResourceCatalog.ReplicaSets;

    public static async Task Serve(HttpContext http, Registry registry, ResourceRoute route, WriteOptions options)
    {
        var current = registry.Get(route.Kind, route.Namespace, route.Name!);
        switch (http.Request.Method)
        {
            case "GET":
                await Http.WriteJson(http, 200, ToScale(current));
                return;
            case "PUT" or "PATCH":
                {
                    var bytes = await Http.ReadBody(http);
                    var body = JsonNode.Parse(bytes) ?? throw ApiError.BadRequest("empty body");
                    var scale = ToScale(current);
                    var contentType = (http.Request.ContentType ?? "").Split(';')[0].Trim();
                    JsonObject next = http.Request.Method == "PUT" ? body.AsObject()
                        : contentType == "application/json-patch+json" ? Patching.Patches.JsonPatch(scale, body.AsArray())
                        : (JsonObject)Patching.Patches.MergePatch(scale, body)!;
                    if (next.Str("metadata", "resourceVersion") is { Length: > 0 } rv && rv != current.Str("metadata", "resourceVersion"))
                        throw ApiError.StaleResourceVersion(route.Kind, route.Name!);
                    var replicas = next.Int("spec", "replicas") ?? 0;
                    var (updated, _) = registry.Patch(route.Kind, route.Namespace, route.Name!, PatchKind.Merge,
                        new JsonObject { ["spec"] = new JsonObject { ["replicas"] = replicas } }, statusOnly: false, options with { FieldManager = null });
                    await Http.WriteJson(http, 200, ToScale(updated));
                    return;
                }
            default:
                throw ApiError.MethodNotAllowed($"the server does not allow this method on the requested resource ({http.Request.Method} {route.Kind.Plural}/scale)");
        }
    }

    static JsonObject ToScale(JsonObject obj)
    {
        var selector = obj.Node("spec", "selector", "matchLabels") is JsonObject ml
            ? string.Join(",", ml.Select(p => $"{p.Key}={p.Value}"))
            : "";
        return new JsonObject
        {
            ["kind"] = "Scale",
            ["apiVersion"] = "autoscaling/v1",
            ["metadata"] = new JsonObject
            {
                ["name"] = obj.Name(),
                ["namespace"] = obj.Namespace(),
                ["uid"] = obj.Uid(),
                ["resourceVersion"] = obj.Str("metadata", "resourceVersion"),
                ["creationTimestamp"] = obj.Str("metadata", "creationTimestamp"),
            },
            ["spec"] = new JsonObject { ["replicas"] = obj.Int("spec", "replicas") ?? 0 },
            ["status"] = new JsonObject
            {
                ["replicas"] = obj.Int("status", "replicas") ?? 0,
                ["selector"] = selector,
            },
        };
    }
}
