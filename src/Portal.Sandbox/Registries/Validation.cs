using Portal.Sandbox.Admission;

namespace Portal.Sandbox.Registries;

/// <summary>Object validation with apimachinery's wording, so clients that parse causes see what they would in a cluster.</summary>
internal static class Validation
{
    /// <summary>Which name rule the real server applies to each kind.</summary>
    static string? NameError(ResourceKind kind, string name)
    {
        if (kind == ResourceCatalog.Namespaces)
            return name.Length > 63 ? "must be no more than 63 characters" : NameRules.Dns1123Label().IsMatch(name) ? null : NameRules.Dns1123LabelMessage;
        if (kind == ResourceCatalog.Services)
            return name.Length > 63 ? "must be no more than 63 characters" : NameRules.Dns1035Label().IsMatch(name) ? null : NameRules.Dns1035LabelMessage;
        if (kind == ResourceCatalog.Roles || kind == ResourceCatalog.RoleBindings)
            return name is "." or ".." ? $"may not be '{name}'" : name.Contains('/') ? "may not contain '/'" : name.Contains('%') ? "may not contain '%'" : null;
        return name.Length > 253 ? "must be no more than 253 characters" : NameRules.Dns1123Subdomain().IsMatch(name) ? null : NameRules.Dns1123SubdomainMessage;
    }

    /// <summary>Validates metadata and the kind-specific required fields; throws 422 Invalid with every error found.</summary>
    public static void Validate(ResourceKind kind, JsonObject obj)
    {
        var errors = new List<FieldError>();
        var name = obj.Name();
        if (name.Length == 0)
            errors.Add(FieldError.Required("metadata.name", "name or generateName is required"));
        else if (NameError(kind, name) is { } nameError)
            errors.Add(FieldError.Invalid("metadata.name", name, nameError));

        foreach (var (key, value) in obj.Labels())
        {
            if (NameRules.LabelKeyError(key) is { } keyError) errors.Add(FieldError.Invalid("metadata.labels", key, keyError));
            if (NameRules.LabelValueError(value) is { } valueError) errors.Add(FieldError.Invalid("metadata.labels", value, valueError));
        }
        if (obj.Node("metadata", "labels") is JsonObject labels)
            foreach (var (key, value) in labels)
                if (value is not JsonValue v || !v.TryGetValue<string>(out _))
                    errors.Add(FieldError.Invalid($"metadata.labels.{key}", value?.ToJsonString() ?? "null", "label values must be strings"));

        if (kind == ResourceCatalog.Pods) ValidatePodSpec(obj["spec"], "spec", errors);
        else if (kind == ResourceCatalog.Deployments || kind == ResourceCatalog.ReplicaSets || kind == ResourceCatalog.StatefulSets)
            ValidateWorkload(obj, errors);
        else if (kind == ResourceCatalog.Services) ValidateService(obj, errors);
        else if (kind == ResourceCatalog.PersistentVolumeClaims) ValidateClaimSpec(obj, errors);

        if (errors.Count > 0) throw ApiError.Invalid(kind, name, errors);
    }

    static readonly string[] MutableStatefulSetSpecFields =
        ["replicas", "ordinals", "template", "updateStrategy", "persistentVolumeClaimRetentionPolicy", "minReadySeconds"];

