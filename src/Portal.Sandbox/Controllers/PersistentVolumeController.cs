using Portal.Sandbox.Admission;
using Portal.Sandbox.Volumes;

namespace Portal.Sandbox.Controllers;

/// <summary>
/// The PersistentVolume controller (pkg/controller/volume/persistentvolume) with dynamic provisioning acted out for
/// every class, plus the pvc-protection and pv-protection controllers. A claim whose class exists gets a volume
/// <c>pvc-&lt;claim uid&gt;</c> and is Bound; one whose class is missing stays Pending with the controller's
/// <c>ProvisioningFailed</c> warning, retried every 15 s (the default <c>--pvclaimbinder-sync-period</c>) and at
/// once when a StorageClass appears. A deleted claim keeps its <c>kubernetes.io/pvc-protection</c> finalizer while
/// a pod that is not finished uses it; once it is gone its volume is deleted (reclaim policy Delete) or Released (Retain).
/// </summary>
/// <remarks>NOTE: no external provisioner needs to run: the sandbox provisions for any provisioner name.</remarks>
internal sealed class PersistentVolumeController(Registry registry, EventRecorder events, VolumeFiles volumes) : IReconciler
{
    const string Component = "persistentvolume-controller";
    const string VolumeKeyPrefix = "pv:";
    static readonly TimeSpan SyncPeriod = TimeSpan.FromSeconds(15);

    public IEnumerable<string> KeysFor(StoreEvent e)
    {
        if (e.Kind == ResourceCatalog.PersistentVolumeClaims) yield return ControllerKeys.For(e.Object);
        else if (e.Kind == ResourceCatalog.PersistentVolumes)
        {
            yield return VolumeKeyPrefix + e.Object.Name();
            if (e.Object.Str("spec", "claimRef", "name") is { } claim) yield return $"{e.Object.Str("spec", "claimRef", "namespace")}/{claim}";
        }
        else if (e.Kind == ResourceCatalog.StorageClasses && e.Type != WatchEventType.Deleted)
        {
            foreach (var claim in registry.List(ResourceCatalog.PersistentVolumeClaims, null, LabelSelector.Everything, FieldSelector.Everything).Items)
                if (claim.Str("spec", "volumeName") is null or "") yield return ControllerKeys.For(claim);
        }
        else if (e.Kind == ResourceCatalog.Pods)
        {
            // A pod going or finishing may release a terminating claim; a new pod may be a claim's first consumer.
            foreach (var claim in ClaimsOf(e.Object)) yield return $"{e.Object.Namespace()}/{claim}";
        }
    }

    public static IEnumerable<string> ClaimsOf(JsonObject pod) =>
        pod.Objects("spec", "volumes").Select(v => v.Str("persistentVolumeClaim", "claimName")).OfType<string>().Distinct();

    public TimeSpan? Reconcile(string key)
    {
        if (key.StartsWith(VolumeKeyPrefix, StringComparison.Ordinal)) return ReconcileVolume(key[VolumeKeyPrefix.Length..]);
        var (ns, name) = ControllerKeys.Split(key);
        var claim = registry.TryGet(ResourceCatalog.PersistentVolumeClaims, ns, name);
        if (claim is null)
        {
            ReleaseVolumesOf(ns, name, uid: null);
            return null;
        }
        if (claim.IsDeleting()) return ReleaseClaim(claim);
        if (claim.Str("spec", "volumeName") is { Length: > 0 } volumeName) return CheckBound(claim, volumeName);
        return Provision(claim);
    }

