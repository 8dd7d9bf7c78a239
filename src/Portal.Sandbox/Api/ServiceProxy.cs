namespace Portal.Sandbox.Api;

/// <summary>
/// <c>services/{name}/proxy</c> and <c>pods/{name}/proxy</c> as the API server resolves them (the service registry's
/// ResourceLocation): <c>[scheme:]name[:port]</c>, service port → targetPort → a ready endpoint. Nothing runs, so the
/// "connection" goes to the simulated Spark daemon on that pod and port; anything else refuses it.
/// </summary>
internal sealed partial class ServiceProxy(Registry registry, SparkSimulation spark)
{
    [GeneratedRegex(@"^/api/v1/namespaces/(?<ns>[^/]+)/(?<kind>services|pods)/(?<id>[^/]+)/proxy(?<rest>/.*)?$")]
    private static partial Regex Route();

    public static bool Matches(string path) => Route().IsMatch(path);

    public async Task Handle(HttpContext http, string path)
    {
        var m = Route().Match(path);
        var (ns, id, rest) = (Uri.UnescapeDataString(m.Groups["ns"].Value), Uri.UnescapeDataString(m.Groups["id"].Value), m.Groups["rest"].Value);
        if (rest.Length == 0) rest = "/";
        try
        {
            var (pod, port) = m.Groups["kind"].Value == "services" ? ResolveService(ns, id) : ResolvePod(ns, id);
            await Forward(http, pod, port, rest);
        }
        catch (ApiError e)
        {
            if (!http.Response.HasStarted) await Http.WriteError(http, e);
        }
        catch (OperationCanceledException) when (http.RequestAborted.IsCancellationRequested)
        {
            // The client went away; nothing to answer.
        }
        catch (Exception e) when (e is not OutOfMemoryException)
        {
            // The sandbox never crashes on a request; the simulation's bugs surface as the API server's 500.
            if (!http.Response.HasStarted) await Http.WriteError(http, ApiError.Internal(e.Message));
        }
    }

    /// <summary>utilnet.SplitSchemeNamePort: <c>name</c>, <c>name:port</c> or <c>scheme:name:port</c> with scheme http or https.</summary>
    static (string Name, string Port)? Split(string id)
    {
        var parts = id.Split(':');
        return parts switch
        {
            [var name] when name.Length > 0 => (name, ""),
            [var name, var port] when name.Length > 0 => (name, port),
            ["" or "http" or "https", var name, var port] when name.Length > 0 => (name, port),
            _ => null,
        };
    }

    (JsonObject Pod, int Port) ResolveService(string ns, string id)
    {
        if (Split(id) is not var (name, portText)) throw ApiError.BadRequest($"invalid service request \"{id}\"");
        var svc = registry.TryGet(ResourceCatalog.Services, ns, name) ?? throw ApiError.NotFound(ResourceCatalog.Services, name);
        var ports = svc.Objects("spec", "ports").ToList();
        JsonObject? servicePort;
        if (portText.Length == 0) servicePort = ports.FirstOrDefault();
        else if (int.TryParse(portText, CultureInfo.InvariantCulture, out var number))
            servicePort = ports.FirstOrDefault(p => p.Int("port") == number)
                ?? throw ServiceUnavailable($"no service port {number} found for service \"{name}\"");
        else servicePort = ports.FirstOrDefault(p => p.Str("name") == portText);

        if (servicePort is not null)
            foreach (var pod in Endpoints.ReadyPods(registry, svc))
                if (Endpoints.TargetPort(servicePort, Endpoints.NamedPorts(pod)) is { } target) return (pod, target);
        throw ServiceUnavailable($"no endpoints available for service \"{name}\"");
    }

    (JsonObject Pod, int Port) ResolvePod(string ns, string id)
    {
        if (Split(id) is not var (name, portText)) throw ApiError.BadRequest($"invalid pod request \"{id}\"");
        var pod = registry.TryGet(ResourceCatalog.Pods, ns, name) ?? throw ApiError.NotFound(ResourceCatalog.Pods, name);
        if (portText.Length > 0)
            return int.TryParse(portText, CultureInfo.InvariantCulture, out var port) ? (pod, port) : throw ApiError.BadRequest($"invalid port \"{portText}\"");
        // Without a port the API server dials the first declared container port (80 when there is none).
        var first = pod.Objects("spec", "containers").SelectMany(c => c.Objects("ports")).Select(p => p.Int("containerPort")).FirstOrDefault(p => p is not null);
        return (pod, (int)(first ?? 80));
    }

    async Task Forward(HttpContext http, JsonObject pod, int port, string path)
    {
        var address = $"{pod.Str("status", "podIP") ?? ""}:{port}";
        var listener = spark.ListenerOn(pod, port);
        // REVIEW: Spark's RPC port closes a connection that speaks HTTP; the proxy reports the EOF.
        // A Connect server's gRPC port speaks HTTP/2 only, and closes an HTTP/1.1 connection too.
        if (listener == Listener.NotHttp || listener is Listener.ConnectServer) throw ServiceUnavailable("error trying to reach service: EOF");
        if (listener == Listener.Refused) throw ServiceUnavailable($"error trying to reach service: dial tcp {address}: connect: connection refused");
        await SparkHttp.Serve(http, listener, path);
    }

    static ApiError ServiceUnavailable(string message) => new(503, "ServiceUnavailable", message);
}

/// <summary>The endpoints controller's view of a Service: ready pods matching its selector, and targetPort resolution.</summary>
internal static class Endpoints
{
    /// <summary>Running, Ready, not terminating pods selected by the Service, by name (the proxy picks the first).</summary>
    public static IEnumerable<JsonObject> ReadyPods(Registry registry, JsonObject service)
    {
        var selector = Json.StringMap(service.Node("spec", "selector"));
        if (selector.Count == 0) return [];
        var label = selector.First();
        return registry.List(ResourceCatalog.Pods, service.Namespace(), LabelSelector.Parse($"{label.Key}={label.Value}"), FieldSelector.Everything).Items
            .Where(p => selector.All(s => p.Labels().TryGetValue(s.Key, out var v) && v == s.Value))
            .Where(p => p.Str("status", "phase") == "Running" && !p.IsDeleting()
                && p.Objects("status", "conditions").Any(c => c.Str("type") == "Ready" && c.Str("status") == "True"))
            .OrderBy(p => p.Name(), StringComparer.Ordinal);
    }

    public static IReadOnlyDictionary<string, int> NamedPorts(JsonObject pod) =>
        pod.Objects("spec", "containers").SelectMany(c => c.Objects("ports"))
            .Where(p => p.Str("name") is not null && p.Int("containerPort") is not null)
            .GroupBy(p => p.Str("name")!).ToDictionary(g => g.Key, g => (int)g.First().Int("containerPort")!.Value);

    /// <summary>targetPort as a number, or a name looked up in the pod's container ports (podutil.FindPort); defaults to port.</summary>
    public static int? TargetPort(JsonObject servicePort, IReadOnlyDictionary<string, int> namedPorts)
    {
        var target = servicePort["targetPort"];
        if (target is null) return (int?)servicePort.Int("port");
        if (target.Int() is { } number) return (int)number;
        var name = target.Str() ?? "";
        if (int.TryParse(name, CultureInfo.InvariantCulture, out var parsed)) return parsed;
        return namedPorts.TryGetValue(name, out var port) ? port : null;
    }
}
