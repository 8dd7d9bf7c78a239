namespace Portal.Sandbox.Api;

/// <summary>
/// A request RBAC allowed: who, the verb, and the resource as a rule names it (<c>pods/portforward</c>).
/// </summary>
/// <param name="User">The caller, e.g. <c>system:serviceaccount:NS:NAME</c>.</param>
/// <param name="Verb">The RBAC verb.</param>
/// <param name="Group">API group ("" for core).</param>
/// <param name="Resource">Resource, with the subresource after a slash.</param>
/// <param name="Namespace">The request's namespace; null cluster-wide.</param>
public sealed record AuthorizedRequest(string User, string Verb, string Group, string Resource, string? Namespace);

/// <summary>Every request RBAC allowed for a caller other than the sandbox's administrator, as it was decided.</summary>
public sealed class AuthorizationLog
{
    /// <summary>Raised on the request's thread after each allowed decision (a request may need two: apply that creates, a WebSocket upgrade).</summary>
    public event Action<AuthorizedRequest>? Allowed;

    internal void Record(Caller caller, RequestAttributes request) =>
        Allowed?.Invoke(new AuthorizedRequest(caller.User, request.Verb, request.Group, request.RuleResource, request.Namespace));
}

/// <summary>
/// What the API server's request-info resolver makes of a request, the input of every authorization decision: verb
/// (get, list, watch, create, update, patch, delete, deletecollection), API group, resource, subresource, namespace
/// and name. Null for non-resource paths (discovery, /version, health), which every authenticated user may read.
/// </summary>
internal sealed record RequestAttributes(string Verb, string Group, string Resource, string? Subresource, string? Namespace, string? Name)
{
    public static RequestAttributes? From(string method, string path, IQueryCollection query)
    {
        var segments = path.Split('/', StringSplitOptions.RemoveEmptyEntries).Select(Uri.UnescapeDataString).ToArray();
        string group;
        int rest;
        if (segments.Length >= 3 && segments[0] == "api") (group, rest) = ("", 2);
        else if (segments.Length >= 4 && segments[0] == "apis") (group, rest) = (segments[1], 3);
        else return null;

        var tail = segments[rest..];
        var watchPrefix = tail.Length > 0 && tail[0] == "watch";
        if (watchPrefix) tail = tail[1..];
        string? ns = null;
        // namespaces/{ns}/{resource}/... ; "namespaces/{name}" alone is the namespace object itself.
        if (tail.Length >= 3 && tail[0] == "namespaces")
        {
            ns = tail[1];
            tail = tail[2..];
        }
        if (tail.Length == 0) return null;

        var resource = tail[0];
        var name = tail.Length > 1 ? tail[1] : null;
        var subresource = tail.Length > 2 ? tail[2] : null;
        // A namespace's own subresources (namespaces/{name}/status) resolve as above with ns set; undo that.
        if (ns is not null && ResourceCatalog.All.All(k => k.Plural != resource || k.Group != group) && resource is not "namespaces")
        {
            (resource, name, subresource, ns) = ("namespaces", ns, resource, null);
        }

        var watch = watchPrefix || string.Equals(query["watch"], "true", StringComparison.OrdinalIgnoreCase) || query["watch"] == "1";
        var verb = method switch
        {
            "GET" or "HEAD" when watch => "watch",
            "GET" or "HEAD" => name is null ? "list" : "get",
            "POST" => "create",
            "PUT" => "update",
            "PATCH" => "patch",
            "DELETE" => name is null ? "deletecollection" : "delete",
            _ => method.ToLowerInvariant(),
        };
        // services/{name}:{port}/proxy/...: the proxy's verb is the HTTP method's, on the service's proxy subresource.
        if (subresource == "proxy" && verb is "list") verb = "get";
        return new(verb, group, resource, subresource, ns, name);
    }

    /// <summary>The attributes a SelfSubjectAccessReview's spec.resourceAttributes asks about.</summary>
    public static RequestAttributes FromReview(JsonObject resourceAttributes) => new(
        resourceAttributes.Str("verb") ?? "",
        resourceAttributes.Str("group") ?? "",
        resourceAttributes.Str("resource") ?? "",
        NullIfEmpty(resourceAttributes.Str("subresource")),
        NullIfEmpty(resourceAttributes.Str("namespace")),
        NullIfEmpty(resourceAttributes.Str("name")));

