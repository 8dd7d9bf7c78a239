namespace Portal.Sandbox.Api;

/// <summary>Server-side printing (meta.k8s.io/v1 Table), so <c>kubectl get</c> shows the familiar columns.</summary>
internal static class Tables
{
    sealed record Column(string Name, string Type, Func<JsonObject, JsonNode?> Cell, string Format = "");

    public static bool Wanted(string? accept) => accept is not null && accept.Contains("as=Table", StringComparison.Ordinal);

    static readonly Column NameColumn = new("Name", "string", o => o.Name(), "name");
    static readonly Column AgeColumn = new("Age", "string", o => Age(o.Str("metadata", "creationTimestamp")));

    static Column[] ColumnsFor(ResourceKind kind)
    {
        if (kind == ResourceCatalog.Pods)
            return [NameColumn, new("Ready", "string", o => PodReady(o)), new("Status", "string", o => PodStatus(o)), new("Restarts", "string", o => o.Objects("status", "containerStatuses").Sum(c => c.Int("restartCount") ?? 0).ToString(CultureInfo.InvariantCulture)), AgeColumn];
        if (kind == ResourceCatalog.Deployments)
            return [NameColumn, new("Ready", "string", o => $"{o.Int("status", "readyReplicas") ?? 0}/{o.Int("spec", "replicas") ?? 0}"), new("Up-to-date", "integer", o => o.Int("status", "updatedReplicas") ?? 0), new("Available", "integer", o => o.Int("status", "availableReplicas") ?? 0), AgeColumn];
        if (kind == ResourceCatalog.StatefulSets)
            return [NameColumn, new("Ready", "string", o => $"{o.Int("status", "readyReplicas") ?? 0}/{o.Int("spec", "replicas") ?? 0}"), AgeColumn];
        if (kind == ResourceCatalog.ReplicaSets)
            return [NameColumn, new("Desired", "integer", o => o.Int("spec", "replicas") ?? 0), new("Current", "integer", o => o.Int("status", "replicas") ?? 0), new("Ready", "integer", o => o.Int("status", "readyReplicas") ?? 0), AgeColumn];
        if (kind == ResourceCatalog.Services)
            return [NameColumn, new("Type", "string", o => o.Str("spec", "type")), new("Cluster-IP", "string", o => o.Str("spec", "clusterIP") ?? "<none>"), new("External-IP", "string", _ => "<none>"),
                new("Port(s)", "string", o => string.Join(",", o.Objects("spec", "ports").Select(p => $"{p.Int("port")}/{p.Str("protocol") ?? "TCP"}"))), AgeColumn];
        if (kind == ResourceCatalog.Namespaces)
            return [NameColumn, new("Status", "string", o => o.Str("status", "phase")), AgeColumn];
        if (kind == ResourceCatalog.Events)
            return [new("Last Seen", "string", o => Age(o.Str("lastTimestamp") ?? o.Str("eventTime"))), new("Type", "string", o => o.Str("type")), new("Reason", "string", o => o.Str("reason")),
                new("Object", "string", o => $"{o.Str("involvedObject", "kind")?.ToLowerInvariant()}/{o.Str("involvedObject", "name")}"), new("Message", "string", o => o.Str("message"))];
        if (kind == ResourceCatalog.ConfigMaps || kind == ResourceCatalog.Secrets)
            return [NameColumn, new("Data", "integer", o => (o["data"] as JsonObject)?.Count ?? 0), AgeColumn];
        // kubectl's printers.go: persistentVolumeClaimColumnDefinitions, persistentVolumeColumnDefinitions, storageClassColumnDefinitions.
        if (kind == ResourceCatalog.PersistentVolumeClaims)
            return [NameColumn, new("Status", "string", o => o.IsDeleting() ? "Terminating" : o.Str("status", "phase") ?? "Pending"),
                new("Volume", "string", o => o.Str("spec", "volumeName") ?? ""), new("Capacity", "string", o => o.Str("status", "capacity", "storage") ?? ""),
                new("Access Modes", "string", o => AccessModes(o.Node("status", "accessModes"))), new("StorageClass", "string", o => o.Str("spec", "storageClassName") ?? ""),
                new("VolumeAttributesClass", "string", o => o.Str("spec", "volumeAttributesClassName") ?? "<unset>"), AgeColumn];
        if (kind == ResourceCatalog.PersistentVolumes)
            return [NameColumn, new("Capacity", "string", o => o.Str("spec", "capacity", "storage") ?? ""), new("Access Modes", "string", o => AccessModes(o.Node("spec", "accessModes"))),
                new("Reclaim Policy", "string", o => o.Str("spec", "persistentVolumeReclaimPolicy") ?? ""), new("Status", "string", o => o.IsDeleting() ? "Terminating" : o.Str("status", "phase") ?? ""),
                new("Claim", "string", o => o.Str("spec", "claimRef", "name") is { } claim ? $"{o.Str("spec", "claimRef", "namespace")}/{claim}" : ""),
                new("StorageClass", "string", o => o.Str("spec", "storageClassName") ?? ""), new("VolumeAttributesClass", "string", o => o.Str("spec", "volumeAttributesClassName") ?? "<unset>"),
                new("Reason", "string", o => o.Str("status", "reason") ?? ""), AgeColumn];
        if (kind == ResourceCatalog.StorageClasses)
            return [new("Name", "string", o => o.Name() + (Admission.StorageAdmission.IsDefaultClass(o) ? " (default)" : ""), "name"),
                new("Provisioner", "string", o => o.Str("provisioner")), new("ReclaimPolicy", "string", o => o.Str("reclaimPolicy")),
                new("VolumeBindingMode", "string", o => o.Str("volumeBindingMode")), new("AllowVolumeExpansion", "boolean", o => o.Bool("allowVolumeExpansion") ?? false), AgeColumn];
        return [NameColumn, AgeColumn];
    }