    TimeSpan? Provision(JsonObject claim)
    {
        var className = claim.Str("metadata", "annotations", "volume.beta.kubernetes.io/storage-class") ?? claim.Str("spec", "storageClassName") ?? "";
        if (className.Length == 0)
        {
            // syncUnboundClaim: no matching volume and no class to provision from.
            SetPending(claim);
            events.Normal(ResourceCatalog.PersistentVolumeClaims, claim, "FailedBinding", "no persistent volumes available for this claim and no storage class is set", Component);
            return null;
        }
        if (registry.TryGet(ResourceCatalog.StorageClasses, null, className) is not { } storageClass)
        {
            // provisionClaim: findProvisionablePlugin's error is the lister's NotFound, as an event.
            SetPending(claim);
            events.Warning(ResourceCatalog.PersistentVolumeClaims, claim, "ProvisioningFailed", $"storageclass.storage.k8s.io \"{className}\" not found", Component);
            return SyncPeriod;
        }
        if (storageClass.Str("volumeBindingMode") == "WaitForFirstConsumer" && !UsedByPod(claim))
        {
            SetPending(claim);
            events.Normal(ResourceCatalog.PersistentVolumeClaims, claim, "WaitForFirstConsumer", "waiting for first consumer to be created before binding", Component);
            return null;
        }

        var provisioner = storageClass.Str("provisioner") ?? "";
        var pvName = "pvc-" + claim.Uid();
        var claimKey = $"{claim.Namespace()}/{claim.Name()}";
        events.Normal(ResourceCatalog.PersistentVolumeClaims, claim, "ExternalProvisioning",
            $"Waiting for a volume to be created either by the external provisioner '{provisioner}' or manually by the system administrator. If volume creation is delayed, please verify that the provisioner is running and correctly registered.", Component);
        events.Normal(ResourceCatalog.PersistentVolumeClaims, claim, "Provisioning", $"External provisioner is provisioning volume for claim \"{claimKey}\"", provisioner);
        var storage = claim.Node("spec", "resources", "requests", "storage")?.DeepClone();
        var volume = registry.TryGet(ResourceCatalog.PersistentVolumes, null, pvName) ?? registry.Create(ResourceCatalog.PersistentVolumes, null, new JsonObject
        {
            ["metadata"] = new JsonObject
            {
                ["name"] = pvName,
                ["annotations"] = new JsonObject { ["pv.kubernetes.io/provisioned-by"] = provisioner },
            },
            ["spec"] = new JsonObject
            {
                ["accessModes"] = claim.Node("spec", "accessModes")?.DeepClone(),
                ["capacity"] = new JsonObject { ["storage"] = storage?.DeepClone() },
                ["claimRef"] = new JsonObject
                {
                    ["kind"] = "PersistentVolumeClaim",
                    ["namespace"] = claim.Namespace(),
                    ["name"] = claim.Name(),
                    ["uid"] = claim.Uid(),
                    ["apiVersion"] = "v1",
                    ["resourceVersion"] = claim.Str("metadata", "resourceVersion"),
                },
                // minikube's hostpath provisioner puts each volume under /tmp/hostpath-provisioner/<namespace>/<claim>.
                ["hostPath"] = new JsonObject { ["path"] = $"/tmp/hostpath-provisioner/{claim.Namespace()}/{claim.Name()}", ["type"] = "" },
                ["persistentVolumeReclaimPolicy"] = storageClass.Str("reclaimPolicy") ?? "Delete",
                ["storageClassName"] = className,
                ["volumeMode"] = claim.Str("spec", "volumeMode") ?? "Filesystem",
            },
        }, new WriteOptions());
        var now = Json.Now();
        var boundVolume = volume.Clone();
        boundVolume["status"] = new JsonObject { ["phase"] = "Bound", ["lastPhaseTransitionTime"] = now };
        registry.Update(ResourceCatalog.PersistentVolumes, null, pvName, boundVolume, statusOnly: true, new WriteOptions());
        events.Normal(ResourceCatalog.PersistentVolumeClaims, claim, "ProvisioningSucceeded", $"Successfully provisioned volume {pvName}", provisioner);

        // bindClaimToVolume, then updateClaimStatus.
        var bound = claim.Clone();
        bound.Obj("spec")["volumeName"] = pvName;
        var annotations = bound.Metadata().Obj("annotations");
        annotations["pv.kubernetes.io/bind-completed"] = "yes";
        annotations["pv.kubernetes.io/bound-by-controller"] = "yes";
        annotations["volume.beta.kubernetes.io/storage-provisioner"] = provisioner;
        annotations["volume.kubernetes.io/storage-provisioner"] = provisioner;
        bound = registry.Update(ResourceCatalog.PersistentVolumeClaims, claim.Namespace(), claim.Name(), bound, statusOnly: false, new WriteOptions());
        var withStatus = bound.Clone();
        withStatus["status"] = new JsonObject
        {
            ["phase"] = "Bound",
            ["accessModes"] = volume.Node("spec", "accessModes")?.DeepClone(),
            ["capacity"] = volume.Node("spec", "capacity")?.DeepClone(),
        };
        registry.Update(ResourceCatalog.PersistentVolumeClaims, claim.Namespace(), claim.Name(), withStatus, statusOnly: true, new WriteOptions());
        return null;
    }

    void SetPending(JsonObject claim)
    {
        if (claim.Str("status", "phase") == "Pending") return;
        var next = claim.Clone();
        next["status"] = new JsonObject { ["phase"] = "Pending" };
        registry.Update(ResourceCatalog.PersistentVolumeClaims, claim.Namespace(), claim.Name(), next, statusOnly: true, new WriteOptions());
    }

