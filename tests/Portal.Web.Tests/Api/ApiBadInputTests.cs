using System.Net;
using System.Text;
using Portal.Core.Tenants;

namespace Portal.Web.Tests.Api;

/// <summary>
/// Input that once answered 500 or was silently accepted (issue 12): control characters in any string, a charset
/// nobody knows, durations that overflow date arithmetic, absurd quantities, roles as numbers, member names with
/// line breaks or markup, and duplicate or case-variant JSON keys. Each row is a 4xx problem naming the field.
/// </summary>
public sealed class ApiBadInputTests(PortalApp app) : IClassFixture<PortalApp>, IAsyncLifetime
{
    private readonly HttpClient _client = app.CreateClient();
    private readonly HttpClient _platformAdmin = app.CreateClient("root", platformAdmin: true);
    private string _tenant = "";

    private static CancellationToken Ct => TestContext.Current.CancellationToken;

    public async ValueTask InitializeAsync() =>
        _tenant = (await app.CreateTenantAsync((PortalApp.DevelopmentUser, TenantRole.Admin))).Slug;

    public ValueTask DisposeAsync() => ValueTask.CompletedTask;

    private static string Unique(string prefix) => $"{prefix}-{Guid.NewGuid():N}"[..20];

    private async Task<ProblemBody> SendAsync(HttpMethod method, string path, string? body = null, string? contentType = null)
    {
        using var request = new HttpRequestMessage(method, path);
        if (body is not null)
            request.Content = new StringContent(body, Encoding.UTF8, contentType ?? "application/json");
        return await (await _client.SendAsync(request, Ct)).ProblemAsync();
    }

    private static void AssertNamesField(ProblemBody problem, string field) =>
        Assert.Equal((400, true), (problem.Status, problem.Errors?.ContainsKey(field) ?? false));

    /// <summary>Create-cluster bodies with a control character in a string, and the field each must name.</summary>
    public static TheoryData<string, string> CreateBodiesWithControlCharacters => new()
    {
        { """{"name": "etl\u0000"}""", "name" },
        { """{"name": "etl", "image": "\u0000"}""", "image" },
        { """{"name": "etl", "sparkVersion": "4.0.3\u0000"}""", "sparkVersion" },
        { """{"name": "etl", "workerMemory": "2Gi\u0000"}""", "workerMemory" },
        { """{"name": "etl", "sparkConf": {"spark.app.name": "a\u0000b"}}""", "sparkConf[spark.app.name]" },
        { """{"name": "etl", "sparkConf": {"spark.app.name": "a\u0007b"}}""", "sparkConf[spark.app.name]" },
    };

    [Theory]
    [MemberData(nameof(CreateBodiesWithControlCharacters))]
    public async Task A_control_character_in_a_create_body_answers_400_naming_the_field(string body, string field)
    {
        var problem = await SendAsync(HttpMethod.Post, $"/api/v1/tenants/{_tenant}/clusters", body);

        AssertNamesField(problem, field);
    }

    [Fact]
    public async Task A_NUL_in_a_tenant_display_name_answers_400_naming_the_field()
    {
        var response = await _platformAdmin.PostAsync("/api/v1/tenants",
            Json.Raw($$"""{"slug": "{{Unique("nul")}}", "displayName": "Team\u0000A"}"""), Ct);

        AssertNamesField(await response.ProblemAsync(), "displayName");
    }

    [Fact]
    public async Task A_NUL_in_a_preset_name_answers_400_naming_the_field()
    {
        var body = $$$"""{"slug": "{{{Unique("nul")}}}", "displayName": "A", "policy": {"presets": [{"name": "S\u0000", "workers": 1, "workerCores": "1", "workerMemory": "2Gi"}]}}""";

        var response = await _platformAdmin.PostAsync("/api/v1/tenants", Json.Raw(body), Ct);

        AssertNamesField(await response.ProblemAsync(), "policy.presets[0].name");
    }

