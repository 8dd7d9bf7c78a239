using System.Text.Json.Nodes;
using Portal.Sandbox.Api;
using Portal.Sandbox.Storage;

namespace Portal.Sandbox.Admission;

/// <summary>
/// The ServiceAccount admission plugin: a pod may only name a ServiceAccount that exists.
/// NOTE: <c>default</c> is not checked; the namespace controller creates it moments after the namespace, and
/// skipping it spares tests the brief race a real cluster has there.
/// </summary>
internal static class ServiceAccountAdmission
{
    public static void Admit(ObjectStore store, JsonObject pod)
    {
        var ns = pod.Namespace() ?? "";
        var account = pod.Str("spec", "serviceAccountName") ?? "default";
        if (account == "default" || store.Get(ResourceCatalog.ServiceAccounts, ns, account) is not null) return;
        throw ApiError.Forbidden(ResourceCatalog.Pods, pod.Name(),
            $"error looking up service account {ns}/{account}: serviceaccount \"{account}\" not found");
    }
}
