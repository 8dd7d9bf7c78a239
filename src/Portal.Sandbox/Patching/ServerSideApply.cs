namespace Portal.Sandbox.Patching;

/// <summary>
/// Server-side apply, approximated. The applied configuration is overlaid onto the live object (maps merge,
/// keyed lists merge by their merge key, other values replace). Each manager's field set is recorded in
/// metadata.managedFields in the FieldsV1 format; a field the manager applied before but omits now is removed
/// unless another manager still owns it. A conflict is a field owned by another manager whose live value the
/// applied configuration would change; <c>force</c> takes ownership instead.
/// </summary>
internal static class ServerSideApply
{
    static readonly string[] ServerOwnedMetadata = ["resourceVersion", "uid", "creationTimestamp", "managedFields", "generation", "selfLink", "deletionTimestamp", "deletionGracePeriodSeconds"];

    /// <summary>Drops what an applier may not own: server-set metadata and (on the main resource) status.</summary>
    public static JsonObject Sanitize(JsonObject applied, bool dropStatus)
    {
        var clean = applied.Clone();
        if (clean["metadata"] is JsonObject meta)
            foreach (var field in ServerOwnedMetadata) meta.Remove(field);
        if (dropStatus) clean.Remove("status");
        return clean;
    }

    /// <summary>The FieldsV1 set of an applied configuration.</summary>
    public static JsonObject FieldsOf(JsonObject obj)
    {
        var set = new JsonObject();
        foreach (var (key, value) in obj)
        {
            if (key is "apiVersion" or "kind") continue;
            if (key == "metadata" && value is JsonObject meta)
            {
                // Identity fields are not owned by anyone, as in the real managedFields.
                var owned = FieldsOfValue(key, new JsonObject(meta.Where(p => p.Key is not ("name" or "namespace")).Select(p => KeyValuePair.Create(p.Key, p.Value?.DeepClone()))));
                if (owned.Any(p => p.Key != ".")) set["f:metadata"] = owned;
                continue;
            }
            set["f:" + key] = FieldsOfValue(key, value);
        }
        return set;
    }

    static JsonObject FieldsOfValue(string field, JsonNode? value)
    {
        switch (value)
        {
            case JsonObject o:
                {
                    var set = new JsonObject();
                    if (o.Count > 0) set["."] = new JsonObject();
                    foreach (var (k, v) in o) set["f:" + k] = FieldsOfValue(k, v);
                    return set;
                }
            case JsonArray a when MergeKeys.For(field, a) is { } key && a.All(i => i is JsonObject):
                {
                    var set = new JsonObject();
                    foreach (var item in a.OfType<JsonObject>())
                    {
                        var itemSet = FieldsOfValue("", item);
                        set[ItemKey(key, item[key])] = itemSet;
                    }
                    return set;
                }
            default:
                return new JsonObject();
        }
    }

    static string ItemKey(string key, JsonNode? value) =>
        "k:" + new JsonObject { [key] = value?.DeepClone() }.ToJsonString();

    /// <summary>Overlays <paramref name="applied"/> onto <paramref name="live"/> (see the class remarks).</summary>
    public static JsonNode? Overlay(JsonNode? live, JsonNode? applied, string? field = null)
    {
        switch (applied)
        {
            case JsonObject a:
                {
                    var result = live is JsonObject l ? l.Clone() : new JsonObject();
                    foreach (var (k, v) in a) result[k] = Overlay(result[k], v, k);
                    return result;
                }
            case JsonArray a when MergeKeys.For(field, a, live as JsonArray) is { } key && a.All(i => i is JsonObject) && live is JsonArray liveList:
                {
                    var result = (JsonArray)liveList.DeepClone();
                    foreach (var item in a.OfType<JsonObject>())
                    {
                        var existing = MergeKeys.FindByKey(result, key, item[key]);
                        if (existing is null) result.Add(item.DeepClone());
                        else result[result.IndexOf(existing)] = Overlay(existing, item);
                    }
                    return result;
                }
            default:
                return applied?.DeepClone();
        }
    }

    /// <summary>Removes from <paramref name="obj"/> what <paramref name="previous"/> owned, <paramref name="current"/> no longer names, and <paramref name="others"/> don't own.</summary>
    public static void RemoveDropped(JsonNode? obj, JsonObject previous, JsonObject current, JsonObject others)
    {
        foreach (var (element, prevChild) in previous)
        {
            if (element == ".") continue;
            var target = Locate(obj, element);
            if (!current.ContainsKey(element))
            {
                if (!others.ContainsKey(element)) RemoveElement(obj, element);
                continue;
            }
            if (prevChild is JsonObject p && current[element] is JsonObject c && target is not null)
                RemoveDropped(target, p, c, others[element] as JsonObject ?? []);
        }
    }