    static string? NullIfEmpty(string? s) => string.IsNullOrEmpty(s) ? null : s;

    /// <summary>"pods", "pods/log": the resource as RBAC rules name it.</summary>
    public string RuleResource => Subresource is null ? Resource : $"{Resource}/{Subresource}";
}

/// <summary>
/// Who a request is from. The sandbox's own kubeconfig token (<c>sandbox</c>) is a cluster administrator, as a
/// kind or minikube admin kubeconfig is; a bearer token <c>system:serviceaccount:NS:NAME</c> (a sandbox convention
/// standing in for a service account's signed token) is that service account, with only what RBAC grants it.
/// </summary>
internal sealed record Caller(string User, IReadOnlyList<string> Groups, bool IsAdmin)
{
    public const string ServiceAccountPrefix = "system:serviceaccount:";

    public static Caller From(HttpContext http)
    {
        var header = http.Request.Headers.Authorization.ToString();
        var token = header.StartsWith("Bearer ", StringComparison.OrdinalIgnoreCase) ? header["Bearer ".Length..].Trim() : "";
        if (token.StartsWith(ServiceAccountPrefix, StringComparison.Ordinal) && token[ServiceAccountPrefix.Length..].Split(':') is [var ns, var name] && ns.Length > 0 && name.Length > 0)
            return new(token, ["system:serviceaccounts", $"system:serviceaccounts:{ns}", "system:authenticated"], IsAdmin: false);
        return new("sandbox", ["system:masters", "system:authenticated"], IsAdmin: true);
    }
}

/// <summary>
/// Kubernetes RBAC over the sandbox's stored ClusterRoles, ClusterRoleBindings, Roles and RoleBindings: a request is
/// allowed when a rule of a role bound to the caller (cluster-wide, or in the request's namespace) matches its verb,
/// API group, resource (with subresource) and name. Administrators are allowed everything, as system:masters is.
/// </summary>
internal sealed class RbacAuthorizer(Registry registry)
{
    public (bool Allowed, string Reason) Authorize(Caller caller, RequestAttributes request)
    {
        if (caller.IsAdmin) return (true, "");
        foreach (var binding in registry.List(ResourceCatalog.ClusterRoleBindings, null, LabelSelector.Everything, FieldSelector.Everything).Items)
        {
            if (Binds(binding, caller, bindingNamespace: null) && RoleRules(binding, null).Any(r => Matches(r, request)))
                return (true, $"RBAC: allowed by ClusterRoleBinding \"{binding.Name()}\"");
        }
        if (request.Namespace is { } ns)
        {
            foreach (var binding in registry.List(ResourceCatalog.RoleBindings, ns, LabelSelector.Everything, FieldSelector.Everything).Items)
            {
                if (Binds(binding, caller, ns) && RoleRules(binding, ns).Any(r => Matches(r, request)))
                    return (true, $"RBAC: allowed by RoleBinding \"{binding.Name()}/{ns}\"");
            }
        }
        return (false, "");
    }

    /// <summary>Whether the object a named request is about exists (an apply that creates needs create as well as patch).</summary>
    public bool Exists(RequestAttributes request) =>
        request.Name is { } name
        && ResourceCatalog.All.FirstOrDefault(k => k.Group == request.Group && k.Plural == request.Resource) is { } kind
        && registry.TryGet(kind, kind.Namespaced ? request.Namespace : null, name) is not null;

    /// <summary>The API server's 403 for a refused request.</summary>
    public static ApiError Forbidden(Caller caller, RequestAttributes request)
    {
        var resource = request.Group.Length == 0 ? request.RuleResource : $"{request.Resource}.{request.Group}" + (request.Subresource is null ? "" : $"/{request.Subresource}");
        var scope = request.Namespace is null ? "at the cluster scope" : $"in the namespace \"{request.Namespace}\"";
        var what = request.Name is null ? resource : $"{resource} \"{request.Name}\"";
        var details = new JsonObject { ["kind"] = request.Resource };
        if (request.Name is not null) details["name"] = request.Name;
        if (request.Group.Length > 0) details["group"] = request.Group;
        return new ApiError(403, "Forbidden",
            $"{what} is forbidden: User \"{caller.User}\" cannot {request.Verb} resource \"{request.RuleResource}\" in API group \"{request.Group}\" {scope}", details);
    }