    /// <summary>Immutability rules checked on update, with apimachinery's wording.</summary>
    public static void ValidateUpdate(ResourceKind kind, JsonObject existing, JsonObject next)
    {
        var errors = new List<FieldError>();
        if (kind == ResourceCatalog.Deployments || kind == ResourceCatalog.ReplicaSets || kind == ResourceCatalog.StatefulSets)
        {
            var before = existing.Node("spec", "selector");
            var after = next.Node("spec", "selector");
            if (!JsonNode.DeepEquals(before, after))
                errors.Add(FieldError.Immutable("spec.selector", GoSelector(after)));
        }
        if (kind == ResourceCatalog.StatefulSets && errors.Count == 0)
        {
            var changed = (existing["spec"] as JsonObject ?? []).Select(p => p.Key)
                .Union((next["spec"] as JsonObject ?? []).Select(p => p.Key))
                .Where(f => !MutableStatefulSetSpecFields.Contains(f) && !JsonNode.DeepEquals(existing.Node("spec", f), next.Node("spec", f)));
            if (changed.Any())
                errors.Add(FieldError.Forbidden("spec", "updates to statefulset spec for fields other than 'replicas', 'ordinals', 'template', 'updateStrategy', 'persistentVolumeClaimRetentionPolicy' and 'minReadySeconds' are forbidden"));
        }
        if (kind == ResourceCatalog.Services && existing.Str("spec", "clusterIP") is { Length: > 0 } ip
            && next.Str("spec", "clusterIP") is { Length: > 0 } newIp && newIp != ip)
            errors.Add(FieldError.Immutable("spec.clusterIPs[0]", newIp));
        if (kind == ResourceCatalog.PersistentVolumeClaims) ValidateClaimUpdate(existing, next, errors);
        if (errors.Count > 0) throw ApiError.Invalid(kind, next.Name(), errors);
    }

    static readonly string[] AccessModes = ["ReadOnlyMany", "ReadWriteMany", "ReadWriteOnce", "ReadWriteOncePod"];

