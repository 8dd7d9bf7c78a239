using Portal.Sandbox.Faults;

namespace Portal.Sandbox.Api;

/// <summary>Serves the resource verbs (get, list, watch, create, update, patch, delete, deletecollection) and subresources.</summary>
internal sealed partial class ResourceHandler(Registry registry, SandboxOptions options, ILogger logger, CancellationToken stopping)
{
    /// <summary>What <c>pods/log</c> answers for a container a simulated daemon ended: its last run's output (pod uid, container).</summary>
    public Func<string, string, string?>? TerminatedLog { get; init; }

    public async Task Handle(HttpContext http, ResourceRoute route)
    {
        try
        {
            if (await FaultInjector.BeforeRequest(options.Faults, http.RequestAborted) is { } fault)
            {
                await Http.WriteError(http, fault);
                return;
            }
            await Dispatch(http, route);
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
            RequestFailed(logger, e, http.Request.Method, http.Request.Path);
            if (!http.Response.HasStarted) await Http.WriteError(http, ApiError.Internal(e.Message));
        }
    }

    Task Dispatch(HttpContext http, ResourceRoute route)
    {
        var method = http.Request.Method;
        var query = http.Request.Query;
        if (route.Name is null)
        {
            return method switch
            {
                "GET" when route.WatchPrefix || IsTrue(query["watch"]) => WatchEndpoint.Serve(http, registry, options, route, stopping),
                "GET" => List(http, route),
                "POST" => Create(http, route),
                "DELETE" => DeleteCollection(http, route),
                _ => throw NotAllowed(method, route),
            };
        }
        return (route.Subresource, method) switch
        {
            (null, "GET") => Get(http, route),
            (null, "PUT") => Update(http, route, statusOnly: false),
            (null, "PATCH") => Patch(http, route, statusOnly: false),
            (null, "DELETE") => Delete(http, route),
            ("status", "GET") when route.Kind.HasStatus => Get(http, route),
            ("status", "PUT") when route.Kind.HasStatus => Update(http, route, statusOnly: true),
            ("status", "PATCH") when route.Kind.HasStatus => Patch(http, route, statusOnly: true),
            ("scale", _) when Scale.Supports(route.Kind) => Scale.Serve(http, registry, route, WriteOptionsFrom(http.Request.Query)),
            ("finalize", "PUT") when route.Kind == ResourceCatalog.Namespaces => Finalize(http, route),
            ("log", "GET") when route.Kind == ResourceCatalog.Pods => PodLog.Serve(http, registry.Get(route.Kind, route.Namespace, route.Name!), TerminatedLog),
            (null or "status" or "scale" or "finalize", _) => throw NotAllowed(method, route),
            _ => throw ApiError.RouteNotFound(),
        };
    }

    static ApiError NotAllowed(string method, ResourceRoute route) =>
        ApiError.MethodNotAllowed($"the server does not allow this method on the requested resource ({method} {route.Kind.Plural})");

    static bool IsTrue(string? value) => value is "true" or "1" or "True";

    static WriteOptions WriteOptionsFrom(IQueryCollection query) => new(
        FieldManager: query["fieldManager"].FirstOrDefault(),
        DryRun: query["dryRun"].Any(v => v == "All"),
        Force: IsTrue(query["force"]))
    {
        Warnings = [],
    };

