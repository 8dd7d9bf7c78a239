using System.Globalization;
using System.Net.Http.Headers;
using System.Text;
using System.Text.Json;
using Portal.Core.Tenants;

namespace Portal.Web.Tests.Fuzz;

/// <summary>
/// Every operation of the portal's own OpenAPI document, sent a few thousand seeded-random requests: malformed JSON,
/// wrong types, nulls, control characters, huge values, bad quantities and durations, duplicate and case-variant
/// keys, bad Content-Type, If-Match and Idempotency-Key headers, odd path and query values. None may answer 5xx, and
/// every error must be a problem+json body. The seed is printed; PORTAL_FUZZ_SEED=&lt;seed&gt; replays a run
/// (PORTAL_FUZZ_REQUESTS changes how many requests it sends).
/// </summary>
public sealed class OpenApiFuzzTests(PortalApp app) : IClassFixture<PortalApp>
{
    private const int DefaultRequests = 1500;

    private static CancellationToken Ct => TestContext.Current.CancellationToken;

    private static readonly string[] OddTexts =
    [
        "", " ", "\u0000", "a\u0000b", "\t", "a\r\nb", "\u0007", "\u007f", "\u0085", "\u2028", "<script>alert(1)</script>", "'; drop table \"Tenants\"; --",
        "..", "../..", "%", "%00", "ü", "🙂", "\uFEFF", "null", "true", "0", "-1", "1e400", new string('x', 300), new string('y', 5000),
    ];

    private static readonly string[] Quantities =
    [
        "1", "500m", "2Gi", "0", "-1", "1Ei", "1e27", "1e-27", "0.0000000001", "1m", "99999999999999999999999999999", "1.2.3", "2 Gi", "1Pi", "10001", "1Ki",
    ];

    private static readonly string[] Durations =
    [
        "02:00:00", "00:00:00", "-00:10:00", "10675199.02:48:05.4775807", "-10675199.02:48:05.4775808", "365.00:00:00", "366.00:00:00",
        "P1D", "1", "99:99:99", "00:10:00", "7.00:00:00",
    ];

    private static readonly string[] IfMatches = ["\"1\"", "*", "W/\"1\"", "garbage", "\"-1\"", "\"99999999999999999999\"", "\"\"", "\"1\", \"2\"", "\u0001", "\"\u00ff\""];

    private static readonly string[] IdempotencyKeys = ["k", new string('k', 128), new string('k', 129), "ключ", "\u0001", " ", "", "a b", "\u007f"];

    private static readonly string[] ContentTypes =
    [
        "application/json; charset=bogus", "text/plain", "application/json; charset=utf-16", "application/merge-patch+json", "application/json; charset=\"\"",
        "application/x-www-form-urlencoded", "application/json; charset=iso-8859-1",
    ];

    [Fact]
    public async Task No_generated_request_to_any_operation_answers_5xx_or_an_error_without_problem_json()
    {
        var seed = int.TryParse(Environment.GetEnvironmentVariable("PORTAL_FUZZ_SEED"), CultureInfo.InvariantCulture, out var given) ? given : Random.Shared.Next();
        var count = int.TryParse(Environment.GetEnvironmentVariable("PORTAL_FUZZ_REQUESTS"), CultureInfo.InvariantCulture, out var n) ? n : DefaultRequests;
        var replay = $"seed {seed}; replay with PORTAL_FUZZ_SEED={seed} dotnet test --project tests/Portal.Web.Tests/Portal.Web.Tests.csproj -- --filter-class \"*OpenApiFuzzTests\"";
        TestContext.Current.TestOutputHelper?.WriteLine($"note: OpenAPI fuzz: {count} requests, {replay}");

        var client = app.CreateClient();
        var tenant = (await app.CreateTenantAsync((PortalApp.DevelopmentUser, TenantRole.Admin))).Slug;
        await client.PostAsync($"/api/v1/tenants/{tenant}/clusters", Json.Raw("""{"name": "etl"}"""), Ct);
        using var document = JsonDocument.Parse(await client.GetStringAsync("/openapi/v1.json", Ct));
        var operations = Operations(document.RootElement).ToList();
        Assert.NotEmpty(operations);

        var random = new Random(seed);
        var failures = new List<string>();
        for (var i = 0; i < count && failures.Count < 20; i++)
        {
            var operation = operations[random.Next(operations.Count)];
            var generator = new RequestGenerator(random, document.RootElement, tenant);
            using var request = generator.Request(operation);
            var description = $"#{i} {request.Method} {request.RequestUri} {Describe(request)}";
            using var response = await client.SendAsync(request, Ct);
            // Bytes, not ReadAsStringAsync: that trusts the response's charset.
            var body = Encoding.UTF8.GetString(await response.Content.ReadAsByteArrayAsync(Ct));
            if ((int)response.StatusCode >= 500)
                failures.Add($"{(int)response.StatusCode} for {description}: {Truncate(body)}");
            else if ((int)response.StatusCode >= 400 && !IsProblem(response, body))
                failures.Add($"{(int)response.StatusCode} without a problem+json body for {description}: {Truncate(body)}");
        }

        Assert.True(failures.Count == 0, $"{replay}\n{string.Join("\n", failures)}");
    }

