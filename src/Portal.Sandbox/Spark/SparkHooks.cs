using Portal.Sandbox.Api;

namespace Portal.Sandbox.Spark;

/// <summary>
/// The <see cref="SparkSimulation"/> test hooks over HTTP, for the console sandbox. Under <c>/sandbox/spark/</c>, a
/// prefix no Kubernetes API path uses. Bodies are optional JSON; failures are RFC 7807 problem documents.
/// </summary>
internal static partial class SparkHooks
{
    public const string Prefix = "/sandbox/spark/";

    [GeneratedRegex(@"^/sandbox/spark/namespaces/(?<ns>[^/]+)/(?:services/(?<svc>[^/]+)/(?<what>applications|jobs)(?:/(?<job>\d+)/finish)?|applications/(?<app>[^/]+)/finish)$")]
    private static partial Regex Route();

    public static async Task Handle(HttpContext http, SparkSimulation spark, string path)
    {
        var m = Route().Match(path);
        if (!m.Success || http.Request.Method != "POST")
        {
            await Problem(http, 404, "Not Found", $"No Spark test hook {http.Request.Method} {path}");
            return;
        }
        var ns = m.Groups["ns"].Value;
        if (await ReadBody(http) is not { } body)
        {
            await Problem(http, 400, "Bad Request", "The body must be a JSON object (or empty).");
            return;
        }
        try
        {
            if (m.Groups["app"].Success)
            {
                spark.FinishApplication(ns, Uri.UnescapeDataString(m.Groups["app"].Value));
                await Http.WriteJson(http, 200, new JsonObject { ["id"] = m.Groups["app"].Value, ["state"] = "FINISHED" });
            }
            else if (m.Groups["what"].Value == "applications")
            {
                var id = spark.StartApplication(ns, m.Groups["svc"].Value, body.Str("name") ?? "Spark shell", (int?)body.Int("maxCores"));
                await Http.WriteJson(http, 201, new JsonObject { ["id"] = id });
            }
            else if (m.Groups["job"].Success)
            {
                var jobId = int.Parse(m.Groups["job"].Value, System.Globalization.CultureInfo.InvariantCulture);
                var succeeded = body.Bool("succeeded") ?? true;
                spark.FinishConnectJob(ns, m.Groups["svc"].Value, jobId, succeeded);
                await Http.WriteJson(http, 200, new JsonObject { ["jobId"] = jobId, ["status"] = succeeded ? "SUCCEEDED" : "FAILED" });
            }
            else
            {
                var jobId = spark.StartConnectJob(ns, m.Groups["svc"].Value, body.Str("description") ?? "collect at <stdin>:1");
                await Http.WriteJson(http, 201, new JsonObject { ["jobId"] = jobId });
            }
        }
        catch (InvalidOperationException e)
        {
            await Problem(http, 409, "Conflict", e.Message);
        }
    }

    static async Task<JsonObject?> ReadBody(HttpContext http)
    {
        var bytes = await Http.ReadBody(http);
        if (bytes.Length == 0) return [];
        try
        {
            return JsonNode.Parse(bytes) as JsonObject;
        }
        catch (System.Text.Json.JsonException)
        {
            return null;
        }
    }

    static Task Problem(HttpContext http, int status, string title, string detail)
    {
        var problem = new JsonObject { ["type"] = "about:blank", ["title"] = title, ["status"] = status, ["detail"] = detail };
        http.Response.StatusCode = status;
        http.Response.ContentType = "application/problem+json";
        return http.Response.WriteAsync(problem.ToJsonString(), http.RequestAborted);
    }
}
