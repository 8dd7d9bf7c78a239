namespace Portal.Sandbox.Spark;

/// <summary>
/// The HTTP side of the simulated daemons, reached through the service proxy. Master and worker UIs answer
/// <c>/</c> (HTML) and <c>/json/</c> (MasterPage/WorkerPage.renderJson, served by JettyUtils as <c>text/json</c>);
/// the driver UI answers the REST API of docs/monitoring.md under <c>/api/v1</c>.
/// </summary>
internal static class SparkHttp
{
    static readonly JsonSerializerOptions Indented = new() { WriteIndented = true };

    public static Task Serve(HttpContext http, Listener listener, string path)
    {
        if (listener is Listener.MasterUi { State.ProxyBase: not null } master && path.StartsWith("/proxy/", StringComparison.Ordinal))
            return Proxy(http, master, path);
        if (http.Request.Method is not ("GET" or "HEAD")) return Write(http, 405, Html, SparkPages.JettyError(405, "Method Not Allowed", path));
        var trimmed = path.Length > 1 ? path.TrimEnd('/') : path;
        return listener switch
        {
            Listener.MasterUi m => trimmed switch
            {
                "/" => Write(http, 200, Html, SparkPages.Master(m.State)),
                "/json" => Write(http, 200, TextJson, SparkJson.MasterState(m.State).ToJsonString(Indented)),
                _ => NotFound(http, path),
            },
            Listener.WorkerUi w => trimmed switch
            {
                "/" => Write(http, 200, Html, SparkPages.Worker(w.State)),
                "/json" => Write(http, 200, TextJson, SparkJson.WorkerState(w.State).ToJsonString(Indented)),
                _ => NotFound(http, path),
            },
            Listener.DriverUi d => Driver(http, d.State, trimmed, path),
            Listener.HistoryUi h => History(http, h.State, trimmed, path),
            _ => NotFound(http, path),
        };
    }

    /// <summary>
    /// The master's reverse proxy (MasterWebUI.addProxy, JettyUtils' ProxyServlet): <c>/proxy/{id}{rest}</c> goes to
    /// that worker's or application's UI address with <c>{rest}</c> appended (createProxyURI), the query kept. An id
    /// the master doesn't know is refused with 403 (rewriteTarget null); a target that refuses is a 502.
    /// </summary>
    static Task Proxy(HttpContext http, Listener.MasterUi master, string path)
    {
        var afterPrefix = path["/proxy/".Length..];
        var slash = afterPrefix.IndexOf('/', StringComparison.Ordinal);
        var id = slash < 0 ? afterPrefix : afterPrefix[..slash];
        var rest = slash < 0 ? "/" : afterPrefix[slash..];
        return master.Proxy(id) switch
        {
            null => Write(http, 403, Html, SparkPages.JettyError(403, "Forbidden", path)),
            var target and (Listener.MasterUi or Listener.WorkerUi or Listener.DriverUi) => Serve(http, target, rest),
            _ => Write(http, 502, Html, SparkPages.JettyError(502, "Bad Gateway", path)),
        };
    }

    static Task Driver(HttpContext http, DriverSnapshot d, string trimmed, string path)
    {
        if (trimmed is "/" or "/jobs") return Write(http, 200, Html, SparkPages.Jobs(d));
        var segments = trimmed.Split('/', StringSplitOptions.RemoveEmptyEntries);
        if (segments is not ["api", "v1", .. var rest]) return NotFound(http, path);
        switch (rest)
        {
            case ["version"]:
                return Json(http, 200, new JsonObject { ["spark"] = d.Version });
            case ["applications"]:
                return Json(http, 200, SparkJson.Applications(d));
            case ["applications", var appId]:
                // OneApplicationResource.getApp.
                return appId == d.AppId
                    ? Json(http, 200, SparkJson.Applications(d)[0]!.DeepClone())
                    : Write(http, 404, TextPlain, $"unknown app: {appId}");
            case ["applications", var appId, "jobs", ..] when appId != d.AppId:
                // BaseAppResource.withUI: the live UI knows only its own app.
                return Write(http, 404, TextPlain, $"no such app: {appId}");
            case ["applications", _, "jobs"]:
            {
                // AllJobsResource: ?status= (repeatable, JobExecutionStatus.fromString ignores case), newest first.
                var wanted = new HashSet<string>(StringComparer.Ordinal);
                foreach (var s in http.Request.Query["status"])
                {
                    var status = (s ?? "").ToUpperInvariant();
                    if (status is not ("RUNNING" or "SUCCEEDED" or "FAILED" or "UNKNOWN")) return NotFound(http, path);
                    wanted.Add(status);
                }
                var jobs = d.Jobs.Where(j => wanted.Count == 0 || wanted.Contains(j.Status)).OrderByDescending(j => j.Id);
                return Json(http, 200, new JsonArray([.. jobs.Select(j => (JsonNode)SparkJson.Job(j))]));
            }
            case ["applications", _, "jobs", var jobText] when int.TryParse(jobText, CultureInfo.InvariantCulture, out var jobId):
                return d.Jobs.FirstOrDefault(j => j.Id == jobId) is { } job
                    ? Json(http, 200, SparkJson.Job(job))
                    : Write(http, 404, TextPlain, $"unknown job: {jobId}");
            default:
                return NotFound(http, path);
        }
    }