    private static bool IsProblem(HttpResponseMessage response, string body)
    {
        if (response.Content.Headers.ContentType?.MediaType != "application/problem+json")
            return false;
        using var problem = JsonDocument.Parse(body);
        return problem.RootElement.TryGetProperty("status", out var status) && status.GetInt32() == (int)response.StatusCode;
    }

    private static string Describe(HttpRequestMessage request)
    {
        var headers = string.Join(", ", request.Headers.NonValidated.Where(h => h.Key != "Authorization").Select(h => $"{h.Key}: {Escape(string.Join(",", h.Value))}"));
        var content = request.Content is StringContent or ByteArrayContent
            ? $" [{request.Content.Headers.NonValidated.Select(h => string.Join(",", h.Value)).FirstOrDefault()}] {Escape(Truncate(Encoding.UTF8.GetString(request.Content.ReadAsByteArrayAsync().GetAwaiter().GetResult())))}"
            : "";
        return headers + content;
    }

    private static string Escape(string text) => JsonSerializer.Serialize(text);

    private static string Truncate(string text) => text.Length > 300 ? text[..300] + "…" : text;

    /// <summary>Each operation: method, path template, parameters and the request body's schema.</summary>
    private static IEnumerable<Operation> Operations(JsonElement document)
    {
        foreach (var path in document.GetProperty("paths").EnumerateObject())
        {
            foreach (var method in path.Value.EnumerateObject())
            {
                if (method.Name is "parameters" or "summary" or "description")
                    continue;
                var parameters = method.Value.TryGetProperty("parameters", out var p) ? p.EnumerateArray().ToList() : [];
                JsonElement? body = method.Value.TryGetProperty("requestBody", out var rb)
                    && rb.GetProperty("content").EnumerateObject().FirstOrDefault() is { Value.ValueKind: JsonValueKind.Object } content
                    && content.Value.TryGetProperty("schema", out var schema) ? schema : null;
                yield return new Operation(new HttpMethod(method.Name.ToUpperInvariant()), path.Name, parameters, body);
            }
        }
    }

    private sealed record Operation(HttpMethod Method, string Path, List<JsonElement> Parameters, JsonElement? Body);

    /// <summary>One request per call, drawn from pools of valid and hostile values, guided by the schema.</summary>
    private sealed class RequestGenerator(Random random, JsonElement document, string tenant)
    {
        private T Pick<T>(IReadOnlyList<T> items) => items[random.Next(items.Count)];

        private bool Chance(double p) => random.NextDouble() < p;

