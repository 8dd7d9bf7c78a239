namespace Portal.Sandbox.Api;

/// <summary>
/// A minimal OpenAPI v3 discovery: kubectl reads it to learn that the server validates fields itself
/// (the <c>fieldValidation</c> parameter on PATCH, matched by x-kubernetes-group-version-kind).
/// Schemas are not published, so kubectl computes strategic merge patches from its compiled-in types.
/// </summary>
internal static class OpenApi
{
    public static JsonObject Root()
    {
        var paths = new JsonObject();
        foreach (var (group, version) in ResourceCatalog.GroupVersions)
        {
            var path = group.Length == 0 ? $"api/{version}" : $"apis/{group}/{version}";
            paths[path] = new JsonObject { ["serverRelativeURL"] = $"/openapi/v3/{path}?hash=sandbox" };
        }
        return new JsonObject { ["paths"] = paths };
    }

    public static JsonObject? GroupVersion(string path)
    {
        var parts = path.Trim('/').Split('/');
        var (group, version) = parts switch
        {
            ["api", var v] => ("", v),
            ["apis", var g, var v] => (g, v),
            _ => (null, null),
        };
        if (group is null || version is null) return null;
        var kinds = ResourceCatalog.All.Where(k => k.Group == group && k.Version == version).ToList();
        if (kinds.Count == 0) return null;

        var paths = new JsonObject();
        foreach (var kind in kinds)
        {
            var prefix = group.Length == 0 ? $"/api/{version}" : $"/apis/{group}/{version}";
            var itemPath = kind.Namespaced ? $"{prefix}/namespaces/{{namespace}}/{kind.Plural}/{{name}}" : $"{prefix}/{kind.Plural}/{{name}}";
            var gvk = new JsonObject { ["group"] = group, ["version"] = version, ["kind"] = kind.Kind };
            paths[itemPath] = new JsonObject
            {
                ["patch"] = new JsonObject
                {
                    ["operationId"] = $"patch{kind.Kind}",
                    ["parameters"] = new JsonArray(
                        Query("dryRun"), Query("fieldManager"), Query("fieldValidation"), Query("force")),
                    ["requestBody"] = new JsonObject
                    {
                        ["content"] = new JsonObject
                        {
                            ["application/apply-patch+yaml"] = new JsonObject(),
                            ["application/json-patch+json"] = new JsonObject(),
                            ["application/merge-patch+json"] = new JsonObject(),
                        },
                    },
                    ["x-kubernetes-action"] = "patch",
                    ["x-kubernetes-group-version-kind"] = gvk,
                },
            };
        }
        return new JsonObject
        {
            ["openapi"] = "3.0.0",
            ["info"] = new JsonObject { ["title"] = "Kubernetes", ["version"] = "v1.32.0" },
            ["paths"] = paths,
            ["components"] = new JsonObject { ["schemas"] = new JsonObject() },
        };
    }

    static JsonObject Query(string name) => new()
    {
        ["name"] = name,
        ["in"] = "query",
        ["schema"] = new JsonObject { ["type"] = "string" },
    };
}
