using System.Collections.Concurrent;
using System.Diagnostics;

namespace Portal.Benchmarks;

/// <summary>
/// Counts every request the Kubernetes client sends, by verb and resource ("list deployments", "apply configmaps",
/// "watch pods", "update leases"), and remembers when the last server-side apply was answered, so "every object
/// applied" is measured at the API server's answer rather than at the end of the pass that made it.
/// </summary>
internal sealed class ApiCallCounter : DelegatingHandler
{
    readonly ConcurrentDictionary<string, long> _firstApplied = new();
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

    /// <summary>"verb resource" from the REST path: /api/v1/namespaces/ns/pods?watch=true is "watch pods".</summary>
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

        var resource = rest.Length > 0 ? rest[0] : "?";
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