        public HttpRequestMessage Request(Operation operation)
        {
            var path = operation.Path;
            var query = new List<string>();
            var request = new HttpRequestMessage(operation.Method, "/");
            foreach (var parameter in operation.Parameters)
            {
                var name = parameter.GetProperty("name").GetString()!;
                var where = parameter.GetProperty("in").GetString();
                var value = ParameterValue(name);
                switch (where)
                {
                    case "path":
                        // NUL can't be in a path: Kestrel answers 400 before the portal runs, and TestServer throws.
                        path = path.Replace($"{{{name}}}", Uri.EscapeDataString(value.Replace('\0', '\u0001')), StringComparison.Ordinal);
                        break;
                    case "query" when Chance(0.6):
                        query.Add($"{name}={Uri.EscapeDataString(value)}");
                        break;
                    case "header" when Chance(0.6):
                        request.Headers.TryAddWithoutValidation(name, HeaderValue(name));
                        break;
                }
            }

            if (Chance(0.1))
                request.Headers.TryAddWithoutValidation("If-Match", Pick(IfMatches));
            if (Chance(0.1))
                query.Add($"{Uri.EscapeDataString(Pick(OddTexts))}={Uri.EscapeDataString(Pick(OddTexts))}");
            request.RequestUri = new Uri(path + (query.Count > 0 ? "?" + string.Join("&", query) : ""), UriKind.Relative);

            if (operation.Body is { } schema || (operation.Method != HttpMethod.Get && Chance(0.05)))
            {
                var json = operation.Body is { } s ? Body(s) : "{}";
                var content = new ByteArrayContent(Encoding.UTF8.GetBytes(json));
                content.Headers.TryAddWithoutValidation("Content-Type", Chance(0.85) ? "application/json" : Pick(ContentTypes));
                request.Content = Chance(0.03) ? null : content;
            }

            return request;
        }

        private string ParameterValue(string name)
        {
            if (Chance(0.3))
                return Pick(OddTexts);
            return name switch
            {
                "tenant" => Chance(0.8) ? tenant : Pick(["default", "no-such-tenant"]),
                "name" => Pick(["etl", "nothing-here"]),
                "subject" => Pick([PortalApp.DevelopmentUser, "someone", "Someone@Example.org"]),
                "id" => Pick([Guid.NewGuid().ToString(), "not-a-guid", "00000000-0000-0000-0000-000000000000"]),
                "page" or "pageSize" => Pick(["1", "0", "-1", "200", "201", "2147483648", "two", "1.5"]),
                "phase" => Pick(["Running", "running", "3", "Bogus"]),
                "from" or "to" => Pick(["2026-01-01T00:00:00Z", "9999-12-31T23:59:59Z", "0001-01-01T00:00:00Z", "yesterday", "-1"]),
                _ => Pick(["1", "x", "true"]),
            };
        }

        private string HeaderValue(string name) => name switch
        {
            "If-Match" => Pick(IfMatches),
            "Idempotency-Key" => Pick(IdempotencyKeys),
            _ => Pick(["x", "\u0001", new string('h', 2000)]),
        };

        private string Body(JsonElement schema)
        {
            var roll = random.NextDouble();
            var json = Value(schema, "", depth: 0);
            return roll switch
            {
                < 0.04 => json[..random.Next(json.Length)],
                < 0.06 => "[]",
                < 0.08 => "null",
                < 0.09 => new string('[', 5000),
                < 0.10 => $"\"{new string('z', 70_000)}\"",
                < 0.11 => "{\"name\": \"\\ud800\"}",
                _ => json,
            };
        }

        private JsonElement Resolve(JsonElement schema)
        {
            for (var i = 0; i < 8; i++)
            {
                if (schema.TryGetProperty("$ref", out var reference))
                {
                    var name = reference.GetString()!.Split('/')[^1];
                    schema = document.GetProperty("components").GetProperty("schemas").GetProperty(name);
                }
                else if ((schema.TryGetProperty("oneOf", out var any) || schema.TryGetProperty("anyOf", out any))
                         && any.EnumerateArray().FirstOrDefault(s => !IsNullType(s)) is { ValueKind: JsonValueKind.Object } first)
                {
                    schema = first;
                }
                else
                {
                    break;
                }
            }

            return schema;
        }

        private static bool IsNullType(JsonElement schema) =>
            schema.TryGetProperty("type", out var type) && type.ValueKind == JsonValueKind.String && type.GetString() == "null";

        private static string TypeOf(JsonElement schema)
        {
            if (!schema.TryGetProperty("type", out var type))
                return schema.TryGetProperty("properties", out _) ? "object" : "any";
            if (type.ValueKind == JsonValueKind.String)
                return type.GetString()!;
            return type.EnumerateArray().Select(t => t.GetString()!).FirstOrDefault(t => t != "null") ?? "null";
        }