    bool Binds(JsonObject binding, Caller caller, string? bindingNamespace)
    {
        if (binding["subjects"] is not JsonArray subjects) return false;
        foreach (var subject in subjects.OfType<JsonObject>())
        {
            var kind = subject.Str("kind");
            var name = subject.Str("name");
            var matched = kind switch
            {
                "User" => name == caller.User,
                "Group" => name is not null && caller.Groups.Contains(name),
                "ServiceAccount" => $"{Caller.ServiceAccountPrefix}{subject.Str("namespace") ?? bindingNamespace}:{name}" == caller.User,
                _ => false,
            };
            if (matched) return true;
        }
        return false;
    }

    IEnumerable<JsonObject> RoleRules(JsonObject binding, string? bindingNamespace)
    {
        var kind = binding.Str("roleRef", "kind");
        var name = binding.Str("roleRef", "name") ?? "";
        var role = kind switch
        {
            "ClusterRole" => registry.TryGet(ResourceCatalog.ClusterRoles, null, name),
            "Role" when bindingNamespace is not null => registry.TryGet(ResourceCatalog.Roles, bindingNamespace, name),
            _ => null,
        };
        return role?["rules"] is JsonArray rules ? rules.OfType<JsonObject>() : [];
    }

    /// <summary>Whether one PolicyRule covers the request (RBAC's RuleAllows).</summary>
    public static bool Matches(JsonObject rule, RequestAttributes request)
    {
        var verbs = Strings(rule["verbs"]);
        var groups = Strings(rule["apiGroups"]);
        var resources = Strings(rule["resources"]);
        var names = Strings(rule["resourceNames"]);
        if (!verbs.Contains("*") && !verbs.Contains(request.Verb)) return false;
        if (!groups.Contains("*") && !groups.Contains(request.Group)) return false;
        var resourceMatch = resources.Contains("*") || resources.Contains(request.RuleResource)
            || (request.Subresource is { } sub && resources.Contains($"*/{sub}"));
        if (!resourceMatch) return false;
        return names.Count == 0 || (request.Name is { } n && names.Contains(n));
    }

    static List<string> Strings(JsonNode? node) =>
        node is JsonArray array ? [.. array.Where(n => n?.GetValueKind() == JsonValueKind.String).Select(n => n!.GetValue<string>())] : [];
}

/// <summary>POST /apis/authorization.k8s.io/v1/selfsubjectaccessreviews: the caller asks what it may do.</summary>
internal static class SelfSubjectAccessReview
{
    public const string Path = "/apis/authorization.k8s.io/v1/selfsubjectaccessreviews";

    public static async Task Handle(HttpContext http, RbacAuthorizer authorizer, Caller caller)
    {
        JsonObject review;
        try
        {
            review = JsonNode.Parse(await Http.ReadBody(http)) as JsonObject ?? throw ApiError.BadRequest("the body must be a SelfSubjectAccessReview");
        }
        catch (JsonException ex)
        {
            throw ApiError.BadRequest($"the body is not JSON: {ex.Message}");
        }

        if (review["spec"]?["resourceAttributes"] is not JsonObject attributes)
        {
            // Non-resource URLs (discovery, /healthz) are open to every authenticated user, as the default ClusterRoles make them.
            if (review["spec"]?["nonResourceAttributes"] is JsonObject)
            {
                review["status"] = new JsonObject { ["allowed"] = true, ["reason"] = "non-resource URLs are readable by authenticated users" };
                await Http.WriteJson(http, 201, review);
                return;
            }
            throw new ApiError(422, "Invalid", "SelfSubjectAccessReview.authorization.k8s.io is invalid: spec.resourceAttributes: Required value: exactly one of nonResourceAttributes or resourceAttributes must be specified");
        }

        var (allowed, reason) = authorizer.Authorize(caller, RequestAttributes.FromReview(attributes));
        var status = new JsonObject { ["allowed"] = allowed };
        if (reason.Length > 0) status["reason"] = reason;
        review["status"] = status;
        review["apiVersion"] ??= "authorization.k8s.io/v1";
        review["kind"] ??= "SelfSubjectAccessReview";
        await Http.WriteJson(http, 201, review);
    }
}
