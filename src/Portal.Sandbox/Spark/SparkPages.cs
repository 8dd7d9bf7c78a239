using static System.Net.WebUtility;

namespace Portal.Sandbox.Spark;

/// <summary>
/// Simplified but recognisable Spark web UI pages: the master's index (core/src/main/scala/org/apache/spark/deploy/
/// master/ui/MasterPage.scala: summary list, workers table linking each worker's web UI, running and completed
/// applications linking <c>app?appId=</c>), the worker's and the driver's jobs page, and Jetty's 404 page.
/// </summary>
internal static class SparkPages
{
    public static string Master(MasterSnapshot s)
    {
        var alive = s.Workers.Where(w => w.State == "ALIVE").ToList();
        var body = new StringBuilder();
        body.Append(CultureInfo.InvariantCulture, $"""
            <div class="row"><div class="col-12"><ul class="list-unstyled">
            <li><strong>URL:</strong> {HtmlEncode(s.Url)}</li>
            <li><strong>Alive Workers:</strong> {alive.Count}</li>
            <li><strong>Cores in use:</strong> {alive.Sum(w => w.Cores)} Total, {alive.Sum(w => w.CoresUsed)} Used</li>
            <li><strong>Memory in use:</strong> {Megabytes(alive.Sum(w => w.Memory))} Total, {Megabytes(alive.Sum(w => w.MemoryUsed))} Used</li>
            <li><strong>Applications:</strong> {s.ActiveApps.Count} <a href="#running-app">Running</a>, {s.CompletedApps.Count} <a href="#completed-app">Completed</a></li>
            <li><strong>Drivers:</strong> 0 Running, 0 Completed</li>
            <li><strong>Status:</strong> ALIVE</li>
            </ul></div></div>

            """);
        body.Append(CultureInfo.InvariantCulture, $"<h4 id=\"workers\">Workers ({s.Workers.Count})</h4>\n");
        body.Append(Table(["Worker Id", "Address", "State", "Cores", "Memory"], s.Workers.Select(w => new[]
        {
            // MasterPage links alive workers only.
            w.State == "ALIVE" ? $"<a href=\"{HtmlEncode(Href(s.ProxyBase, w.Id, w.WebUiAddress))}\">{HtmlEncode(w.Id)}</a>" : HtmlEncode(w.Id),
            HtmlEncode($"{w.Host}:{w.Port}"),
            w.State,
            $"{w.Cores} ({w.CoresUsed} Used)",
            $"{Megabytes(w.Memory)} ({Megabytes(w.MemoryUsed)} Used)",
        })));
        string[] appHeaders = ["Application ID", "Name", "Cores", "Memory per Executor", "Submitted Time", "User", "State", "Duration"];
        body.Append(CultureInfo.InvariantCulture, $"<h4 id=\"running-app\">Running Applications ({s.ActiveApps.Count})</h4>\n");
        body.Append(Table(appHeaders, s.ActiveApps.OrderByDescending(a => a.StartTime).Select(a => AppRow(a, s.ProxyBase, finished: false))));
        body.Append(CultureInfo.InvariantCulture, $"<h4 id=\"completed-app\">Completed Applications ({s.CompletedApps.Count})</h4>\n");
        body.Append(Table(appHeaders, s.CompletedApps.OrderByDescending(a => a.EndTime).Select(a => AppRow(a, s.ProxyBase, finished: true))));
        return Page($"Spark Master at {s.Url}", s.Version, body.ToString());
    }

    /// <summary>
    /// UIUtils.makeHref: under reverse proxy <c>{spark.ui.proxyBase}/proxy/{id}</c> (no trailing slash), else the
    /// daemon's own address.
    /// </summary>
    static string Href(string? proxyBase, string id, string address) => proxyBase is null ? address : $"{proxyBase}/proxy/{id}";

    static string[] AppRow(AppView a, string? proxyBase, bool finished) =>
    [
        $"<a href=\"app?appId={UrlEncode(a.Id)}\">{HtmlEncode(a.Id)}</a>",
        // MasterPage links an unfinished app's name to its UI. NOTE: an app the test hooks started has no UI here.
        !finished && (proxyBase is not null || a.UiUrl is not null)
            ? $"<a href=\"{HtmlEncode(Href(proxyBase, a.Id, a.UiUrl ?? ""))}\">{HtmlEncode(a.Name)}</a>"
            : HtmlEncode(a.Name),
        a.Cores.ToString(CultureInfo.InvariantCulture),
        Megabytes(a.MemoryPerExecutor),
        a.SubmitDate.ToString("yyyy/MM/dd HH:mm:ss", CultureInfo.InvariantCulture),
        HtmlEncode(a.User),
        a.State,
        Duration(a.Duration),
    ];

