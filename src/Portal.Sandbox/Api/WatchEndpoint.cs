using Portal.Sandbox.Faults;

namespace Portal.Sandbox.Api;

/// <summary>
/// <c>?watch=true</c>: a chunked stream of newline-delimited watch events, in resourceVersion order. As in the
/// real watch cache, an object modified into a watch's selectors arrives as ADDED and one modified out of them
/// as DELETED.
/// </summary>
internal static class WatchEndpoint
{
    static readonly byte[] NewLine = "\n"u8.ToArray();

    public static async Task Serve(HttpContext http, Registry registry, SandboxOptions options, ResourceRoute route, CancellationToken stopping)
    {
        var q = http.Request.Query;
        var labels = LabelSelector.Parse(q["labelSelector"]);
        var fields = FieldSelector.Parse(q["fieldSelector"]);
        var requestedVersion = q["resourceVersion"].FirstOrDefault();
        // kubectl get -w asks for Tables: each event then carries a one-row Table, as server-side printing does.
        var asTable = Tables.Wanted(http.Request.Headers.Accept);
        var watcher = registry.OpenWatch(route.Kind, route.Namespace, requestedVersion, out var initial);

        http.Response.StatusCode = 200;
        http.Response.ContentType = "application/json";
        await http.Response.StartAsync(http.RequestAborted);
        // Send the headers now: clients (client-go's reflector, kubectl wait) block on them before any event exists.
        await http.Response.BodyWriter.FlushAsync(http.RequestAborted);

        if (watcher is null)
        {
            var expired = ApiError.Expired($"too old resource version: {requestedVersion} ({registry.Store.OldestResumableLocked()})");
            await Write(http, "ERROR", expired.ToStatus(), table: null);
            return;
        }

        using (watcher)
        {
            var faults = options.Faults;
            var started = DateTime.UtcNow;
            using var stop = CancellationTokenSource.CreateLinkedTokenSource(http.RequestAborted, stopping);
            // One timer: CancelAfter replaces an earlier deadline, so take the nearer of timeoutSeconds and the fault.
            TimeSpan? deadline = int.TryParse(q["timeoutSeconds"], out var timeout) && timeout > 0 ? TimeSpan.FromSeconds(timeout) : null;
            if (faults.DropWatchAfter is { } dropAfter && (deadline is null || dropAfter < deadline)) deadline = dropAfter;
            if (deadline is { } end) stop.CancelAfter(end);
            var sent = 0;
            try
            {
                foreach (var obj in initial)
                {
                    if (!labels.Matches(obj.Labels()) || !fields.Matches(obj)) continue;
                    await Write(http, "ADDED", obj, asTable ? route.Kind : null);
                    if (FaultInjector.ShouldDropWatch(faults, started, ++sent)) return;
                }
                var reader = watcher.Channel.Reader;
                while (await reader.WaitToReadAsync(stop.Token))
                {
                    while (reader.TryRead(out var e))
                    {
                        var matches = labels.Matches(e.Object.Labels()) && fields.Matches(e.Object);
                        var matched = e.Previous is { } previous && labels.Matches(previous.Labels()) && fields.Matches(previous);
                        var type = (e.Type, matches, matched) switch
                        {
                            (WatchEventType.Modified, true, false) => "ADDED",
                            (WatchEventType.Modified, false, true) => "DELETED",
                            (_, true, _) => e.TypeName,
                            _ => null,
                        };
                        if (type is null) continue;
                        await Write(http, type, e.Object, asTable ? route.Kind : null);
                        if (FaultInjector.ShouldDropWatch(faults, started, ++sent)) return;
                    }
                }
            }
            catch (OperationCanceledException) when (stop.IsCancellationRequested)
            {
                // timeoutSeconds elapsed, a drop fault fired, or the client left: end the stream cleanly.
            }
        }
    }

    static async Task Write(HttpContext http, string type, JsonObject obj, ResourceKind? table)
    {
        await using (var writer = new Utf8JsonWriter(http.Response.BodyWriter))
        {
            writer.WriteStartObject();
            writer.WriteString("type", type);
            writer.WritePropertyName("object");
            if (table is null) obj.WriteTo(writer);
            else Tables.Write(writer, table, [obj], obj.ResourceVersion(), continueToken: null);
            writer.WriteEndObject();
        }
        await http.Response.BodyWriter.WriteAsync(NewLine, http.RequestAborted);
        await http.Response.BodyWriter.FlushAsync(http.RequestAborted);
    }
}
