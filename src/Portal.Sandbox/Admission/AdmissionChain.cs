namespace Portal.Sandbox.Admission;

internal enum AdmissionOperation { Create, Update }

/// <summary>
/// What a plugin sees of a write, after defaulting (k8s.io/apiserver admission.Attributes, cut down).
/// <see cref="Warnings"/> is null when the caller doesn't collect them.
/// </summary>
internal sealed record AdmissionAttributes(AdmissionOperation Operation, ResourceKind Kind, JsonObject Object, List<string>? Warnings)
{
    public string Namespace => Object.Namespace() ?? "";
}

/// <summary>One admission plugin; like upstream's admission.Interface it says which writes it looks at.</summary>
internal interface IAdmissionPlugin
{
    bool Handles(AdmissionOperation operation, ResourceKind kind);
}

/// <summary>A plugin that may change the object; runs before the registry validates it.</summary>
internal interface IMutatingAdmission : IAdmissionPlugin
{
    void Admit(AdmissionAttributes attributes);
}

/// <summary>A plugin that may only refuse (or warn about) the object; runs after the registry validates it.</summary>
internal interface IValidatingAdmission : IAdmissionPlugin
{
    void Validate(AdmissionAttributes attributes);
}

/// <summary>
/// The admission plugins of a default kube-apiserver that the sandbox simulates, in upstream's order. The registry
/// runs every mutating plugin, then its own validation, then every validating plugin, as the generic registry Store
/// does (mutating admission in the handler, validating admission after strategy validation); the first refusal wins.
/// </summary>
internal sealed class AdmissionChain(IReadOnlyList<IMutatingAdmission> mutating, IReadOnlyList<IValidatingAdmission> validating)
{
    /// <summary>
    /// Order from kubernetes/kubernetes pkg/kubeapiserver/options/plugins.go (AllOrderedPlugins): NamespaceLifecycle,
    /// LimitRanger, ServiceAccount, PodSecurity, DefaultStorageClass, StorageObjectInUseProtection, ..., ResourceQuota
    /// (last). A v1.28 kube-apiserver logs the enabled ones as mutating "NamespaceLifecycle, LimitRanger,
    /// ServiceAccount, ..., DefaultStorageClass, StorageObjectInUseProtection, ..." and validating "LimitRanger,
    /// ServiceAccount, PodSecurity, ..., ResourceQuota".
    /// </summary>
    public static AdmissionChain Default(ObjectStore store)
    {
        var limitRanger = new LimitRanger(store);
        return new(
            [new NamespaceLifecycle(store), limitRanger, new ServiceAccountAdmission(store), new DefaultStorageClass(store), new StorageObjectInUseProtection()],
            [limitRanger, new PodSecurity(store), new ResourceQuotaAdmission(store)]);
    }

    public void Admit(AdmissionAttributes attributes)
    {
        foreach (var plugin in mutating)
            if (plugin.Handles(attributes.Operation, attributes.Kind)) plugin.Admit(attributes);
    }

    public void Validate(AdmissionAttributes attributes)
    {
        foreach (var plugin in validating)
            if (plugin.Handles(attributes.Operation, attributes.Kind)) plugin.Validate(attributes);
    }
}