    /// <summary>kubectl's short access modes: RWO, ROX, RWX, RWOP (helper.GetAccessModesAsString).</summary>
    static string AccessModes(JsonNode? modes)
    {
        var set = modes is JsonArray a ? a.Select(m => m?.GetValue<string>()).ToHashSet() : [];
        var shortNames = new List<string>();
        if (set.Contains("ReadWriteOnce")) shortNames.Add("RWO");
        if (set.Contains("ReadOnlyMany")) shortNames.Add("ROX");
        if (set.Contains("ReadWriteMany")) shortNames.Add("RWX");
        if (set.Contains("ReadWriteOncePod")) shortNames.Add("RWOP");
        return string.Join(",", shortNames);
    }

    static string PodReady(JsonObject pod)
    {
        var statuses = pod.Objects("status", "containerStatuses").ToList();
        return $"{statuses.Count(s => s.Bool("ready") == true)}/{pod.Arr("spec", "containers").Count}";
    }

    static string PodStatus(JsonObject pod)
    {
        if (pod.IsDeleting()) return "Terminating";
        var waiting = pod.Objects("status", "containerStatuses").Select(s => s.Str("state", "waiting", "reason")).FirstOrDefault(r => r is not null);
        return waiting ?? pod.Str("status", "phase") ?? "Pending";
    }

    static string Age(string? timestamp)
    {
        if (!DateTime.TryParse(timestamp, CultureInfo.InvariantCulture, DateTimeStyles.AdjustToUniversal | DateTimeStyles.AssumeUniversal, out var t)) return "<unknown>";
        var age = DateTime.UtcNow - t;
        if (age < TimeSpan.Zero) age = TimeSpan.Zero;
        return age.TotalMinutes < 2 ? $"{(int)age.TotalSeconds}s"
            : age.TotalMinutes < 10 ? $"{(int)age.TotalMinutes}m{age.Seconds}s"
            : age.TotalHours < 3 ? $"{(int)age.TotalMinutes}m"
            : age.TotalDays < 2 ? $"{(int)age.TotalHours}h"
            : $"{(int)age.TotalDays}d";
    }

    public static void Write(Utf8JsonWriter w, ResourceKind kind, IEnumerable<JsonObject> items, long resourceVersion, string? continueToken)
    {
        var columns = ColumnsFor(kind);
        w.WriteStartObject();
        w.WriteString("kind", "Table");
        w.WriteString("apiVersion", "meta.k8s.io/v1");
        w.WriteStartObject("metadata");
        w.WriteString("resourceVersion", resourceVersion.ToString(CultureInfo.InvariantCulture));
        if (continueToken is not null) w.WriteString("continue", continueToken);
        w.WriteEndObject();
        w.WriteStartArray("columnDefinitions");
        foreach (var c in columns)
        {
            w.WriteStartObject();
            w.WriteString("name", c.Name);
            w.WriteString("type", c.Type);
            w.WriteString("format", c.Format);
            w.WriteString("description", c.Name);
            w.WriteNumber("priority", 0);
            w.WriteEndObject();
        }
        w.WriteEndArray();
        w.WriteStartArray("rows");
        foreach (var item in items)
        {
            w.WriteStartObject();
            w.WriteStartArray("cells");
            foreach (var c in columns)
            {
                var cell = c.Cell(item);
                if (cell is null) w.WriteStringValue("<none>");
                else cell.WriteTo(w);
            }
            w.WriteEndArray();
            w.WriteStartObject("object");
            w.WriteString("kind", "PartialObjectMetadata");
            w.WriteString("apiVersion", "meta.k8s.io/v1");
            w.WritePropertyName("metadata");
            (item["metadata"] ?? new JsonObject()).WriteTo(w);
            w.WriteEndObject();
            w.WriteEndObject();
        }
        w.WriteEndArray();
        w.WriteEndObject();
    }
}