    [Fact]
    public async Task A_NUL_in_a_token_name_answers_400_naming_the_field()
    {
        var problem = await SendAsync(HttpMethod.Post, "/api/v1/tokens", """{"name": "nb\u0000"}""");

        AssertNamesField(problem, "name");
    }

    [Theory]
    [InlineData("/api/v1/tenants/%01", "tenant")]
    [InlineData("/api/v1/tenants/a%01/clusters", "tenant")]
    [InlineData("/api/v1/tenants/default/clusters/etl%7F", "name")]
    [InlineData("/api/v1/tenants/default/clusters?phase=%00", "phase")]
    [InlineData("/api/v1/tenants/default/usage?from=%00", "from")]
    [InlineData("/api/v1/users?search=%00", "search")]
    public async Task A_control_character_in_a_path_or_query_parameter_answers_400_naming_it(string path, string parameter)
    {
        var problem = await SendAsync(HttpMethod.Get, path);

        AssertNamesField(problem, parameter);
    }

    [Fact]
    public async Task A_control_character_in_the_tenant_of_a_refused_change_answers_400_naming_it()
    {
        // Refusals are audited with the target. NUL itself can't be in a path: Kestrel and TestServer both refuse it.
        var problem = await SendAsync(HttpMethod.Patch, "/api/v1/tenants/a%01b", """{"displayName": "x"}""");

        AssertNamesField(problem, "tenant");
    }

    [Fact]
    public async Task A_control_character_in_a_member_subject_answers_400_naming_it()
    {
        var problem = await SendAsync(HttpMethod.Put, $"/api/v1/tenants/{_tenant}/members/eve%01", """{"role": "Member"}""");

        AssertNamesField(problem, "subject");
    }

    [Fact]
    public async Task A_control_character_in_the_Idempotency_Key_answers_400_naming_the_header()
    {
        using var request = new HttpRequestMessage(HttpMethod.Post, $"/api/v1/tenants/{_tenant}/clusters")
        {
            Content = Json.Raw("""{"name": "etl"}"""),
        };
        // TestServer passes what Kestrel would refuse; the API must not rely on the server for it.
        request.Headers.TryAddWithoutValidation("Idempotency-Key", "key\u0001");

        var problem = await (await _client.SendAsync(request, Ct)).ProblemAsync();

        AssertNamesField(problem, "Idempotency-Key");
    }

    [Theory]
    [InlineData("application/json; charset=bogus")]
    [InlineData("application/json; charset=\"\"")]
    public async Task A_body_in_an_unknown_charset_answers_415(string contentType)
    {
        using var request = new HttpRequestMessage(HttpMethod.Post, $"/api/v1/tenants/{_tenant}/clusters")
        {
            Content = new ByteArrayContent("""{"name": "etl"}"""u8.ToArray()),
        };
        request.Content.Headers.TryAddWithoutValidation("Content-Type", contentType);

        var response = await _client.SendAsync(request, Ct);

        Assert.Equal(HttpStatusCode.UnsupportedMediaType, (HttpStatusCode)(await response.ProblemAsync()).Status);
    }

    [Fact]
    public async Task Extending_by_the_largest_duration_answers_400_naming_by()
    {
        await _client.PostAsync($"/api/v1/tenants/{_tenant}/clusters", Json.Raw("""{"name": "etl"}"""), Ct);

        var problem = await SendAsync(HttpMethod.Post, $"/api/v1/tenants/{_tenant}/clusters/etl/extend", """{"by": "10675199.02:48:05.4775807"}""");

        AssertNamesField(problem, "by");
    }

    [Theory]
    [InlineData("""{"maxTimeToLive": "10675199.02:48:05.4775807"}""", "policy.maxTimeToLive")]
    [InlineData("""{"maxTimeToLive": "366.00:00:00", "defaultTimeToLive": "08:00:00"}""", "policy.maxTimeToLive")]
    [InlineData("""{"maxTimeToLive": "-10675199.02:48:05.4775808"}""", "policy.maxTimeToLive")]
    public async Task A_tenant_lifetime_beyond_365_days_answers_400_naming_it(string policy, string field)
    {
        var response = await _platformAdmin.PostAsync("/api/v1/tenants",
            Json.Raw($$"""{"slug": "{{Unique("ttl")}}", "displayName": "A", "policy": {{policy}}}"""), Ct);

        AssertNamesField(await response.ProblemAsync(), field);
    }