    /// <summary>Sends collected warnings as RFC 7234 Warning headers (code 299), which kubectl prints.</summary>
    static void AddWarnings(HttpContext http, WriteOptions options)
    {
        foreach (var warning in options.Warnings ?? [])
            http.Response.Headers.Append("Warning", $"299 - \"{warning.Replace("\\", "\\\\", StringComparison.Ordinal).Replace("\"", "\\\"", StringComparison.Ordinal)}\"");
    }

    async Task List(HttpContext http, ResourceRoute route)
    {
        var q = http.Request.Query;
        var labels = LabelSelector.Parse(q["labelSelector"]);
        var fields = FieldSelector.Parse(q["fieldSelector"]);
        int? limit = int.TryParse(q["limit"], out var l) && l > 0 ? l : null;
        var result = registry.List(route.Kind, route.Namespace, labels, fields, limit, q["continue"]);
        if (Tables.Wanted(http.Request.Headers.Accept))
        {
            await Http.WriteJson(http, 200, w => Tables.Write(w, route.Kind, result.Items, result.ResourceVersion, result.Continue));
            return;
        }
        await Http.WriteJson(http, 200, w =>
        {
            w.WriteStartObject();
            w.WriteString("kind", route.Kind.ListKind);
            w.WriteString("apiVersion", route.Kind.GroupVersion);
            w.WriteStartObject("metadata");
            w.WriteString("resourceVersion", result.ResourceVersion.ToString(CultureInfo.InvariantCulture));
            if (result.Continue is not null) w.WriteString("continue", result.Continue);
            if (result.RemainingItemCount is { } remaining) w.WriteNumber("remainingItemCount", remaining);
            w.WriteEndObject();
            w.WriteStartArray("items");
            foreach (var entry in result.Entries) w.WriteRawValue(entry.ListItemUtf8, skipInputValidation: true);
            w.WriteEndArray();
            w.WriteEndObject();
        });
    }

    async Task Get(HttpContext http, ResourceRoute route)
    {
        var obj = registry.Get(route.Kind, route.Namespace, route.Name!);
        if (Tables.Wanted(http.Request.Headers.Accept) && route.Subresource is null)
            await Http.WriteJson(http, 200, w => Tables.Write(w, route.Kind, [obj], obj.ResourceVersion(), null));
        else
            await Http.WriteJson(http, 200, obj);
    }

    async Task Create(HttpContext http, ResourceRoute route)
    {
        if (route.Kind.Namespaced && route.Namespace is null) throw NotAllowed("POST", route);
        var body = await ReadObject(http);
        var options = WriteOptionsFrom(http.Request.Query);
        var created = registry.Create(route.Kind, route.Namespace, body, options);
        AddWarnings(http, options);
        await Http.WriteJson(http, 201, created);
    }

    async Task Update(HttpContext http, ResourceRoute route, bool statusOnly)
    {
        var body = await ReadObject(http);
        var options = WriteOptionsFrom(http.Request.Query);
        var updated = registry.Update(route.Kind, route.Namespace, route.Name!, body, statusOnly, options);
        AddWarnings(http, options);
        await Http.WriteJson(http, 200, updated);
    }

    async Task Finalize(HttpContext http, ResourceRoute route)
    {
        var body = await ReadObject(http);
        if (body.Node("spec", "finalizers") is JsonArray { Count: 0 } || body.Node("spec", "finalizers") is null)
            registry.RemoveNamespace(route.Name!);
        var current = registry.TryGet(route.Kind, null, route.Name!) ?? body;
        await Http.WriteJson(http, 200, current);
    }

    async Task Patch(HttpContext http, ResourceRoute route, bool statusOnly)
    {
        var contentType = (http.Request.ContentType ?? "").Split(';')[0].Trim();
        var kind = contentType switch
        {
            "application/json-patch+json" => PatchKind.Json,
            "application/merge-patch+json" => PatchKind.Merge,
            "application/strategic-merge-patch+json" => PatchKind.Strategic,
            "application/apply-patch+yaml" => PatchKind.Apply,
            _ => throw ApiError.UnsupportedMediaType(contentType),
        };
        var bytes = await Http.ReadBody(http);
        JsonNode patch;
        if (kind == PatchKind.Apply && !LooksLikeJson(bytes))
            patch = Yaml.ToJson(Encoding.UTF8.GetString(bytes)) ?? throw ApiError.BadRequest("the apply configuration is empty");
        else
            patch = ParseNode(bytes);
        var options = WriteOptionsFrom(http.Request.Query);
        var (obj, created) = registry.Patch(route.Kind, route.Namespace, route.Name!, kind, patch, statusOnly, options);
        AddWarnings(http, options);
        await Http.WriteJson(http, created ? 201 : 200, obj);
    }

    async Task Delete(HttpContext http, ResourceRoute route)
    {
        var request = await DeleteRequestFrom(http);
        var (obj, removed) = registry.Delete(route.Kind, route.Namespace, route.Name!, request);
        if (!removed)
        {
            await Http.WriteJson(http, request.DryRun ? 200 : 202, obj);
            return;
        }
        if (route.Kind.ReturnsDeletedObject)
        {
            await Http.WriteJson(http, 200, obj);
            return;
        }
        var details = new JsonObject { ["name"] = obj.Name() };
        if (route.Kind.Group.Length > 0) details["group"] = route.Kind.Group;
        details["kind"] = route.Kind.Plural;
        details["uid"] = obj.Uid();
        await Http.WriteJson(http, 200, new JsonObject
        {
            ["kind"] = "Status",
            ["apiVersion"] = "v1",
            ["metadata"] = new JsonObject(),
            ["status"] = "Success",
            ["details"] = details,
        });
    }

    async Task DeleteCollection(HttpContext http, ResourceRoute route)
    {
        var q = http.Request.Query;
        var request = await DeleteRequestFrom(http);
        registry.DeleteCollection(route.Kind, route.Namespace, LabelSelector.Parse(q["labelSelector"]), FieldSelector.Parse(q["fieldSelector"]), request);
        await Http.WriteJson(http, 200, new JsonObject
        {
            ["kind"] = "Status",
            ["apiVersion"] = "v1",
            ["metadata"] = new JsonObject(),
            ["status"] = "Success",
        });
    }

    static async Task<Registry.DeleteRequest> DeleteRequestFrom(HttpContext http)
    {
        var q = http.Request.Query;
        var policy = q["propagationPolicy"].FirstOrDefault();
        var dryRun = q["dryRun"].Any(v => v == "All");
        string? uid = null, rv = null;
        var bytes = await Http.ReadBody(http);
        if (bytes.Length > 0 && ParseNode(bytes) is JsonObject body)
        {
            policy = body.Str("propagationPolicy") ?? policy;
            if (body.Bool("orphanDependents") is { } orphan) policy ??= orphan ? "Orphan" : "Background";
            uid = body.Str("preconditions", "uid");
            rv = body.Str("preconditions", "resourceVersion");
            dryRun |= body.Arr("dryRun").Any(v => v?.GetValue<string>() == "All");
        }
        if (IsTrue(q["orphanDependents"])) policy ??= "Orphan";
        return new Registry.DeleteRequest(policy, uid, rv, dryRun);
    }

    static async Task<JsonObject> ReadObject(HttpContext http)
    {
        var contentType = http.Request.ContentType ?? "";
        // Protobuf bodies (kubectl create's generators send them) can't be decoded without the Go schemas;
        // 415 is what a server without protobuf support answers.
        if (contentType.Contains("protobuf", StringComparison.Ordinal))
            throw new ApiError(415, "UnsupportedMediaType", $"the body of the request was in an unknown format - accepted media types include: application/json, application/yaml (got {contentType})");
        var bytes = await Http.ReadBody(http);
        if (contentType.Contains("yaml", StringComparison.Ordinal) && !LooksLikeJson(bytes))
            return Yaml.ToJson(Encoding.UTF8.GetString(bytes)) as JsonObject ?? throw ApiError.BadRequest("the request body must be an object");
        if (bytes.Length == 0) throw ApiError.BadRequest("the request body is empty");
        return Json.Parse(bytes);
    }

    static JsonNode ParseNode(byte[] bytes)
    {
        try
        {
            return JsonNode.Parse(bytes) ?? throw ApiError.BadRequest("the patch is null");
        }
        catch (JsonException e)
        {
            throw ApiError.BadRequest($"error decoding patch: {e.Message}");
        }
    }

    static bool LooksLikeJson(byte[] bytes)
    {
        foreach (var b in bytes)
        {
            if (b is (byte)' ' or (byte)'\n' or (byte)'\r' or (byte)'\t') continue;
            return b is (byte)'{' or (byte)'[';
        }
        return false;
    }

    [LoggerMessage(LogLevel.Error, "Failed {Method} {Path}")]
    static partial void RequestFailed(ILogger logger, Exception exception, string method, string path);
}
