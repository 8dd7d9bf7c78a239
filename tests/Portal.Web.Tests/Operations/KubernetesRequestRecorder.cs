using System.Collections.Concurrent;
using System.Web;

namespace Portal.Web.Tests.Operations;

/// <summary>
/// One Kubernetes request as RBAC sees it: verb, API group, resource ("pods", "services/proxy") and namespace
/// (null for a cluster-scoped object or a request across all namespaces).
/// </summary>
public sealed record KubernetesRequest(string Verb, string Group, string Resource, string? Namespace)
{
    public override string ToString() => $"{Verb} {(Group.Length == 0 ? "" : Group + "/")}{Resource}{(Namespace is null ? " (cluster-wide)" : $" in {Namespace}")}";
}

/// <summary>
/// Records every request the portal's Kubernetes client sends, resolved from the path and method the way the API
/// server's request-info resolver does (GET of a collection is list, ?watch=true is watch, PATCH is patch, …).
/// </summary>
public sealed class KubernetesRequestRecorder : DelegatingHandler
{
    private readonly ConcurrentDictionary<KubernetesRequest, int> _seen = new();

    public IReadOnlyCollection<KubernetesRequest> Requests => [.. _seen.Keys];

    protected override async Task<HttpResponseMessage> SendAsync(HttpRequestMessage request, CancellationToken cancellationToken)
    {
        var seen = Resolve(request.Method.Method, request.RequestUri!);
        if (seen is not null)
            Record(seen);
        var response = await base.SendAsync(request, cancellationToken);
        // A server-side apply answered 201 created the object, and the API server authorized it as create as well.
        if (seen is { Verb: "patch" } && response.StatusCode == System.Net.HttpStatusCode.Created)
            Record(seen with { Verb = "create" });
        return response;
    }

    private void Record(KubernetesRequest request) => _seen.AddOrUpdate(request, 1, (_, n) => n + 1);

    /// <summary>Records a request seen elsewhere (the API server's own authorization decisions).</summary>
    public void Add(KubernetesRequest request) => Record(request);

    public static KubernetesRequest? Resolve(string method, Uri uri)
    {
        var segments = uri.AbsolutePath.Split('/', StringSplitOptions.RemoveEmptyEntries).Select(Uri.UnescapeDataString).ToArray();
        string group;
        string[] tail;
        if (segments is ["api", _, .. var core]) (group, tail) = ("", core);
        else if (segments is ["apis", var g, _, .. var rest]) (group, tail) = (g, rest);
        else return null;
        if (tail is ["watch", .. var unwatched]) tail = unwatched;

        string? ns = null;
        if (tail is ["namespaces", var n, _, ..])
        {
            ns = n;
            tail = tail[2..];
        }

        if (tail.Length == 0)
            return null;
        var resource = tail.Length > 2 ? $"{tail[0]}/{tail[2]}" : tail[0];
        var named = tail.Length > 1;
        var query = HttpUtility.ParseQueryString(uri.Query);
        var verb = method switch
        {
            "GET" when query["watch"] is "true" or "1" || segments.Contains("watch") => "watch",
            "GET" => named || resource.EndsWith("/proxy", StringComparison.Ordinal) ? "get" : "list",
            "POST" => "create",
            "PUT" => "update",
            "PATCH" => "patch",
            "DELETE" => named ? "delete" : "deletecollection",
            _ => method.ToLowerInvariant(),
        };
        return new(verb, group, resource, ns);
    }
}