    static JsonNode? Locate(JsonNode? node, string element)
    {
        if (element.StartsWith("f:", StringComparison.Ordinal)) return node is JsonObject o ? o[element[2..]] : null;
        if (element.StartsWith("k:", StringComparison.Ordinal) && node is JsonArray a)
        {
            var keys = JsonNode.Parse(element[2..]) as JsonObject ?? [];
            return a.OfType<JsonObject>().FirstOrDefault(i => keys.All(k => JsonNode.DeepEquals(i[k.Key], k.Value)));
        }
        return null;
    }

    static void RemoveElement(JsonNode? node, string element)
    {
        if (element.StartsWith("f:", StringComparison.Ordinal) && node is JsonObject o) o.Remove(element[2..]);
        else if (Locate(node, element) is { } item && node is JsonArray a) a.Remove(item);
    }

    /// <summary>Leaf paths of a field set, each as its list of path elements.</summary>
    public static IEnumerable<List<string>> Leaves(JsonObject set, List<string>? prefix = null)
    {
        prefix ??= [];
        foreach (var (element, child) in set)
        {
            if (element == ".") continue;
            var path = new List<string>(prefix) { element };
            if (child is JsonObject c && c.Any(p => p.Key != ".")) foreach (var leaf in Leaves(c, path)) yield return leaf;
            else yield return path;
        }
    }

    public static bool Contains(JsonObject set, List<string> path)
    {
        JsonNode? node = set;
        foreach (var element in path)
        {
            if (node is not JsonObject o || !o.TryGetPropertyValue(element, out node)) return false;
        }
        return true;
    }

    static JsonNode? ValueAt(JsonNode? obj, List<string> path)
    {
        foreach (var element in path)
        {
            obj = Locate(obj, element);
            if (obj is null) return null;
        }
        return obj;
    }

    public static void RemovePath(JsonObject set, List<string> path)
    {
        var chain = new List<JsonObject> { set };
        foreach (var element in path[..^1])
        {
            if (chain[^1][element] is not JsonObject next) return;
            chain.Add(next);
        }
        chain[^1].Remove(path[^1]);
        // Drop parents that became empty (apart from the "." marker) so the set stays minimal.
        for (var i = chain.Count - 1; i > 0; i--)
        {
            if (chain[i].Any(p => p.Key != ".")) break;
            chain[i - 1].Remove(path[i - 1]);
        }
    }

    public static JsonObject Union(IEnumerable<JsonObject> sets)
    {
        var union = new JsonObject();
        foreach (var set in sets) UnionInto(union, set);
        return union;
    }

    static void UnionInto(JsonObject target, JsonObject source)
    {
        foreach (var (k, v) in source)
        {
            if (target[k] is not JsonObject t) target[k] = t = new JsonObject();
            if (v is JsonObject s) UnionInto(t, s);
        }
    }

    /// <summary>
    /// Computes the applied object and its managedFields. Returns null when applying changes nothing.
    /// Throws 409 Conflict listing the fields another manager owns, unless <paramref name="force"/>.
    /// </summary>
    public static JsonObject Apply(ResourceKind kind, JsonObject live, JsonObject applied, string manager, bool force)
    {
        var managed = live.Node("metadata", "managedFields") as JsonArray ?? [];
        var entries = managed.OfType<JsonObject>().Select(e => e.Clone()).ToList();
        var mine = entries.FirstOrDefault(e => e.Str("manager") == manager && e.Str("operation") == "Apply");
        var previousSet = mine?["fieldsV1"] as JsonObject ?? [];
        var newSet = FieldsOf(applied);

        var conflicts = new List<(string Manager, string ApiVersion, List<string> Path)>();
        foreach (var other in entries.Where(e => e != mine))
        {
            if (other["fieldsV1"] is not JsonObject otherSet) continue;
            foreach (var leaf in Leaves(newSet).ToList())
            {
                if (!Contains(otherSet, leaf)) continue;
                if (JsonNode.DeepEquals(ValueAt(live, leaf), ValueAt(applied, leaf))) continue;
                if (force) RemovePath(otherSet, leaf);
                else conflicts.Add((other.Str("manager") ?? "", other.Str("apiVersion") ?? kind.GroupVersion, leaf));
            }
        }
        if (conflicts.Count > 0)
        {
            var lines = conflicts.Select(c => $"conflict with \"{c.Manager}\"{(c.ApiVersion.Length > 0 ? " using " + c.ApiVersion : "")}: {Describe(c.Path)}").ToList();
            var message = conflicts.Count == 1
                ? $"Apply failed with 1 conflict: {lines[0]}"
                : $"Apply failed with {conflicts.Count} conflicts: {string.Join("\n", lines)}";
            var causes = new JsonArray([.. conflicts.Select(c => (JsonNode)new JsonObject
            {
                ["reason"] = "FieldManagerConflict",
                ["message"] = $"conflict with \"{c.Manager}\"{(c.ApiVersion.Length > 0 ? " using " + c.ApiVersion : "")}",
                ["field"] = Describe(c.Path),
            })]);
            var details = new JsonObject { ["name"] = live.Name() };
            if (kind.Group.Length > 0) details["group"] = kind.Group;
            details["kind"] = kind.Plural;
            details["causes"] = causes;
            throw new ApiError(409, "Conflict", message, details);
        }

        var othersUnion = Union(entries.Where(e => e != mine).Select(e => e["fieldsV1"] as JsonObject ?? []));
        var result = (JsonObject)Overlay(live, applied)!;
        RemoveDropped(result, previousSet, newSet, othersUnion);

        entries.RemoveAll(e => e != mine && e["fieldsV1"] is JsonObject s && !s.Any(p => p.Key != "."));
        if (mine is null || !JsonNode.DeepEquals(previousSet, newSet))
            Record(entries, mine, kind, manager, "Apply", newSet);
        result.Metadata()["managedFields"] = new JsonArray([.. entries]);
        return result;
    }