    public static string Worker(WorkerSnapshot s)
    {
        var body = new StringBuilder();
        body.Append(CultureInfo.InvariantCulture, $"""
            <div class="row"><div class="col-12"><ul class="list-unstyled">
            <li><strong>ID:</strong> {HtmlEncode(s.Id)}</li>
            <li><strong>Master URL:</strong> {HtmlEncode(s.MasterUrl)}</li>
            <li><strong>Cores:</strong> {s.Cores} ({s.CoresUsed} Used)</li>
            <li><strong>Memory:</strong> {Megabytes(s.Memory)} ({Megabytes(s.MemoryUsed)} Used)</li>
            </ul>
            <p><a href="{HtmlEncode(s.MasterWebUiUrl)}">Back to Master</a></p></div></div>

            """);
        body.Append(CultureInfo.InvariantCulture, $"<h4>Running Executors ({s.Executors.Count})</h4>\n");
        body.Append(Table(["ExecutorID", "State", "Cores", "Memory", "Job Details"], s.Executors.Select(e => new[]
        {
            e.Id.ToString(CultureInfo.InvariantCulture), "RUNNING", e.Cores.ToString(CultureInfo.InvariantCulture), Megabytes(e.Memory),
            $"ID: {HtmlEncode(e.App.Id)}, Name: {HtmlEncode(e.App.Name)}, User: {HtmlEncode(e.App.User)}",
        })));
        return Page($"Spark Worker at {s.WebUiUrl["http://".Length..]}", s.Version, body.ToString());
    }

    public static string Jobs(DriverSnapshot d)
    {
        var body = Table(["Job Id", "Description", "Submitted", "Status"], d.Jobs.OrderByDescending(j => j.Id).Select(j => new[]
        {
            j.Id.ToString(CultureInfo.InvariantCulture), HtmlEncode(j.Description),
            j.Submitted.ToString("yyyy/MM/dd HH:mm:ss", CultureInfo.InvariantCulture), j.Status,
        }));
        return Page($"{d.Name} - Spark Jobs", d.Version, body);
    }

    /// <summary>
    /// HistoryPage: the provider's configuration (the event log directory), then the applications. Spark renders the
    /// table in the browser (historypage.js, from <c>uiRoot/api/v1/applications</c>), linking each attempt to
    /// <c>uiRoot + "/history/" + id + "/jobs/"</c>; here the same links are in the HTML. Completed applications by
    /// default; <c>?showIncomplete=true</c> lists the running ones (the page's link is <c>uiRoot + "/?showIncomplete=…"</c>).
    /// </summary>
    public static string History(HistorySnapshot h, string uiRoot, bool showIncomplete)
    {
        var apps = h.Apps.Where(a => a.Completed != showIncomplete).ToList();
        var body = new StringBuilder();
        body.Append(CultureInfo.InvariantCulture, $"""
            <div class="row"><div class="col-12"><ul class="list-unstyled">
            <li><strong>Event log directory:</strong> {HtmlEncode(h.LogDirectory)}</li>
            </ul></div></div>
            <script>setUIRoot('{HtmlEncode(uiRoot)}')</script>

            """);
        if (apps.Count == 0)
            body.Append(showIncomplete ? "<h4>No incomplete applications found!</h4>\n" : "<h4>No completed applications found!</h4>\n");
        else
            body.Append(Table(["Version", "App ID", "App Name", "Started", "Completed", "Duration", "Spark User", "Last Updated", "Event Log"], apps.Select(a => new[]
            {
                HtmlEncode(a.Version),
                $"<span title=\"{HtmlEncode(a.Id)}\"><a href=\"{HtmlEncode($"{uiRoot}/history/{a.Id}/jobs/")}\">{HtmlEncode(a.Id)}</a></span>",
                HtmlEncode(a.Name),
                SparkJson.RestDate(DateTime.UnixEpoch.AddMilliseconds(a.StartTime)),
                a.Completed ? SparkJson.RestDate(DateTime.UnixEpoch.AddMilliseconds(a.EndTime)) : "-",
                Duration(a.Duration),
                HtmlEncode(a.User),
                SparkJson.RestDate(DateTime.UnixEpoch.AddMilliseconds(a.LastUpdated)),
                $"<a href=\"{HtmlEncode($"{uiRoot}/api/v1/applications/{a.Id}/logs")}\" class=\"btn btn-info btn-mini\">Download</a>",
            })));
        body.Append(CultureInfo.InvariantCulture,
            $"<a href=\"{HtmlEncode($"{uiRoot}/?showIncomplete={(showIncomplete ? "false" : "true")}")}\">{(showIncomplete ? "Back to completed applications" : "Show incomplete applications")}</a>\n");
        return Page("History Server", h.Version, body.ToString(), uiRoot);
    }

    /// <summary>An application's jobs page in the history server: the tabs link under <c>uiRoot + "/history/" + appId</c> (UIUtils.headerSparkPage).</summary>
    public static string HistoryJobs(HistoryApp a, string uiRoot)
    {
        var basePath = $"{uiRoot}/history/{a.Id}";
        var tabs = string.Join("\n", new[] { ("jobs", "Jobs"), ("stages", "Stages"), ("storage", "Storage"), ("environment", "Environment"), ("executors", "Executors") }
            .Select(t => $"<li class=\"nav-item\"><a class=\"nav-link\" href=\"{HtmlEncode($"{basePath}/{t.Item1}/")}\">{t.Item2}</a></li>"));
        var body = $"""
            <ul class="navbar-nav">
            {tabs}
            </ul>
            <div class="row"><div class="col-12"><ul class="list-unstyled">
            <li><strong>User:</strong> {HtmlEncode(a.User)}</li>
            <li><strong>Total Uptime:</strong> {Duration(a.Duration)}</li>
            <li><strong>Scheduling Mode:</strong> FIFO</li>
            </ul></div></div>
            <h4>Completed Jobs (0)</h4>

            """;
        return Page($"{a.Name} - Spark Jobs", a.Version, body, uiRoot);
    }

    /// <summary>The loader servlet's answer for an application it cannot load.</summary>
    public static string HistoryNotFound(string appId, string uiRoot) =>
        Page("Not Found", "", $"<div class=\"row\">Application {HtmlEncode(appId)} not found.</div>\n", uiRoot);

    /// <summary>Jetty's default error page, which Spark's UIs answer for paths they do not serve.</summary>
    public static string JettyError(int status, string reason, string uri) => $"""
        <html>
        <head>
        <meta http-equiv="Content-Type" content="text/html;charset=utf-8"/>
        <title>Error {status} {reason}</title>
        </head>
        <body>
        <h2>HTTP ERROR {status} {reason}</h2>
        <table>
        <tr><th>URI:</th><td>{HtmlEncode(uri)}</td></tr>
        <tr><th>STATUS:</th><td>{status}</td></tr>
        <tr><th>MESSAGE:</th><td>{reason}</td></tr>
        <tr><th>SERVLET:</th><td>-</td></tr>
        </table>

        </body>
        </html>

        """;

    static string Page(string title, string version, string content, string? uiRoot = null) => $"""
        <!DOCTYPE html>
        <html>
        <head>
        <meta http-equiv="Content-type" content="text/html; charset=utf-8"/>
        {(uiRoot is null ? "" : $"<link rel=\"stylesheet\" href=\"{HtmlEncode(uiRoot + "/static/bootstrap.min.css")}\" type=\"text/css\"/>")}
        <title>{HtmlEncode(title)}</title>
        </head>
        <body>
        <div class="container-fluid">
        <h3 style="vertical-align: middle; display: inline-block;"><span class="version">{HtmlEncode(version)}</span> {HtmlEncode(title)}</h3>
        {content}
        </div>
        </body>
        </html>

        """;

    static string Table(string[] headers, IEnumerable<string[]> rows)
    {
        var html = new StringBuilder("<table class=\"table table-bordered table-sm table-striped sortable\">\n<thead><tr>");
        foreach (var h in headers) html.Append(CultureInfo.InvariantCulture, $"<th>{HtmlEncode(h)}</th>");
        html.Append("</tr></thead>\n<tbody>\n");
        foreach (var row in rows) html.Append("<tr>").AppendJoin("", row.Select(cell => $"<td>{cell}</td>")).Append("</tr>\n");
        return html.Append("</tbody>\n</table>\n").ToString();
    }

    /// <summary>Utils.megabytesToString / bytesToString: the largest unit that leaves at least 2, one decimal.</summary>
    static string Megabytes(long mb)
    {
        double bytes = mb * 1024L * 1024;
        var (value, unit) = bytes switch
        {
            >= 2.0 * (1L << 40) => (bytes / (1L << 40), "TiB"),
            >= 2.0 * (1L << 30) => (bytes / (1L << 30), "GiB"),
            >= 2.0 * (1L << 20) => (bytes / (1L << 20), "MiB"),
            >= 2.0 * (1L << 10) => (bytes / (1L << 10), "KiB"),
            _ => (bytes, "B"),
        };
        return string.Create(CultureInfo.InvariantCulture, $"{value:0.0} {unit}");
    }

    /// <summary>UIUtils.formatDuration.</summary>
    static string Duration(long ms)
    {
        if (ms < 100) return string.Create(CultureInfo.InvariantCulture, $"{ms} ms");
        var seconds = ms / 1000.0;
        if (seconds < 1) return string.Create(CultureInfo.InvariantCulture, $"{seconds:0.0} s");
        if (seconds < 60) return string.Create(CultureInfo.InvariantCulture, $"{seconds:0} s");
        var minutes = seconds / 60;
        if (minutes < 10) return string.Create(CultureInfo.InvariantCulture, $"{minutes:0.0} min");
        if (minutes < 60) return string.Create(CultureInfo.InvariantCulture, $"{minutes:0} min");
        return string.Create(CultureInfo.InvariantCulture, $"{minutes / 60:0.0} h");
    }
}