    /// <summary>syncBoundClaim: a claim whose volume has gone is Lost.</summary>
    TimeSpan? CheckBound(JsonObject claim, string volumeName)
    {
        if (registry.TryGet(ResourceCatalog.PersistentVolumes, null, volumeName) is { } pv && pv.Str("spec", "claimRef", "uid") == claim.Uid()) return null;
        if (claim.Str("status", "phase") == "Lost") return null;
        var next = claim.Clone();
        next["status"] = new JsonObject { ["phase"] = "Lost" };
        var lost = registry.Update(ResourceCatalog.PersistentVolumeClaims, claim.Namespace(), claim.Name(), next, statusOnly: true, new WriteOptions());
        events.Warning(ResourceCatalog.PersistentVolumeClaims, lost, "ClaimLost", "Bound claim has lost its PersistentVolume. Data on the volume is lost!", Component);
        return null;
    }

    /// <summary>
    /// The pvc-protection controller: a terminating claim loses its finalizer once no pod that is not finished
    /// (Succeeded/Failed) names it, and then goes.
    /// </summary>
    TimeSpan? ReleaseClaim(JsonObject claim)
    {
        if (!claim.Finalizers().Contains(StorageAdmission.PvcProtectionFinalizer) || UsedByPod(claim)) return null;
        var next = claim.Clone();
        next.Metadata()["finalizers"] = new JsonArray([.. claim.Finalizers().Where(f => f != StorageAdmission.PvcProtectionFinalizer).Select(f => (JsonNode)f)]);
        registry.Update(ResourceCatalog.PersistentVolumeClaims, claim.Namespace(), claim.Name(), next, statusOnly: false, new WriteOptions());
        return null;
    }

    bool UsedByPod(JsonObject claim) =>
        registry.List(ResourceCatalog.Pods, claim.Namespace(), LabelSelector.Everything, FieldSelector.Everything).Items
            .Any(p => p.Str("status", "phase") is not ("Succeeded" or "Failed") && ClaimsOf(p).Contains(claim.Name()));

    /// <summary>A claim that went: its volumes are Released, and deleted when their reclaim policy says Delete.</summary>
    void ReleaseVolumesOf(string ns, string name, string? uid)
    {
        foreach (var pv in registry.List(ResourceCatalog.PersistentVolumes, null, LabelSelector.Everything, FieldSelector.Everything).Items.ToList())
        {
            if (pv.Str("spec", "claimRef", "namespace") != ns || pv.Str("spec", "claimRef", "name") != name) continue;
            if (uid is not null && pv.Str("spec", "claimRef", "uid") != uid) continue;
            if (registry.TryGet(ResourceCatalog.PersistentVolumeClaims, ns, name) is { } live && live.Uid() == pv.Str("spec", "claimRef", "uid")) continue;
            if (pv.Str("status", "phase") != "Released")
            {
                var released = pv.Clone();
                released["status"] = new JsonObject { ["phase"] = "Released", ["lastPhaseTransitionTime"] = Json.Now() };
                registry.Update(ResourceCatalog.PersistentVolumes, null, pv.Name(), released, statusOnly: true, new WriteOptions());
            }
            if (pv.Str("spec", "persistentVolumeReclaimPolicy") != "Delete" || pv.IsDeleting()) continue;
            // The provisioner deletes the volume, then the object; the disk's contents go with it.
            volumes.Remove(ns, name);
            registry.Delete(ResourceCatalog.PersistentVolumes, null, pv.Name(), new Registry.DeleteRequest());
        }
    }

    /// <summary>The pv-protection controller: a terminating volume loses its finalizer once it is not Bound.</summary>
    TimeSpan? ReconcileVolume(string name)
    {
        if (registry.TryGet(ResourceCatalog.PersistentVolumes, null, name) is not { } pv || !pv.IsDeleting()) return null;
        if (!pv.Finalizers().Contains(StorageAdmission.PvProtectionFinalizer)) return null;
        var ns = pv.Str("spec", "claimRef", "namespace") ?? "";
        var claimName = pv.Str("spec", "claimRef", "name") ?? "";
        if (pv.Str("status", "phase") == "Bound" && registry.TryGet(ResourceCatalog.PersistentVolumeClaims, ns, claimName) is { } claim
            && claim.Uid() == pv.Str("spec", "claimRef", "uid")) return null;
        var next = pv.Clone();
        next.Metadata()["finalizers"] = new JsonArray([.. pv.Finalizers().Where(f => f != StorageAdmission.PvProtectionFinalizer).Select(f => (JsonNode)f)]);
        registry.Update(ResourceCatalog.PersistentVolumes, null, name, next, statusOnly: false, new WriteOptions());
        return null;
    }
}
