using System.Collections.Concurrent;
using System.Diagnostics;

namespace Portal.Benchmarks;

/// <summary>
/// Counts every request the Kubernetes client sends, by verb and resource ("list deployments", "apply configmaps",
/// "watch pods", "update leases"), and remembers when the last server-side apply was answered, so "every object
/// applied" is measured at the API server's answer rather than at the end of the pass that made it. It also notes
/// when each Spark master's status (its <c>json/</c> page, read through the service proxy) was last answered, so a
/// benchmark can tell when every cluster has been looked at again.
/// </summary>
internal sealed class ApiCallCounter : DelegatingHandler
{
    /// <summary>
    /// The kind of call a Spark status read is counted as: a GET of the <c>services/proxy</c> subresource, which the
    /// reconciler's <c>SparkEndpoint</c> uses for the master's <c>json/</c> (and, with Connect, the driver's REST API;
    /// the benchmark's clusters have none). Nothing else of the provisioning service uses the proxy.
    /// </summary>
    public const string SparkStatusRead = "get services/proxy";

    readonly ConcurrentDictionary<string, long> _firstApplied = new();
    readonly ConcurrentDictionary<string, long> _masterStatusRead = new();
    ConcurrentDictionary<string, int> _calls = new();
    long _lastApplyAnswered;

    /// <summary>Stopwatch timestamp of the last successful apply (PATCH) answer.</summary>
    public long LastApplyAnswered => Interlocked.Read(ref _lastApplyAnswered);

    /// <summary>
    /// Stopwatch timestamp of the first successful apply of the namespaced object, or null while it hasn't been
    /// applied; <paramref name="resource"/> is the REST plural ("deployments").
    /// </summary>
    public long? FirstApplied(string @namespace, string resource, string name) =>
        _firstApplied.TryGetValue($"{@namespace}/{resource}/{name}", out var at) ? at : null;

    /// <summary>
    /// Stopwatch timestamp of the last answered read of the Spark master's <c>json/</c> behind Service
    /// <paramref name="service"/>, or null while none was answered; not cleared by <see cref="Reset"/>.
    /// </summary>
    public long? LastMasterStatusRead(string @namespace, string service) =>
        _masterStatusRead.TryGetValue($"{@namespace}/{service}", out var at) ? at : null;

    /// <summary>Calls so far, by kind of call.</summary>
    public IReadOnlyDictionary<string, int> Snapshot() => new Dictionary<string, int>(_calls);

    /// <summary>All calls so far.</summary>
    public int Total => _calls.Values.Sum();

    /// <summary>Calls so far, leaving out Lease traffic and long-lived watch requests.</summary>
    public int Work => _calls.Where(c => !IsBackground(c.Key)).Sum(c => c.Value);

    /// <summary>Starts counting from zero.</summary>
    public void Reset() => Interlocked.Exchange(ref _calls, new ConcurrentDictionary<string, int>());

    /// <summary>Leader election and watch (re)connections: the cost of being alive, not of doing work.</summary>
    public static bool IsBackground(string kind) => kind.EndsWith(" leases", StringComparison.Ordinal) || kind.StartsWith("watch ", StringComparison.Ordinal);

    protected override async Task<HttpResponseMessage> SendAsync(HttpRequestMessage request, CancellationToken cancellationToken)
    {
        _calls.AddOrUpdate(Describe(request), 1, (_, n) => n + 1);
        var response = await base.SendAsync(request, cancellationToken).ConfigureAwait(false);
        if (request.Method == HttpMethod.Get && response.IsSuccessStatusCode && MasterStatusPage(request.RequestUri!) is { } master)
        {
            _masterStatusRead[master] = Stopwatch.GetTimestamp();
        }

        if (request.Method == HttpMethod.Patch && response.IsSuccessStatusCode)
        {
            var answered = Stopwatch.GetTimestamp();
            Interlocked.Exchange(ref _lastApplyAnswered, answered);
            // .../namespaces/<ns>/<resource>/<name>
            var segments = request.RequestUri!.AbsolutePath.Split('/', StringSplitOptions.RemoveEmptyEntries);
            if (segments.Length >= 4 && segments[^4] == "namespaces")
            {
                _firstApplied.TryAdd($"{segments[^3]}/{segments[^2]}/{segments[^1]}", answered);
            }
        }

        return response;
    }

    /// <summary>
    /// "namespace/service" when the path is the service proxy to a master's <c>json/</c>:
    /// /api/v1/namespaces/NS/services/http:NAME:PORT/proxy/json/ (the proxy's own path is sent unescaped).
    /// </summary>
    static string? MasterStatusPage(Uri uri)
    {
        var segments = uri.AbsolutePath.Split('/', StringSplitOptions.RemoveEmptyEntries);
        if (segments is not ["api", "v1", "namespaces", var ns, "services", var target, "proxy", "json"])
        {
            return null;
        }

        var parts = Uri.UnescapeDataString(target).Split(':');
        return $"{Uri.UnescapeDataString(ns)}/{(parts.Length == 3 ? parts[1] : parts[0])}";
    }

    /// <summary>
    /// "verb resource" from the REST path: /api/v1/namespaces/ns/pods?watch=true is "watch pods". A subresource is
    /// named as RBAC names it, "resource/subresource", so a read through services/NAME/proxy/… is "get services/proxy",
    /// not a read of a Service.
    /// </summary>
    static string Describe(HttpRequestMessage request)
    {
        var uri = request.RequestUri!;
        var segments = uri.AbsolutePath.Split('/', StringSplitOptions.RemoveEmptyEntries);
        // /api/v1/... or /apis/<group>/<version>/...
        var rest = segments.AsSpan(segments.Length > 0 && segments[0] == "api" ? 2 : 3);
        if (rest.Length >= 3 && rest[0] == "namespaces")
        {
            rest = rest[2..];
        }

        var resource = rest.Length switch
        {
            0 => "?",
            1 or 2 => rest[0],
            _ => $"{rest[0]}/{rest[2]}",
        };
        var named = rest.Length > 1;
        var verb = request.Method.Method switch
        {
            "GET" when uri.Query.Contains("watch=true", StringComparison.Ordinal) => "watch",
            "GET" => named ? "get" : "list",
            "PATCH" => "apply",
            "PUT" => "update",
            "POST" => "create",
            "DELETE" => "delete",
            var other => other.ToLowerInvariant(),
        };
        return $"{verb} {resource}";
    }
}
