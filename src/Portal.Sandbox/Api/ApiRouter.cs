using Microsoft.AspNetCore.Http;
using Portal.Sandbox.Spark;
using Portal.Sandbox.Storage;

namespace Portal.Sandbox.Api;

/// <summary>Routes every request: discovery and OpenAPI documents, health probes, then resource paths.</summary>
internal sealed class ApiRouter(ResourceHandler resources, ServiceProxy proxy, SparkSimulation spark, Func<string> serverAddress)
{
    public Task Route(HttpContext http)
    {
        var path = http.Request.Path.Value ?? "/";
        // Before the trailing-slash trim: a proxied path is the backend's, and /json/ is not /json.
        if (ServiceProxy.Matches(path)) return proxy.Handle(http, path);
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
}