    [Theory]
    [InlineData("""{"cpu": "1Ei"}""", "quota.cpu")]
    [InlineData("""{"cpu": "0.0000000001"}""", "quota.cpu")]
    [InlineData("""{"cpu": "10001"}""", "quota.cpu")]
    [InlineData("""{"memory": "1m"}""", "quota.memory")]
    [InlineData("""{"memory": "512Mi"}""", "quota.memory")]
    [InlineData("""{"memory": "2Pi"}""", "quota.memory")]
    [InlineData("""{"ephemeralStorage": "1k"}""", "quota.ephemeralStorage")]
    [InlineData("""{"ephemeralStorage": "1Ei"}""", "quota.ephemeralStorage")]
    public async Task A_quota_outside_its_bounds_answers_400_naming_it(string quota, string field)
    {
        var response = await _platformAdmin.PostAsync("/api/v1/tenants",
            Json.Raw($$"""{"slug": "{{Unique("quota")}}", "displayName": "A", "quota": {{quota}}}"""), Ct);

        AssertNamesField(await response.ProblemAsync(), field);
    }

    [Fact]
    public async Task A_quota_at_its_bounds_is_accepted()
    {
        var body = $$$"""{"slug": "{{{Unique("quota")}}}", "displayName": "A", "quota": {"cpu": "100m", "memory": "1Pi", "ephemeralStorage": "1Gi"}}""";

        var response = await _platformAdmin.PostAsync("/api/v1/tenants", Json.Raw(body), Ct);

        Assert.Equal(HttpStatusCode.Created, response.StatusCode);
    }

    [Fact]
    public async Task A_create_with_a_hundred_billionth_of_a_core_answers_400_naming_it()
    {
        var problem = await SendAsync(HttpMethod.Post, $"/api/v1/tenants/{_tenant}/clusters", """{"name": "etl", "workerCores": "0.0000000001"}""");

        AssertNamesField(problem, "workerCores");
    }

    [Theory]
    [InlineData("""{"role": 0}""")]
    [InlineData("""{"role": "1"}""")]
    [InlineData("""{"role": "2"}""")]
    public async Task A_role_given_as_a_number_answers_400_naming_the_role(string body)
    {
        var problem = await SendAsync(HttpMethod.Put, $"/api/v1/tenants/{_tenant}/members/{Unique("new")}", body);

        AssertNamesField(problem, "role");
    }

    [Theory]
    [InlineData("eve%0D%0Aadmin")]
    [InlineData("eve%0A")]
    [InlineData("%3Cscript%3Ealert(1)%3C%2Fscript%3E")]
    [InlineData("eve%3E")]
    public async Task A_member_subject_with_a_line_break_or_markup_answers_400_naming_it(string subject)
    {
        var problem = await SendAsync(HttpMethod.Put, $"/api/v1/tenants/{_tenant}/members/{subject}", """{"role": "Member"}""");

        AssertNamesField(problem, "subject");
    }

    [Theory]
    [InlineData("""{"name": "etl", "name": "other"}""", "name")]
    [InlineData("""{"name": "etl", "Name": "other"}""", "Name")]
    [InlineData("""{"Name": "etl"}""", "Name")]
    [InlineData("""{"name": "etl", "sparkConf": {"spark.app.name": "a", "spark.app.name": "b"}}""", "sparkConf[spark.app.name]")]
    public async Task A_duplicate_or_case_variant_key_answers_400_naming_it(string body, string field)
    {
        var problem = await SendAsync(HttpMethod.Post, $"/api/v1/tenants/{_tenant}/clusters", body);

        Assert.Equal((400, field), (problem.Status, Assert.Single(problem.Errors!.Keys)));
    }
}
