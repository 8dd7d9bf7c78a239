namespace Portal.Sandbox.Storage;

/// <summary>Small accessors over Kubernetes objects held as <see cref="JsonObject"/>.</summary>
internal static class Json
{
    public static readonly JsonSerializerOptions Compact = new() { WriteIndented = false };

    public static JsonObject Metadata(this JsonObject obj)
    {
        if (obj["metadata"] is JsonObject meta) return meta;
        meta = new JsonObject();
        obj["metadata"] = meta;
        return meta;
    }

    public static string Name(this JsonObject obj) => obj.Str("metadata", "name") ?? "";

    public static string? Namespace(this JsonObject obj) => obj.Str("metadata", "namespace");

    public static string Uid(this JsonObject obj) => obj.Str("metadata", "uid") ?? "";

    public static long ResourceVersion(this JsonObject obj) =>
        long.TryParse(obj.Str("metadata", "resourceVersion"), out var rv) ? rv : 0;

    public static bool IsDeleting(this JsonObject obj) => obj.Str("metadata", "deletionTimestamp") is not null;

    public static IReadOnlyDictionary<string, string> Labels(this JsonObject obj) => StringMap(obj.Node("metadata", "labels"));

    public static IReadOnlyDictionary<string, string> Annotations(this JsonObject obj) => StringMap(obj.Node("metadata", "annotations"));

    public static IReadOnlyDictionary<string, string> StringMap(JsonNode? node)
    {
        if (node is not JsonObject map) return EmptyMap;
        var result = new Dictionary<string, string>(map.Count, StringComparer.Ordinal);
        foreach (var (k, v) in map)
            if (v is JsonValue value && value.TryGetValue<string>(out var s)) result[k] = s;
        return result;
    }

    static readonly IReadOnlyDictionary<string, string> EmptyMap = new Dictionary<string, string>();

    public static List<string> Finalizers(this JsonObject obj) =>
        obj.Node("metadata", "finalizers") is JsonArray a ? a.Select(n => n?.GetValue<string>() ?? "").ToList() : [];

    public static JsonNode? Node(this JsonNode? node, params ReadOnlySpan<string> path)
    {
        foreach (var segment in path)
        {
            if (node is not JsonObject o) return null;
            node = o[segment];
        }
        return node;
    }

    public static string? Str(this JsonNode? node, params ReadOnlySpan<string> path) =>
        node.Node(path) is JsonValue v && v.TryGetValue<string>(out var s) ? s : null;

    public static long? Int(this JsonNode? node, params ReadOnlySpan<string> path)
    {
        if (node.Node(path) is not JsonValue v) return null;
        if (v.TryGetValue<long>(out var l)) return l;
        if (v.TryGetValue<int>(out var i)) return i;
        if (v.TryGetValue<double>(out var d)) return (long)d;
        if (v.TryGetValue<JsonElement>(out var e) && e.ValueKind == JsonValueKind.Number && e.TryGetInt64(out l)) return l;
        return null;
    }

    public static bool? Bool(this JsonNode? node, params ReadOnlySpan<string> path)
    {
        if (node.Node(path) is not JsonValue v) return null;
        if (v.TryGetValue<bool>(out var b)) return b;
        if (v.TryGetValue<JsonElement>(out var e) && e.ValueKind is JsonValueKind.True or JsonValueKind.False) return e.GetBoolean();
        return null;
    }

    public static JsonArray Arr(this JsonNode? node, params ReadOnlySpan<string> path) =>
        node.Node(path) as JsonArray ?? [];

    public static IEnumerable<JsonObject> Objects(this JsonNode? node, params ReadOnlySpan<string> path) =>
        node.Arr(path).OfType<JsonObject>();

    /// <summary>Returns the object at <paramref name="key"/>, creating it when absent.</summary>
    public static JsonObject Obj(this JsonObject obj, string key)
    {
        if (obj[key] is JsonObject child) return child;
        child = new JsonObject();
        obj[key] = child;
        return child;
    }

    public static JsonObject Clone(this JsonObject obj) => (JsonObject)obj.DeepClone();

    public static bool Same(JsonNode? a, JsonNode? b) => JsonNode.DeepEquals(a, b);

    public static JsonObject Parse(ReadOnlySpan<byte> utf8)
    {
        try
        {
            return JsonNode.Parse(utf8) as JsonObject ?? throw new ApiError(400, "BadRequest", "the request body must be a JSON object");
        }
        catch (JsonException e)
        {
            throw new ApiError(400, "BadRequest", $"the object provided is unrecognized: {e.Message}");
        }
    }

    public static string Now() => DateTime.UtcNow.ToString("yyyy-MM-dd'T'HH:mm:ss'Z'", System.Globalization.CultureInfo.InvariantCulture);

    public static string MicroNow() => DateTime.UtcNow.ToString("yyyy-MM-dd'T'HH:mm:ss.ffffff'Z'", System.Globalization.CultureInfo.InvariantCulture);

    /// <summary>Reads a dotted field path (<c>status.phase</c>, <c>involvedObject.name</c>) as a string for field selectors.</summary>
    public static string? FieldValue(this JsonObject obj, string dottedPath)
    {
        JsonNode? node = obj;
        foreach (var part in dottedPath.Split('.')) node = node.Node(part);
        return node switch
        {
            null => null,
            JsonValue v when v.TryGetValue<string>(out var s) => s,
            JsonValue v => v.ToJsonString(),
            _ => null,
        };
    }
}
