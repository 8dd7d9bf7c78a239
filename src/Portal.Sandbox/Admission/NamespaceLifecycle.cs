using System.Text.Json.Nodes;
using Portal.Sandbox.Api;
using Portal.Sandbox.Storage;

namespace Portal.Sandbox.Admission;

/// <summary>The NamespaceLifecycle admission plugin: no objects in missing or terminating namespaces.</summary>
internal static class NamespaceLifecycle
{
    public static void AdmitCreate(ObjectStore store, ResourceKind kind, JsonObject obj)
    {
        if (!kind.Namespaced) return;
        var ns = obj.Namespace() ?? "";
        var nsObj = store.Get(ResourceCatalog.Namespaces, null, ns) ?? throw ApiError.NotFound(ResourceCatalog.Namespaces, ns);
        if (nsObj.IsDeleting())
            throw ApiError.Forbidden(kind, obj.Name(),
                $"unable to create new content in namespace {ns} because it is being terminated",
                [new JsonObject { ["reason"] = "NamespaceTerminating", ["message"] = $"namespace {ns} is being terminated", ["field"] = "metadata.namespace" }]);
    }
}
