namespace Portal.Sandbox.Api;

/// <summary>Routes every request: discovery and OpenAPI documents, health probes, then resource paths.</summary>
internal sealed class ApiRouter(ResourceHandler resources, ServiceProxy proxy, PortForward portForward, SparkSimulation spark, RbacAuthorizer authorizer,
    AuthorizationLog log, Func<string> serverAddress)
{
    public Task Route(HttpContext http)
    {
        var path = http.Request.Path.Value ?? "/";
        // Authorization first, as the API server does: a service account gets only what RBAC grants it.
        var caller = Caller.From(http);
        if (!caller.IsAdmin && path.TrimEnd('/') != SelfSubjectAccessReview.Path
            && RequestAttributes.From(http.Request.Method, path.TrimEnd('/'), http.Request.Query) is { } attributes)
        {
            if (!authorizer.Authorize(caller, attributes).Allowed)
                return Http.WriteError(http, RbacAuthorizer.Forbidden(caller, attributes));
            log.Record(caller, attributes);
            // A server-side apply that creates is authorized as create too (Kubernetes API concepts, "Patch and apply");
            // so is a WebSocket upgrade to exec, attach or portforward, a GET (AuthorizePodWebsocketUpgradeCreatePermission,
            // on by default since Kubernetes 1.35).
            var alsoCreate = (attributes.Verb == "patch" && attributes.Subresource is null
                    && (http.Request.ContentType ?? "").StartsWith("application/apply-patch", StringComparison.OrdinalIgnoreCase)
                    && !authorizer.Exists(attributes))
                || (attributes.Verb == "get" && attributes.Subresource is "portforward" or "exec" or "attach" && http.WebSockets.IsWebSocketRequest);
            if (alsoCreate && attributes with { Verb = "create" } is var create)
            {
                if (!authorizer.Authorize(caller, create).Allowed)
                    return Http.WriteError(http, RbacAuthorizer.Forbidden(caller, create));
                log.Record(caller, create);
            }
        }
        if (http.Request.Method == "POST" && path.TrimEnd('/') == SelfSubjectAccessReview.Path)
            return Handled(http, SelfSubjectAccessReview.Handle(http, authorizer, caller));
        // Before the trailing-slash trim: a proxied path is the backend's, and /json/ is not /json.
        if (ServiceProxy.Matches(path)) return proxy.Handle(http, path);
        if (PortForward.Matches(path)) return portForward.Handle(http, path);
        if (path.StartsWith(SparkHooks.Prefix, StringComparison.Ordinal)) return SparkHooks.Handle(http, spark, path.TrimEnd('/'));
        if (path.Length > 1) path = path.TrimEnd('/');
        if (http.Request.Method == "GET")
        {
            switch (path)
            {
                case "/version": return Http.WriteJson(http, 200, Discovery.Version());
                case "/api": return Http.WriteJson(http, 200, Discovery.CoreVersions(serverAddress()));
                case "/apis": return Http.WriteJson(http, 200, Discovery.Groups());
                case "/openapi/v3": return Http.WriteJson(http, 200, OpenApi.Root());
                case "/healthz" or "/livez" or "/readyz":
                    http.Response.ContentType = "text/plain";
                    return http.Response.WriteAsync("ok", http.RequestAborted);
            }
            var segments = path.Split('/', StringSplitOptions.RemoveEmptyEntries);
            if (segments is ["api", var coreVersion] && Discovery.Resources("", coreVersion) is { } core)
                return Http.WriteJson(http, 200, core);
            if (segments is ["apis", var group] && Discovery.Group(group) is { } apiGroup)
                return Http.WriteJson(http, 200, apiGroup);
            if (segments is ["apis", var g, var v] && Discovery.Resources(g, v) is { } groupResources)
                return Http.WriteJson(http, 200, groupResources);
            if (path.StartsWith("/openapi/v3/", StringComparison.Ordinal) && OpenApi.GroupVersion(path["/openapi/v3/".Length..]) is { } spec)
                return Http.WriteJson(http, 200, spec);
        }
        if (ResourceRoute.Parse(path) is { } route) return resources.Handle(http, route);
        return Http.WriteError(http, ApiError.RouteNotFound());
    }

    static async Task Handled(HttpContext http, Task handling)
    {
        try
        {
            await handling;
        }
        catch (ApiError error)
        {
            await Http.WriteError(http, error);
        }
    }
}
