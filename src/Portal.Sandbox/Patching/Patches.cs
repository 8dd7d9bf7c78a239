namespace Portal.Sandbox.Patching;

/// <summary>The three classic PATCH content types.</summary>
internal static class Patches
{
    /// <summary>RFC 7386 JSON merge patch: objects merge, null deletes, everything else (lists too) replaces.</summary>
    public static JsonNode? MergePatch(JsonNode? target, JsonNode? patch)
    {
        if (patch is not JsonObject patchObject) return patch?.DeepClone();
        var result = target is JsonObject t ? t.Clone() : new JsonObject();
        foreach (var (key, value) in patchObject)
        {
            if (value is null) result.Remove(key);
            else result[key] = MergePatch(result[key], value);
        }
        return result;
    }

    /// <summary>
    /// Strategic merge patch. Approximation: list merge keys come from <see cref="MergeKeys"/> rather than the
    /// Go struct tags; the directives <c>$patch</c> (replace/delete/merge), <c>$retainKeys</c>,
    /// <c>$deleteFromPrimitiveList/</c> and <c>$setElementOrder/</c> are honoured.
    /// </summary>
    public static JsonNode? StrategicMerge(JsonNode? target, JsonNode? patch, string? field = null)
    {
        if (patch is JsonArray patchList) return MergeList(target as JsonArray, patchList, field);
        if (patch is not JsonObject patchObject) return patch?.DeepClone();

        var directive = patchObject.Str("$patch");
        if (directive == "replace")
        {
            var replaced = patchObject.Clone();
            replaced.Remove("$patch");
            return replaced;
        }
        var result = target is JsonObject t ? t.Clone() : new JsonObject();
        if (patchObject["$retainKeys"] is JsonArray retain)
        {
            var keep = retain.Select(n => n?.GetValue<string>()).ToHashSet();
            foreach (var key in result.Select(p => p.Key).Where(k => !keep.Contains(k)).ToList()) result.Remove(key);
        }
        var orders = new Dictionary<string, JsonArray>();
        foreach (var (key, value) in patchObject)
        {
            if (key is "$patch" or "$retainKeys") continue;
            if (key.StartsWith("$setElementOrder/", StringComparison.Ordinal))
            {
                if (value is JsonArray order) orders[key["$setElementOrder/".Length..]] = order;
                continue;
            }
            if (key.StartsWith("$deleteFromPrimitiveList/", StringComparison.Ordinal))
            {
                var listName = key["$deleteFromPrimitiveList/".Length..];
                if (result[listName] is JsonArray existing && value is JsonArray remove)
                {
                    var kept = existing.Where(e => !remove.Any(r => JsonNode.DeepEquals(e, r))).Select(e => e?.DeepClone());
                    result[listName] = new JsonArray([.. kept]);
                }
                continue;
            }
            if (value is null) result.Remove(key);
            else if (value is JsonObject vo && vo.Str("$patch") == "delete") result.Remove(key);
            else result[key] = StrategicMerge(result[key], value, key);
        }
        foreach (var (listName, order) in orders)
            if (result[listName] is JsonArray list) result[listName] = Reorder(list, order, MergeKeys.For(listName, list));
        return result;
    }

    static JsonArray MergeList(JsonArray? target, JsonArray patch, string? field)
    {
        var key = MergeKeys.For(field, patch, target);
        if (key is null || patch.Any(i => i is not JsonObject))
        {
            // Lists without a merge key are atomic; a lone {"$patch":"replace"} marker is dropped.
            return new JsonArray([.. patch.Where(i => !(i is JsonObject o && o.Str("$patch") is not null && o.Count == 1)).Select(i => i?.DeepClone())]);
        }
        if (patch.OfType<JsonObject>().Any(i => i.Str("$patch") == "replace"))
            return new JsonArray([.. patch.OfType<JsonObject>().Where(i => i.Str("$patch") != "replace").Select(i => i.DeepClone())]);

        var result = target is null ? new JsonArray() : (JsonArray)target.DeepClone();
        foreach (var item in patch.OfType<JsonObject>())
        {
            var existing = MergeKeys.FindByKey(result, key, item[key]);
            if (item.Str("$patch") == "delete")
            {
                if (existing is not null) result.Remove(existing);
                continue;
            }
            if (existing is null) result.Add(StrategicMerge(null, item));
            else
            {
                var index = result.IndexOf(existing);
                result[index] = StrategicMerge(existing, item);
            }
        }
        return result;
    }

