namespace Portal.Sandbox.Storage;

/// <summary>Saves and loads every stored object as one JSON document. Watch history is not kept.</summary>
internal static class StateFile
{
    public static void Save(string path, ObjectStore store)
    {
        JsonObject document;
        lock (store.Gate)
        {
            var objects = new JsonArray();
            foreach (var (kind, obj) in store.Everything())
                objects.Add(new JsonObject { ["resource"] = kind.ToString(), ["object"] = obj.DeepClone() });
            document = new JsonObject { ["resourceVersion"] = store.Revision, ["objects"] = objects };
        }
        var dir = Path.GetDirectoryName(Path.GetFullPath(path));
        if (dir is not null) Directory.CreateDirectory(dir);
        var temp = path + ".tmp";
        File.WriteAllText(temp, document.ToJsonString(new JsonSerializerOptions { WriteIndented = true }));
        // Replace atomically, so a crash mid-save never leaves a truncated state file behind.
        File.Move(temp, path, overwrite: true);
    }

    public static void Load(string path, ObjectStore store)
    {
        if (!File.Exists(path)) return;
        var document = JsonNode.Parse(File.ReadAllText(path)) as JsonObject
            ?? throw new InvalidDataException($"Sandbox state file {path} is not a JSON object.");
        var revision = document.Int("resourceVersion") ?? 0;
        lock (store.Gate)
        {
            foreach (var entry in document.Objects("objects"))
            {
                var name = entry.Str("resource") ?? "";
                var kind = ResourceCatalog.All.FirstOrDefault(k => k.ToString() == name)
                    ?? throw new InvalidDataException($"Sandbox state file {path} holds unknown resource {name}.");
                if (entry["object"] is JsonObject obj) store.Restore(kind, obj.Clone(), revision);
            }
        }
    }
}