    /// <summary>Renders a path the way apply conflicts do: <c>.spec.replicas</c>, <c>.spec.containers[name="app"].image</c>.</summary>
    static string Describe(List<string> path)
    {
        var sb = new System.Text.StringBuilder();
        foreach (var element in path)
        {
            if (element.StartsWith("f:", StringComparison.Ordinal)) sb.Append('.').Append(element[2..]);
            else if (element.StartsWith("k:", StringComparison.Ordinal) && JsonNode.Parse(element[2..]) is JsonObject keys)
                sb.Append('[').Append(string.Join(",", keys.Select(k => $"{k.Key}={k.Value?.ToJsonString()}"))).Append(']');
        }
        return sb.ToString();
    }

    /// <summary>
    /// Records an Update operation by <paramref name="manager"/>: it takes ownership of every leaf it changed.
    /// </summary>
    public static void RecordUpdate(ResourceKind kind, JsonObject before, JsonObject after, string manager)
    {
        var changed = Leaves(FieldsOf(StripForDiff(after))).Where(p => !JsonNode.DeepEquals(ValueAt(before, p), ValueAt(after, p))).ToList();
        if (changed.Count == 0 && before.Node("metadata", "managedFields") is not null) return;
        var entries = (before.Node("metadata", "managedFields") as JsonArray ?? []).OfType<JsonObject>().Select(e => e.Clone()).ToList();
        foreach (var other in entries.Where(e => e.Str("manager") != manager))
            if (other["fieldsV1"] is JsonObject set) foreach (var p in changed) RemovePath(set, p);
        var mine = entries.FirstOrDefault(e => e.Str("manager") == manager && e.Str("operation") == "Update");
        var mineSet = mine?["fieldsV1"] as JsonObject ?? [];
        var newSet = Union([mineSet, FieldsFromPaths(changed)]);
        Record(entries, mine, kind, manager, "Update", newSet);
        entries.RemoveAll(e => e["fieldsV1"] is JsonObject s && !s.Any(p => p.Key != "."));
        after.Metadata()["managedFields"] = new JsonArray([.. entries]);
    }

    /// <summary>Writes the manager's managedFields entry for this operation, in place of its previous one if any.</summary>
    static void Record(List<JsonObject> entries, JsonObject? previous, ResourceKind kind, string manager, string operation, JsonObject fields)
    {
        var entry = new JsonObject
        {
            ["manager"] = manager,
            ["operation"] = operation,
            ["apiVersion"] = kind.GroupVersion,
            ["time"] = Json.Now(),
            ["fieldsType"] = "FieldsV1",
            ["fieldsV1"] = fields,
        };
        if (previous is null) entries.Add(entry);
        else entries[entries.IndexOf(previous)] = entry;
    }

    static JsonObject StripForDiff(JsonObject obj)
    {
        var clean = obj.Clone();
        if (clean["metadata"] is JsonObject meta)
            foreach (var field in ServerOwnedMetadata) meta.Remove(field);
        clean.Remove("status");
        return clean;
    }

    static JsonObject FieldsFromPaths(IEnumerable<List<string>> paths)
    {
        var set = new JsonObject();
        foreach (var path in paths)
        {
            var node = set;
            foreach (var element in path)
            {
                if (node[element] is not JsonObject next) node[element] = next = new JsonObject();
                node = next;
            }
        }
        return set;
    }
}