    static JsonArray Reorder(JsonArray list, JsonArray order, string? key)
    {
        if (key is null) return list;
        var ordered = new List<JsonNode?>();
        foreach (var wanted in order)
        {
            var keyValue = wanted is JsonObject w ? w[key] : wanted;
            var match = MergeKeys.FindByKey(list, key, keyValue);
            if (match is not null) ordered.Add(match);
        }
        ordered.AddRange(list.Where(i => !ordered.Contains(i)));
        return new JsonArray([.. ordered.Select(i => i?.DeepClone())]);
    }

    /// <summary>RFC 6902 JSON patch (add, remove, replace, move, copy, test).</summary>
    public static JsonObject JsonPatch(JsonObject target, JsonArray operations)
    {
        JsonNode root = target.Clone();
        foreach (var op in operations)
        {
            if (op is not JsonObject o) throw ApiError.BadRequest("the JSON patch must be an array of operation objects");
            var path = o.Str("path") ?? throw ApiError.BadRequest("missing path in JSON patch operation");
            switch (o.Str("op"))
            {
                case "add": root = Add(root, path, o["value"]?.DeepClone()); break;
                case "remove": Remove(root, path); break;
                case "replace":
                    Remove(root, path);
                    root = Add(root, path, o["value"]?.DeepClone());
                    break;
                case "move":
                    {
                        var from = o.Str("from") ?? throw ApiError.BadRequest("missing from in JSON patch move");
                        var value = Resolve(root, from)?.DeepClone();
                        Remove(root, from);
                        root = Add(root, path, value);
                        break;
                    }
                case "copy":
                    {
                        var from = o.Str("from") ?? throw ApiError.BadRequest("missing from in JSON patch copy");
                        root = Add(root, path, Resolve(root, from)?.DeepClone());
                        break;
                    }
                case "test":
                    if (!JsonNode.DeepEquals(Resolve(root, path), o["value"]))
                        throw new ApiError(422, "Invalid", $"the server rejected our request due to an error in our request: testing value {path} failed");
                    break;
                case var other:
                    throw ApiError.BadRequest($"Unexpected kind: {other}");
            }
        }
        return root as JsonObject ?? throw ApiError.BadRequest("the JSON patch replaced the object with a non-object");
    }

    static List<string> Tokens(string pointer)
    {
        if (pointer.Length == 0) return [];
        if (pointer[0] != '/') throw ApiError.BadRequest($"JSON pointer \"{pointer}\" must start with '/'");
        return pointer[1..].Split('/').Select(t => t.Replace("~1", "/", StringComparison.Ordinal).Replace("~0", "~", StringComparison.Ordinal)).ToList();
    }

    static JsonNode? Resolve(JsonNode? node, string pointer)
    {
        foreach (var token in Tokens(pointer))
        {
            node = node switch
            {
                JsonObject o when o.TryGetPropertyValue(token, out var child) => child,
                JsonArray a when int.TryParse(token, out var i) && i >= 0 && i < a.Count => a[i],
                _ => throw new ApiError(422, "Invalid", $"the server rejected our request due to an error in our request: doc is missing path: \"{pointer}\""),
            };
        }
        return node;
    }

    static JsonNode Add(JsonNode root, string pointer, JsonNode? value)
    {
        var tokens = Tokens(pointer);
        if (tokens.Count == 0) return value ?? throw ApiError.BadRequest("cannot replace the document with null");
        var parent = Resolve(root, "/" + string.Join('/', tokens[..^1].Select(Escape)));
        var last = tokens[^1];
        switch (parent)
        {
            case JsonObject o: o[last] = value; break;
            case JsonArray a when last == "-": a.Add(value); break;
            case JsonArray a when int.TryParse(last, out var i) && i >= 0 && i <= a.Count: a.Insert(i, value); break;
            default: throw new ApiError(422, "Invalid", $"the server rejected our request due to an error in our request: doc is missing path: \"{pointer}\"");
        }
        return root;
    }

    static void Remove(JsonNode root, string pointer)
    {
        var tokens = Tokens(pointer);
        var parent = Resolve(root, tokens.Count <= 1 ? "" : "/" + string.Join('/', tokens[..^1].Select(Escape)));
        var last = tokens[^1];
        var removed = parent switch
        {
            JsonObject o => o.Remove(last),
            JsonArray a when int.TryParse(last, out var i) && i >= 0 && i < a.Count => RemoveAt(a, i),
            _ => false,
        };
        if (!removed)
            throw new ApiError(422, "Invalid", $"the server rejected our request due to an error in our request: Unable to remove nonexistent key: {last}: missing value");
    }

    static bool RemoveAt(JsonArray a, int i)
    {
        a.RemoveAt(i);
        return true;
    }

    static string Escape(string token) => token.Replace("~", "~0", StringComparison.Ordinal).Replace("/", "~1", StringComparison.Ordinal);
}
