namespace Portal.Sandbox.Admission;

/// <summary>
/// What the storage admission plugins (<see cref="DefaultStorageClass"/>, <see cref="StorageObjectInUseProtection"/>)
/// share with the controllers and the registry's seed: the default-class annotations and protection finalizers.
/// </summary>
internal static class StorageAdmission
{
    public const string DefaultClassAnnotation = "storageclass.kubernetes.io/is-default-class";
    const string BetaDefaultClassAnnotation = "storageclass.beta.kubernetes.io/is-default-class";
    public const string PvcProtectionFinalizer = "kubernetes.io/pvc-protection";
    public const string PvProtectionFinalizer = "kubernetes.io/pv-protection";

    public static bool IsDefaultClass(JsonObject storageClass)
    {
        var annotations = storageClass.Annotations();
        return annotations.GetValueOrDefault(DefaultClassAnnotation) == "true" || annotations.GetValueOrDefault(BetaDefaultClassAnnotation) == "true";
    }

    /// <summary>util.GetDefaultClass: with several defaults, the newest wins (Kubernetes 1.26 and later).</summary>
    public static string? DefaultClass(ObjectStore store) =>
        store.List(ResourceCatalog.StorageClasses, null).Where(IsDefaultClass)
            .OrderByDescending(c => c.Str("metadata", "creationTimestamp"), StringComparer.Ordinal)
            .ThenBy(c => c.Name(), StringComparer.Ordinal)
            .Select(c => c.Name()).FirstOrDefault();
}

/// <summary>
/// The DefaultStorageClass admission plugin (plugin/pkg/admission/storage/storageclass/setdefault), mutating, on
/// create: a claim without <c>spec.storageClassName</c> gets the default class.
/// </summary>
internal sealed class DefaultStorageClass(ObjectStore store) : IMutatingAdmission
{
    public bool Handles(AdmissionOperation operation, ResourceKind kind) =>
        operation == AdmissionOperation.Create && kind == ResourceCatalog.PersistentVolumeClaims;

    public void Admit(AdmissionAttributes attributes)
    {
        var obj = attributes.Object;
        // Only an absent field is defaulted: "" asks for no class at all, as does the beta annotation.
        var spec = obj.Obj("spec");
        if (!spec.ContainsKey("storageClassName") && !obj.Annotations().ContainsKey("volume.beta.kubernetes.io/storage-class")
            && StorageAdmission.DefaultClass(store) is { } name)
            spec["storageClassName"] = name;
    }
}

/// <summary>
/// The StorageObjectInUseProtection admission plugin (plugin/pkg/admission/storage/storageobjectinuseprotection),
/// mutating, on create: adds the protection finalizers that the pvc-protection and pv-protection controllers remove
/// once nothing uses the object.
/// </summary>
internal sealed class StorageObjectInUseProtection : IMutatingAdmission
{
    public bool Handles(AdmissionOperation operation, ResourceKind kind) =>
        operation == AdmissionOperation.Create && (kind == ResourceCatalog.PersistentVolumeClaims || kind == ResourceCatalog.PersistentVolumes);

    public void Admit(AdmissionAttributes attributes) =>
        AddFinalizer(attributes.Object, attributes.Kind == ResourceCatalog.PersistentVolumeClaims
            ? StorageAdmission.PvcProtectionFinalizer
            : StorageAdmission.PvProtectionFinalizer);

    static void AddFinalizer(JsonObject obj, string finalizer)
    {
        var finalizers = obj.Finalizers();
        if (finalizers.Contains(finalizer)) return;
        finalizers.Add(finalizer);
        obj.Metadata()["finalizers"] = new JsonArray([.. finalizers.Select(f => (JsonNode)f)]);
    }
}