    /// <summary>
    /// The history server (deploy/history/HistoryServer.scala): the listing page at <c>/</c>, the REST API under
    /// <c>/api/v1</c> (ApplicationListResource, OneApplicationResource), and each application's UI under
    /// <c>/history/&lt;appId&gt;/</c>, whose root redirects to <c>jobs/</c> (SparkUI's redirect handler).
    /// </summary>
    static Task History(HttpContext http, HistorySnapshot h, string trimmed, string path)
    {
        // UIUtils.uiRoot: the spark.ui.proxyBase property, then APPLICATION_WEB_PROXY_BASE, then Knox's X-Forwarded-Context.
        var uiRoot = h.ProxyBaseProperty ?? h.ProxyBaseEnv ?? http.Request.Headers["X-Forwarded-Context"].FirstOrDefault() ?? "";
        if (trimmed == "/")
            return Write(http, 200, Html, SparkPages.History(h, uiRoot, http.Request.Query["showIncomplete"].FirstOrDefault() == "true"));
        var segments = trimmed.Split('/', StringSplitOptions.RemoveEmptyEntries);
        switch (segments)
        {
            case ["api", "v1", "version"]:
                return Json(http, 200, new JsonObject { ["spark"] = h.Version });
            case ["api", "v1", "applications"]:
            {
                // ApplicationListResource: ?status=completed|running (ApplicationStatus.fromString ignores case), ?limit=N.
                var wanted = new HashSet<bool>();
                foreach (var s in http.Request.Query["status"])
                {
                    switch ((s ?? "").ToUpperInvariant())
                    {
                        case "COMPLETED": wanted.Add(true); break;
                        case "RUNNING": wanted.Add(false); break;
                        default: return NotFound(http, path);
                    }
                }
                var apps = h.Apps.Where(a => wanted.Count == 0 || wanted.Contains(a.Completed));
                if (int.TryParse(http.Request.Query["limit"].FirstOrDefault(), CultureInfo.InvariantCulture, out var limit) && limit >= 0) apps = apps.Take(limit);
                return Json(http, 200, new JsonArray([.. apps.Select(a => (JsonNode)SparkJson.HistoryApplication(a))]));
            }
            case ["api", "v1", "applications", var appId]:
                return h.Apps.FirstOrDefault(a => a.Id == appId) is { } app
                    ? Json(http, 200, SparkJson.HistoryApplication(app))
                    : Write(http, 404, TextPlain, $"unknown app: {appId}");
            case ["api", "v1", "applications", var appId, "jobs"]:
                // NOTE: the simulated logs hold no job events, so a known app has no jobs.
                return h.Apps.Any(a => a.Id == appId) ? Json(http, 200, new JsonArray()) : Write(http, 404, TextPlain, $"no such app: {appId}");
            case ["history", var appId, ..] when h.Apps.All(a => a.Id != appId):
                // The loader servlet: an application the provider doesn't know.
                return Write(http, 404, Html, SparkPages.HistoryNotFound(appId, uiRoot));
            case ["history", var appId]:
                // SparkUI's "/" redirect handler: an absolute URL on the server's own address, without the proxy base.
                http.Response.Headers.Location = $"http://{h.Address}/history/{appId}/jobs/";
                return Write(http, 302, Html, "");
            case ["history", var appId, "jobs"]:
                return Write(http, 200, Html, SparkPages.HistoryJobs(h.Apps.First(a => a.Id == appId), uiRoot));
            default:
                return NotFound(http, path);
        }
    }

    const string Html = "text/html;charset=utf-8";
    const string TextJson = "text/json;charset=utf-8";
    const string TextPlain = "text/plain";

    static Task NotFound(HttpContext http, string path) => Write(http, 404, Html, SparkPages.JettyError(404, "Not Found", path));

    static Task Json(HttpContext http, int status, JsonNode body) => Write(http, status, "application/json", body.ToJsonString(Indented));

    static async Task Write(HttpContext http, int status, string contentType, string body)
    {
        http.Response.StatusCode = status;
        http.Response.ContentType = contentType;
        if (http.Request.Method == "HEAD") return;
        await http.Response.WriteAsync(body, http.RequestAborted);
    }
}
