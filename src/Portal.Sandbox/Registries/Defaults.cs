namespace Portal.Sandbox.Registries;

/// <summary>
/// The defaulting the real API server applies on every write. Only absent fields are filled, so defaulting twice
/// changes nothing, which keeps an unchanged server-side apply a no-op.
/// </summary>
internal static class Defaults
{
    public static void Apply(ResourceKind kind, JsonObject obj)
    {
        if (kind == ResourceCatalog.Namespaces) Namespace(obj);
        else if (kind == ResourceCatalog.Pods) PodSpec(obj.Obj("spec"), isPod: true);
        else if (kind == ResourceCatalog.Services) Service(obj.Obj("spec"));
        else if (kind == ResourceCatalog.Secrets) Secret(obj);
        // core/v1 defaults.go SetDefaults_PersistentVolumeClaimSpec / SetDefaults_PersistentVolume; storage/v1 SetDefaults_StorageClass.
        else if (kind == ResourceCatalog.PersistentVolumeClaims) obj.Obj("spec").TryAdd("volumeMode", "Filesystem");
        else if (kind == ResourceCatalog.PersistentVolumes)
        {
            var spec = obj.Obj("spec");
            spec.TryAdd("persistentVolumeReclaimPolicy", "Retain");
            spec.TryAdd("volumeMode", "Filesystem");
        }
        else if (kind == ResourceCatalog.StorageClasses)
        {
            obj.TryAdd("reclaimPolicy", "Delete");
            obj.TryAdd("volumeBindingMode", "Immediate");
        }
        else if (kind == ResourceCatalog.Deployments)
        {
            var spec = obj.Obj("spec");
            spec.TryAdd("replicas", 1);
            spec.TryAdd("strategy", new JsonObject { ["type"] = "RollingUpdate" });
            if (spec.Str("strategy", "type") == "RollingUpdate")
                spec.Obj("strategy").TryAdd("rollingUpdate", new JsonObject { ["maxUnavailable"] = "25%", ["maxSurge"] = "25%" });
            spec.TryAdd("revisionHistoryLimit", 10);
            spec.TryAdd("progressDeadlineSeconds", 600);
            PodSpec(spec.Obj("template").Obj("spec"), isPod: false);
        }
        else if (kind == ResourceCatalog.ReplicaSets)
        {
            var spec = obj.Obj("spec");
            spec.TryAdd("replicas", 1);
            PodSpec(spec.Obj("template").Obj("spec"), isPod: false);
        }
        else if (kind == ResourceCatalog.StatefulSets)
        {
            var spec = obj.Obj("spec");
            spec.TryAdd("replicas", 1);
            spec.TryAdd("podManagementPolicy", "OrderedReady");
            spec.TryAdd("updateStrategy", new JsonObject { ["type"] = "RollingUpdate", ["rollingUpdate"] = new JsonObject { ["partition"] = 0 } });
            spec.TryAdd("revisionHistoryLimit", 10);
            spec.TryAdd("persistentVolumeClaimRetentionPolicy", new JsonObject { ["whenDeleted"] = "Retain", ["whenScaled"] = "Retain" });
            PodSpec(spec.Obj("template").Obj("spec"), isPod: false);
        }
    }

    static void Namespace(JsonObject obj)
    {
        obj.Metadata().Obj("labels")["kubernetes.io/metadata.name"] = obj.Name();
        obj.Obj("spec").TryAdd("finalizers", new JsonArray("kubernetes"));
        obj.Obj("status").TryAdd("phase", "Active");
    }

    static void PodSpec(JsonObject spec, bool isPod)
    {
        spec.TryAdd("restartPolicy", "Always");
        spec.TryAdd("terminationGracePeriodSeconds", 30);
        spec.TryAdd("dnsPolicy", "ClusterFirst");
        spec.TryAdd("securityContext", new JsonObject());
        spec.TryAdd("schedulerName", "default-scheduler");
        if (isPod)
        {
            spec.TryAdd("serviceAccountName", "default");
            spec.TryAdd("serviceAccount", spec.Str("serviceAccountName"));
            spec.TryAdd("enableServiceLinks", true);
            spec.TryAdd("preemptionPolicy", "PreemptLowerPriority");
            spec.TryAdd("priority", 0);
        }
        foreach (var list in new[] { "initContainers", "containers" })
            foreach (var c in spec.Objects(list))
            {
                var image = c.Str("image") ?? "";
                var lastSegment = image[(image.LastIndexOf('/') + 1)..];
                var latest = !lastSegment.Contains(':') && !image.Contains('@') || lastSegment.EndsWith(":latest", StringComparison.Ordinal);
                c.TryAdd("imagePullPolicy", latest ? "Always" : "IfNotPresent");
                c.TryAdd("terminationMessagePath", "/dev/termination-log");
                c.TryAdd("terminationMessagePolicy", "File");
                c.TryAdd("resources", new JsonObject());
                foreach (var port in c.Objects("ports")) port.TryAdd("protocol", "TCP");
            }
    }

    static void Service(JsonObject spec)
    {
        spec.TryAdd("type", "ClusterIP");
        spec.TryAdd("sessionAffinity", "None");
        if (spec.Str("type") != "ExternalName")
        {
            spec.TryAdd("ipFamilies", new JsonArray("IPv4"));
            spec.TryAdd("ipFamilyPolicy", "SingleStack");
            spec.TryAdd("internalTrafficPolicy", "Cluster");
        }
        foreach (var port in spec.Objects("ports"))
        {
            port.TryAdd("protocol", "TCP");
            if (port["port"] is { } p) port.TryAdd("targetPort", p.DeepClone());
        }
    }

    static void Secret(JsonObject obj)
    {
        obj.TryAdd("type", "Opaque");
        // stringData is write-only: merged into data and never stored, as the real server does.
        if (obj["stringData"] is JsonObject stringData)
        {
            var data = obj.Obj("data");
            foreach (var (k, v) in stringData)
                data[k] = Convert.ToBase64String(System.Text.Encoding.UTF8.GetBytes(v?.GetValue<string>() ?? ""));
            obj.Remove("stringData");
        }
    }
}