    /// <summary>ValidatePersistentVolumeClaimSpec (pkg/apis/core/validation): access modes and a positive storage request.</summary>
    static void ValidateClaimSpec(JsonObject claim, List<FieldError> errors)
    {
        var modes = claim.Arr("spec", "accessModes").Select(m => m.Str() ?? "").ToList();
        if (modes.Count == 0) errors.Add(FieldError.Required("spec.accessModes", "at least 1 access mode is required"));
        foreach (var mode in modes.Where(m => !AccessModes.Contains(m)))
            errors.Add(new("FieldValueNotSupported", "spec.accessModes",
                $"Unsupported value: \"{mode}\": supported values: {string.Join(", ", AccessModes.Select(m => $"\"{m}\""))}"));
        if (modes.Contains("ReadWriteOncePod") && modes.Count > 1)
            errors.Add(FieldError.Forbidden("spec.accessModes", "may not use ReadWriteOncePod with other access modes"));
        var storage = claim.Node("spec", "resources", "requests", "storage");
        if (storage is null) errors.Add(FieldError.Required("spec.resources[storage]"));
        else if (Quantity.Parse(storage).Value <= 0)
            errors.Add(FieldError.Invalid("spec.resources[storage]", Quantity.Parse(storage).ToString(), "must be greater than zero"));
    }

    /// <summary>
    /// ValidatePersistentVolumeClaimUpdate: the spec is immutable except that the controller may set volumeName once,
    /// and a Bound claim's storage request may grow (expansion) but not shrink.
    /// NOTE: upstream appends a cmp.Diff of the two specs to the Forbidden message; the sandbox leaves it out.
    /// </summary>
    static void ValidateClaimUpdate(JsonObject existing, JsonObject next, List<FieldError> errors)
    {
        var before = existing["spec"]?.DeepClone() as JsonObject ?? [];
        var after = next["spec"]?.DeepClone() as JsonObject ?? [];
        if (before.Str("volumeName") is null or "" && after["volumeName"] is { } volumeName) before["volumeName"] = volumeName.DeepClone();
        var bound = existing.Str("status", "phase") == "Bound";
        var oldSize = Quantity.Parse(existing.Node("spec", "resources", "requests", "storage"));
        var newSize = Quantity.Parse(next.Node("spec", "resources", "requests", "storage"));
        if (bound)
        {
            if (after.Node("resources", "requests") is JsonObject requests && before.Node("resources", "requests", "storage") is { } old)
                requests["storage"] = old.DeepClone();
            if (after["volumeAttributesClassName"] is { } vac) before["volumeAttributesClassName"] = vac.DeepClone();
            else before.Remove("volumeAttributesClassName");
        }
        if (!JsonNode.DeepEquals(before, after))
            errors.Add(FieldError.Forbidden("spec", "spec is immutable after creation except resources.requests and volumeAttributesClassName for bound claims"));
        else if (bound && newSize.Value < oldSize.Value)
            errors.Add(FieldError.Forbidden("spec.resources.requests.storage", "field can not be less than previous value"));
    }

    /// <summary>Go's %#v of a v1.LabelSelector, as immutability errors print it.</summary>
    static string GoSelector(JsonNode? selector)
    {
        var labels = Json.StringMap(selector.Node("matchLabels"));
        var map = labels.Count == 0 ? "map[string]string(nil)"
            : "map[string]string{" + string.Join(", ", labels.OrderBy(l => l.Key, StringComparer.Ordinal).Select(l => $"\"{l.Key}\":\"{l.Value}\"")) + "}";
        return $"v1.LabelSelector{{MatchLabels:{map}, MatchExpressions:[]v1.LabelSelectorRequirement(nil)}}";
    }

    static void ValidatePodSpec(JsonNode? spec, string path, List<FieldError> errors)
    {
        var containers = spec.Arr("containers");
        if (containers.Count == 0)
        {
            errors.Add(FieldError.Required($"{path}.containers"));
            return;
        }
        var names = new HashSet<string>();
        for (var i = 0; i < containers.Count; i++)
        {
            var c = containers[i];
            var cname = c.Str("name");
            if (string.IsNullOrEmpty(cname)) errors.Add(FieldError.Required($"{path}.containers[{i}].name"));
            else if (!NameRules.Dns1123Label().IsMatch(cname)) errors.Add(FieldError.Invalid($"{path}.containers[{i}].name", cname, NameRules.Dns1123LabelMessage));
            else if (!names.Add(cname)) errors.Add(new("FieldValueDuplicate", $"{path}.containers[{i}].name", $"Duplicate value: \"{cname}\""));
            if (string.IsNullOrEmpty(c.Str("image"))) errors.Add(FieldError.Required($"{path}.containers[{i}].image"));
        }
    }

    static void ValidateWorkload(JsonObject obj, List<FieldError> errors)
    {
        var selector = obj.Node("spec", "selector");
        if (selector is not JsonObject)
        {
            errors.Add(FieldError.Required("spec.selector"));
            return;
        }
        var templateLabels = Json.StringMap(obj.Node("spec", "template", "metadata", "labels"));
        var parsed = LabelSelector.FromJson(selector);
        if (parsed.IsEmpty)
            errors.Add(FieldError.Invalid("spec.selector", selector.ToJsonString(), "empty selector is invalid for deployment"));
        else if (!parsed.Matches(templateLabels))
            errors.Add(FieldError.Invalid("spec.template.metadata.labels",
                "map[string]string{" + string.Join(", ", templateLabels.OrderBy(l => l.Key, StringComparer.Ordinal).Select(l => $"\"{l.Key}\":\"{l.Value}\"")) + "}",
                "`selector` does not match template `labels`"));
        ValidatePodSpec(obj.Node("spec", "template", "spec"), "spec.template.spec", errors);
        if (obj.Int("spec", "replicas") is < 0 and var r)
            errors.Add(FieldError.Invalid("spec.replicas", r.ToString()!, "must be greater than or equal to 0"));
    }

    static void ValidateService(JsonObject obj, List<FieldError> errors)
    {
        var type = obj.Str("spec", "type") ?? "ClusterIP";
        var ports = obj.Arr("spec", "ports");
        if (ports.Count == 0 && type != "ExternalName" && obj.Str("spec", "clusterIP") != "None")
            errors.Add(FieldError.Required("spec.ports"));
        for (var i = 0; i < ports.Count; i++)
        {
            var port = ports[i].Int("port");
            if (port is null or < 1 or > 65535)
                errors.Add(port is null
                    ? FieldError.Required($"spec.ports[{i}].port")
                    : FieldError.Invalid($"spec.ports[{i}].port", port.Value.ToString(System.Globalization.CultureInfo.InvariantCulture), "must be between 1 and 65535, inclusive"));
            if (ports.Count > 1 && string.IsNullOrEmpty(ports[i].Str("name")))
                errors.Add(FieldError.Required($"spec.ports[{i}].name"));
        }
    }
}
