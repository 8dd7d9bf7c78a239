namespace Portal.Sandbox.Patching;

/// <summary>
/// The list merge keys Kubernetes declares (patchMergeKey / listMapKeys) for the lists the sandbox's kinds use.
/// NOTE: keyed by field name only, not by full schema path; that is exact for the kinds served here
/// except <c>ports</c>, which is keyed by <c>containerPort</c> in containers and by <c>port</c> in services.
/// </summary>
internal static class MergeKeys
{
    static readonly Dictionary<string, string> ByField = new(StringComparer.Ordinal)
    {
        ["containers"] = "name",
        ["initContainers"] = "name",
        ["ephemeralContainers"] = "name",
        ["env"] = "name",
        ["volumes"] = "name",
        ["volumeMounts"] = "mountPath",
        ["volumeDevices"] = "devicePath",
        ["imagePullSecrets"] = "name",
        ["conditions"] = "type",
        ["hostAliases"] = "ip",
        ["containerStatuses"] = "name",
        ["initContainerStatuses"] = "name",
        ["ownerReferences"] = "uid",
        ["resourceClaims"] = "name",
        ["topologySpreadConstraints"] = "topologyKey",
    };

    /// <summary>The key that identifies items of list <paramref name="field"/>, or null for an atomic list.</summary>
    public static string? For(string? field, JsonArray? sample, JsonArray? other = null)
    {
        if (field is null) return null;
        if (field == "ports")
        {
            var first = sample?.OfType<JsonObject>().FirstOrDefault() ?? other?.OfType<JsonObject>().FirstOrDefault();
            if (first is null) return null;
            return first.ContainsKey("containerPort") ? "containerPort" : "port";
        }
        return ByField.GetValueOrDefault(field);
    }

    public static JsonObject? FindByKey(JsonArray list, string key, JsonNode? value) =>
        list.OfType<JsonObject>().FirstOrDefault(item => JsonNode.DeepEquals(item[key], value));
}