        /// <summary>JSON text for <paramref name="schema"/>, mostly plausible, sometimes hostile.</summary>
        private string Value(JsonElement schema, string field, int depth)
        {
            schema = Resolve(schema);
            var hostile = random.NextDouble();
            if (hostile < 0.05)
                return "null";
            if (hostile < 0.10)
                return Pick(["\"\\u0000\"", "1e400", "-99999999999999999999", "[]", "{}", "true", "\"\"", "18446744073709551616", "0.5", "\"\\u0001\""]);

            switch (TypeOf(schema))
            {
                case "object" when depth < 4:
                    return Object(schema, depth);
                case "array" when depth < 4:
                    var items = schema.TryGetProperty("items", out var itemSchema) ? itemSchema : default;
                    var count = random.Next(Chance(0.05) ? 30 : 4);
                    return "[" + string.Join(",", Enumerable.Range(0, count).Select(_ => items.ValueKind == JsonValueKind.Object ? Value(items, field, depth + 1) : "1")) + "]";
                case "integer":
                    return Pick(["0", "1", "2", "-1", "50", "51", "2147483647", "2147483648", "1.5", "\"2\""]);
                case "number":
                    return Pick(["0", "1.5", "-1", "1e308", "\"1\""]);
                case "boolean":
                    return Pick(["true", "false", "\"true\"", "0"]);
                default:
                    return JsonSerializer.Serialize(Text(schema, field));
            }
        }

        private string Object(JsonElement schema, int depth)
        {
            var members = new List<(string Key, string Value)>();
            if (schema.TryGetProperty("properties", out var properties))
            {
                foreach (var property in properties.EnumerateObject())
                {
                    if (Chance(0.5))
                        members.Add((property.Name, Value(property.Value, property.Name, depth + 1)));
                }
            }

            if (schema.TryGetProperty("additionalProperties", out var extra) && extra.ValueKind == JsonValueKind.Object)
            {
                for (var i = random.Next(4); i > 0; i--)
                    members.Add((Chance(0.7) ? Pick(["spark.app.name", "spark.executor.cores", "spark.master", "spark.sql.shuffle.partitions"]) : Pick(OddTexts), Value(extra, "", depth + 1)));
            }

            if (members.Count > 0 && Chance(0.05))
                members.Add(members[random.Next(members.Count)]);
            if (members.Count > 0 && Chance(0.05))
            {
                // A key differing only in case; odd keys may be empty, and have no case to change.
                var (key, value) = members[random.Next(members.Count)];
                if (key.Length > 0)
                    members.Add((char.ToUpperInvariant(key[0]) + key[1..], value));
            }

            if (Chance(0.03))
                members.Add(("unknownField", "1"));
            return "{" + string.Join(",", members.Select(m => $"{JsonSerializer.Serialize(m.Key)}:{m.Value}")) + "}";
        }

        private string Text(JsonElement schema, string field)
        {
            if (Chance(0.25))
                return Pick(OddTexts);
            var lower = field.ToLowerInvariant();
            if (lower.Contains("cores", StringComparison.Ordinal) || lower.Contains("memory", StringComparison.Ordinal)
                || lower.Contains("scratch", StringComparison.Ordinal) || lower is "cpu" or "ephemeralstorage")
                return Pick(Quantities);
            if (lower.Contains("timetolive", StringComparison.Ordinal) || lower is "by" or "idletimeout")
                return Pick(Durations);
            if (lower == "role")
                return Pick(["Admin", "Member", "Viewer", "admin", "Owner", "1"]);
            if (schema.TryGetProperty("enum", out var values) && values.GetArrayLength() > 0)
                return values[random.Next(values.GetArrayLength())].ToString();
            return lower switch
            {
                "name" or "slug" => Pick(["etl", "team-" + random.Next(1000), "ETL", "a-", new string('a', 41)]),
                "image" => Pick(["apache/spark:4.0.3-scala2.13-java17-python3-ubuntu", "evil/miner:latest"]),
                "sparkversion" => Pick(["4.0.3", "3.5.8", "1.6.0"]),
                "tenant" => tenant,
                _ => Pick(["x", "Team", "2026-01-01T00:00:00Z"]),
            };
        }
    }
}
