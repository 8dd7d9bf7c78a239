namespace Portal.Sandbox.Admission;

/// <summary>The NamespaceLifecycle admission plugin (mutating, as upstream): no objects in missing or terminating namespaces.</summary>
internal sealed class NamespaceLifecycle(ObjectStore store) : IMutatingAdmission
{
    public bool Handles(AdmissionOperation operation, ResourceKind kind) => operation == AdmissionOperation.Create && kind.Namespaced;

    public void Admit(AdmissionAttributes attributes)
    {
        var (kind, obj, ns) = (attributes.Kind, attributes.Object, attributes.Namespace);
        var nsObj = store.Get(ResourceCatalog.Namespaces, null, ns) ?? throw ApiError.NotFound(ResourceCatalog.Namespaces, ns);
        if (nsObj.IsDeleting())
            throw ApiError.Forbidden(kind, obj.Name(),
                $"unable to create new content in namespace {ns} because it is being terminated",
                [new JsonObject { ["reason"] = "NamespaceTerminating", ["message"] = $"namespace {ns} is being terminated", ["field"] = "metadata.namespace" }]);
    }
}
