namespace Portal.Sandbox.Api;

/// <summary>
/// Legacy (unaggregated) discovery documents. Clients asking for aggregated discovery fall back to these because
/// the response Content-Type is plain application/json, exactly as they do against an older server.
/// </summary>
internal static class Discovery
{
    static readonly string[] AllVerbs = ["create", "delete", "deletecollection", "get", "list", "patch", "update", "watch"];
    static readonly string[] SubresourceVerbs = ["get", "patch", "update"];

    public static JsonObject Version() => new()
    {
        ["major"] = "1",
        ["minor"] = "32",
        ["emulationMajor"] = "1",
        ["emulationMinor"] = "32",
        ["gitVersion"] = "v1.32.0",
        ["gitCommit"] = "sandbox",
        ["gitTreeState"] = "clean",
        ["buildDate"] = "2026-01-01T00:00:00Z",
        ["goVersion"] = "go1.23.0",
        ["compiler"] = "gc",
        ["platform"] = "linux/amd64",
    };

    public static JsonObject CoreVersions(string serverAddress) => new()
    {
        ["kind"] = "APIVersions",
        ["versions"] = new JsonArray("v1"),
        ["serverAddressByClientCIDRs"] = new JsonArray(new JsonObject { ["clientCIDR"] = "0.0.0.0/0", ["serverAddress"] = serverAddress }),
    };

    public static JsonObject Groups()
    {
        var groups = new JsonArray();
        foreach (var group in ResourceCatalog.GroupVersions.Where(g => g.Group.Length > 0).Select(g => g.Group).Distinct())
            groups.Add(Group(group));
        return new JsonObject { ["kind"] = "APIGroupList", ["apiVersion"] = "v1", ["groups"] = groups };
    }

    public static JsonObject? Group(string group)
    {
        var versions = ResourceCatalog.GroupVersions.Where(g => g.Group == group).ToList();
        if (versions.Count == 0) return null;
        JsonObject Version((string Group, string Version) gv) => new() { ["groupVersion"] = $"{gv.Group}/{gv.Version}", ["version"] = gv.Version };
        return new JsonObject
        {
            ["kind"] = "APIGroup",
            ["apiVersion"] = "v1",
            ["name"] = group,
            ["versions"] = new JsonArray([.. versions.Select(v => (JsonNode)Version(v))]),
            ["preferredVersion"] = Version(versions[0]),
        };
    }

    public static JsonObject? Resources(string group, string version)
    {
        var kinds = ResourceCatalog.All.Where(k => k.Group == group && k.Version == version).ToList();
        if (kinds.Count == 0) return null;
        var resources = new JsonArray();
        foreach (var kind in kinds)
        {
            var entry = new JsonObject
            {
                ["name"] = kind.Plural,
                ["singularName"] = kind.Singular,
                ["namespaced"] = kind.Namespaced,
                ["kind"] = kind.Kind,
                ["verbs"] = new JsonArray([.. AllVerbs.Where(v => kind != ResourceCatalog.Namespaces || v != "deletecollection").Select(v => (JsonNode)v)]),
            };
            if (kind.ShortNames is { } shortNames) entry["shortNames"] = new JsonArray([.. shortNames.Select(s => (JsonNode)s)]);
            if (kind.Group == "apps") entry["categories"] = new JsonArray("all");
            else if (kind == ResourceCatalog.Pods || kind == ResourceCatalog.Services) entry["categories"] = new JsonArray("all");
            resources.Add(entry);
            if (kind.HasStatus) resources.Add(Subresource(kind, "status", kind.Kind, group, version));
            if (Scale.Supports(kind)) resources.Add(Subresource(kind, "scale", "Scale", "autoscaling", "v1"));
            if (kind == ResourceCatalog.Pods)
            {
                resources.Add(new JsonObject { ["name"] = "pods/log", ["singularName"] = "", ["namespaced"] = true, ["kind"] = "Pod", ["verbs"] = new JsonArray("get") });
                resources.Add(Proxy("pods", "PodProxyOptions"));
                resources.Add(new JsonObject { ["name"] = "pods/portforward", ["singularName"] = "", ["namespaced"] = true, ["kind"] = "PodPortForwardOptions", ["verbs"] = new JsonArray("create", "get") });
            }
            if (kind == ResourceCatalog.Services) resources.Add(Proxy("services", "ServiceProxyOptions"));
            if (kind == ResourceCatalog.Namespaces) resources.Add(new JsonObject
            {
                ["name"] = "namespaces/finalize",
                ["singularName"] = "",
                ["namespaced"] = false,
                ["kind"] = "Namespace",
                ["verbs"] = new JsonArray("update"),
            });
        }
        return new JsonObject
        {
            ["kind"] = "APIResourceList",
            ["apiVersion"] = "v1",
            ["groupVersion"] = group.Length == 0 ? version : $"{group}/{version}",
            ["resources"] = resources,
        };
    }

    static JsonObject Proxy(string plural, string kind) => new()
    {
        ["name"] = $"{plural}/proxy",
        ["singularName"] = "",
        ["namespaced"] = true,
        ["kind"] = kind,
        ["verbs"] = new JsonArray("create", "delete", "get", "patch", "update"),
    };

    static JsonObject Subresource(ResourceKind kind, string name, string subKind, string group, string version)
    {
        var entry = new JsonObject
        {
            ["name"] = $"{kind.Plural}/{name}",
            ["singularName"] = "",
            ["namespaced"] = kind.Namespaced,
        };
        if (group != kind.Group) entry["group"] = group;
        if (group != kind.Group) entry["version"] = version;
        entry["kind"] = subKind;
        entry["verbs"] = new JsonArray([.. SubresourceVerbs.Select(v => (JsonNode)v)]);
        return entry;
    }
}
