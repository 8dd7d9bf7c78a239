namespace Portal.Sandbox.Admission;

/// <summary>
/// The ServiceAccount admission plugin, on pod create: a pod may only name a ServiceAccount that exists. Upstream
/// checks this in its mutating Admit, so it comes before the registry's validation and before PodSecurity.
/// NOTE: <c>default</c> is not checked; the namespace controller creates it moments after the namespace, and
/// skipping it spares tests the brief race a real cluster has there. The serviceAccountName default comes from
/// the registry's defaulting, and no token volume is mounted.
/// </summary>
internal sealed class ServiceAccountAdmission(ObjectStore store) : IMutatingAdmission
{
    public bool Handles(AdmissionOperation operation, ResourceKind kind) => operation == AdmissionOperation.Create && kind == ResourceCatalog.Pods;

    public void Admit(AdmissionAttributes attributes)
    {
        var (pod, ns) = (attributes.Object, attributes.Namespace);
        var account = pod.Str("spec", "serviceAccountName") ?? "default";
        if (account == "default" || store.Get(ResourceCatalog.ServiceAccounts, ns, account) is not null) return;
        throw ApiError.Forbidden(ResourceCatalog.Pods, pod.Name(),
            $"error looking up service account {ns}/{account}: serviceaccount \"{account}\" not found");
    }
}
