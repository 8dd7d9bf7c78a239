using System.Net;
using Portal.Core.Tenants;

namespace Portal.Web.Tests.Clusters;

/// <summary>
/// The bad-input table: every row answers problem+json with the right status and, for validation problems, the
/// JSON field that was wrong. Never a 500 or a stack trace.
/// </summary>
public sealed class BadInputTests(PortalApp app) : IClassFixture<PortalApp>, IAsyncLifetime
{
    private readonly HttpClient _client = app.CreateClient();

    // A tenant per test: rows that create clusters can't fill another row's quota or take its names.
    private string _tenant = "";

    private static CancellationToken Ct => TestContext.Current.CancellationToken;

    public async ValueTask InitializeAsync() =>
        _tenant = (await app.CreateTenantAsync((PortalApp.DevelopmentUser, TenantRole.Member))).Slug;

    public ValueTask DisposeAsync() => ValueTask.CompletedTask;

    /// <summary>Create bodies that must be refused with 400, and the field each must name.</summary>
    public static TheoryData<string, string> InvalidCreateBodies => new()
    {
        { """{"workers": 2}""", "name" },
        { """{"name": "", "workers": 2}""", "name" },
        { """{"name": "ETL", "workers": 2}""", "name" },
        { """{"name": "etl_1", "workers": 2}""", "name" },
        { """{"name": "1etl", "workers": 2}""", "name" },
        { """{"name": "etl-", "workers": 2}""", "name" },
        { $$"""{"name": "{{new string('a', 41)}}", "workers": 2}""", "name" },
        { """{"name": "etl", "workers": 0}""", "workers" },
        { """{"name": "etl", "workers": -1}""", "workers" },
        { """{"name": "etl", "workers": 51}""", "workers" },
        { """{"name": "etl", "workers": "two"}""", "workers" },
        { """{"name": "etl", "workers": 2.5}""", "workers" },
        { """{"name": "etl", "workers": 2, "workerCores": "one"}""", "workerCores" },
        { """{"name": "etl", "workers": 2, "workerCores": "0"}""", "workerCores" },
        { """{"name": "etl", "workers": 2, "workerCores": "-1"}""", "workerCores" },
        { """{"name": "etl", "workers": 2, "workerCores": "1.2.3"}""", "workerCores" },
        { """{"name": "etl", "workers": 2, "workerCores": "65"}""", "workerCores" },
        { """{"name": "etl", "workers": 2, "workerMemory": "2GB"}""", "workerMemory" },
        { """{"name": "etl", "workers": 2, "workerMemory": "2 Gi"}""", "workerMemory" },
        { """{"name": "etl", "workers": 2, "workerMemory": "100Mi"}""", "workerMemory" },
        { """{"name": "etl", "workers": 2, "masterCores": "1x"}""", "masterCores" },
        { """{"name": "etl", "workers": 2, "masterMemory": "2Ti"}""", "masterMemory" },
        { """{"name": "etl", "workers": 2, "image": "evil/miner:latest"}""", "image" },
        { """{"name": "etl", "workers": 2, "sparkVersion": "1.6.0"}""", "sparkVersion" },
        { """{"name": "etl", "workers": 2, "timeToLive": "30.00:00:00"}""", "timeToLive" },
        { """{"name": "etl", "workers": 2, "timeToLive": "00:01:00"}""", "timeToLive" },
        { """{"name": "etl", "workers": 2, "sparkConf": {"spark.master": "local[*]"}}""", "sparkConf[spark.master]" },
        { """{"name": "etl", "workers": 2, "sparkConf": {"spark.kubernetes.namespace": "kube-system"}}""", "sparkConf[spark.kubernetes.namespace]" },
        { """{"name": "etl", "workers": 2, "sparkConf": {"spark.kubernetes.authenticate.driver.serviceAccountName": "admin"}}""", "sparkConf[spark.kubernetes.authenticate.driver.serviceAccountName]" },
        { """{"name": "etl", "workers": 2, "sparkConf": {"spark.driver.host": "evil.example"}}""", "sparkConf[spark.driver.host]" },
        { """{"name": "etl", "workers": 2, "sparkConf": {"spark.master.rest.enabled": "true"}}""", "sparkConf[spark.master.rest.enabled]" },
        { """{"name": "etl", "workers": 2, "sparkConf": {"hadoop.fs.defaultFS": "x"}}""", "sparkConf[hadoop.fs.defaultFS]" },
        { """{"name": "etl", "workers": 2, "sparkConf": {"spark.executor.cores": "1\nspark.master local"}}""", "sparkConf[spark.executor.cores]" },
        { """{"name": "etl", "workers": 2, "sparkConf": {"spark.executor.cores": null}}""", "sparkConf[spark.executor.cores]" },
        { """{"name": "etl", "worker": 2}""", "worker" },
        { """{"name": "etl", "workers": 2, "image": "apache/spark:3.5.8-scala2.12-java17-python3-ubuntu", "sparkConnect": true}""", "sparkConnect" },
        { """{"name": "etl", "workers": 2, "sparkVersion": "3.5.8", "sparkConnect": true}""", "sparkConnect" },
        { """{"name": "etl", "workers": 2, "sparkVersion": "4.0.3", "image": "apache/spark:3.5.8-scala2.12-java17-python3-ubuntu"}""", "image" },
        { """{"name": "etl", "workers": 2, "workerMemory": "600Mi"}""", "workerMemory" },
        { """{"name": "etl", "workers": 2, "workerMemory": "1Gi"}""", "workerMemory" },
        { """{"name": "etl", "workers": 2, "masterMemory": "640Mi", "sparkConnect": true}""", "masterMemory" },
        { """{"name": "etl", "workers": 2, "masterMemory": "400Mi", "sparkConnect": false}""", "masterMemory" },
        { """{"name": "etl", "workers": 2, "workerScratch": "100Mi"}""", "workerScratch" },
        { """{"name": "etl", "workers": 2, "masterScratch": "2Ti"}""", "masterScratch" },
        { """{"name": "etl", "workers": 2, "sparkConf": {"spark.executor.memory": "8g"}}""", "sparkConf[spark.executor.memory]" },
    };

    [Fact]
    public async Task A_worker_too_small_for_spark_is_refused_with_the_minimum()
    {
        var response = await _client.PostAsync($"/api/v1/tenants/{_tenant}/clusters", Json.Raw("""{"name": "etl", "workerMemory": "600Mi"}"""), Ct);

        var problem = await response.ProblemAsync();
        Assert.StartsWith("Must be at least 1344Mi", Assert.Single(problem.Errors!["workerMemory"]), StringComparison.Ordinal);
    }

    [Fact]
    public async Task Connect_on_an_image_without_it_is_refused_naming_the_images_that_have_it()
    {
        var response = await _client.PostAsync($"/api/v1/tenants/{_tenant}/clusters",
            Json.Raw("""{"name": "etl", "sparkVersion": "3.5.8", "sparkConnect": true}"""), Ct);

        var problem = await response.ProblemAsync();
        Assert.Contains("apache/spark:4.0.3-scala2.13-java17-python3-ubuntu", Assert.Single(problem.Errors!["sparkConnect"]), StringComparison.Ordinal);
    }

    [Theory]
    [MemberData(nameof(InvalidCreateBodies))]
    public async Task An_invalid_create_body_answers_400_naming_the_field(string body, string field)
    {
        var response = await _client.PostAsync($"/api/v1/tenants/{_tenant}/clusters", Json.Raw(body), Ct);

        var problem = await response.ProblemAsync();
        Assert.Equal((400, true), (problem.Status, problem.Errors?.ContainsKey(field) ?? false));
    }

    [Theory]
    [InlineData("""{"name": "etl", """)]
    [InlineData("""{name: "etl"}""")]
    [InlineData("not json")]
    [InlineData("[]")]
    public async Task Malformed_JSON_answers_400(string body)
    {
        var response = await _client.PostAsync($"/api/v1/tenants/{_tenant}/clusters", Json.Raw(body), Ct);

        Assert.Equal(HttpStatusCode.BadRequest, (HttpStatusCode)(await response.ProblemAsync()).Status);
    }

    [Fact]
    public async Task An_empty_body_answers_400()
    {
        var response = await _client.PostAsync($"/api/v1/tenants/{_tenant}/clusters", Json.Raw(""), Ct);

        Assert.Equal(HttpStatusCode.BadRequest, (HttpStatusCode)(await response.ProblemAsync()).Status);
    }

    [Fact]
    public async Task A_missing_body_is_explained_to_the_caller_not_to_the_developer()
    {
        var response = await _client.PostAsync($"/api/v1/tenants/{_tenant}/clusters", Json.Raw(""), Ct);

        Assert.Equal("The request needs a JSON body.", (await response.ProblemAsync()).Title);
    }

    [Fact]
    public async Task A_body_over_the_size_limit_answers_413()
    {
        var body = $$$"""{"name": "etl", "workers": 2, "sparkConf": {"spark.app.name": "{{{new string('x', 70_000)}}}"}}""";

        var response = await _client.PostAsync($"/api/v1/tenants/{_tenant}/clusters", Json.Raw(body), Ct);

        Assert.Equal(HttpStatusCode.RequestEntityTooLarge, (HttpStatusCode)(await response.ProblemAsync()).Status);
    }

    [Fact]
    public async Task A_duplicate_name_in_the_tenant_answers_409()
    {
        await _client.PostAsync($"/api/v1/tenants/{_tenant}/clusters", Json.Raw("""{"name": "etl", "workers": 2}"""), Ct);

        var response = await _client.PostAsync($"/api/v1/tenants/{_tenant}/clusters", Json.Raw("""{"name": "etl", "workers": 3}"""), Ct);

        Assert.Equal(HttpStatusCode.Conflict, (HttpStatusCode)(await response.ProblemAsync()).Status);
    }

    [Fact]
    public async Task The_name_of_a_cluster_still_being_deleted_stays_taken()
    {
        await _client.PostAsync($"/api/v1/tenants/{_tenant}/clusters", Json.Raw("""{"name": "etl", "workers": 2}"""), Ct);
        await _client.DeleteAsync($"/api/v1/tenants/{_tenant}/clusters/etl", Ct);

        var response = await _client.PostAsync($"/api/v1/tenants/{_tenant}/clusters", Json.Raw("""{"name": "etl", "workers": 2}"""), Ct);

        Assert.Equal(HttpStatusCode.Conflict, (HttpStatusCode)(await response.ProblemAsync()).Status);
    }

    [Fact]
    public async Task Creating_in_an_unknown_tenant_answers_404()
    {
        var response = await _client.PostAsync("/api/v1/tenants/no-such-tenant/clusters", Json.Raw("""{"name": "etl", "workers": 2}"""), Ct);

        Assert.Equal(HttpStatusCode.NotFound, (HttpStatusCode)(await response.ProblemAsync()).Status);
    }

    [Fact]
    public async Task Creating_in_a_tenant_the_caller_is_not_a_member_of_answers_404_not_403()
    {
        var theirs = await app.CreateTenantAsync(("someone-else", TenantRole.Admin));
        // Not a platform admin: those administer every tenant.
        var outsider = app.CreateClient("outsider");

        var response = await outsider.PostAsync($"/api/v1/tenants/{theirs.Slug}/clusters", Json.Raw("""{"name": "etl", "workers": 2}"""), Ct);

        Assert.Equal(HttpStatusCode.NotFound, (HttpStatusCode)(await response.ProblemAsync()).Status);
    }

    [Fact]
    public async Task Getting_an_unknown_cluster_answers_404()
    {
        var response = await _client.GetAsync($"/api/v1/tenants/{_tenant}/clusters/nothing-here", Ct);

        Assert.Equal(HttpStatusCode.NotFound, (HttpStatusCode)(await response.ProblemAsync()).Status);
    }

    [Fact]
    public async Task Scaling_an_unknown_cluster_answers_404()
    {
        var response = await _client.PutAsync($"/api/v1/tenants/{_tenant}/clusters/nothing-here/scale", Json.Raw("""{"workers": 3}"""), Ct);

        Assert.Equal(HttpStatusCode.NotFound, (HttpStatusCode)(await response.ProblemAsync()).Status);
    }

    [Theory]
    [InlineData("""{"workers": 0}""", "workers")]
    [InlineData("""{"workers": 51}""", "workers")]
    [InlineData("""{}""", "workers")]
    [InlineData("""{"workers": "many"}""", "workers")]
    public async Task An_invalid_scale_body_answers_400_naming_the_field(string body, string field)
    {
        await _client.PostAsync($"/api/v1/tenants/{_tenant}/clusters", Json.Raw("""{"name": "etl", "workers": 2}"""), Ct);

        var response = await _client.PutAsync($"/api/v1/tenants/{_tenant}/clusters/etl/scale", Json.Raw(body), Ct);

        var problem = await response.ProblemAsync();
        Assert.Equal((400, true), (problem.Status, problem.Errors?.ContainsKey(field) ?? false));
    }

    [Theory]
    [InlineData("phase=Bogus", "phase")]
    [InlineData("phase=3", "phase")]
    [InlineData("page=0", "page")]
    [InlineData("pageSize=0", "pageSize")]
    [InlineData("pageSize=201", "pageSize")]
    public async Task An_invalid_list_query_answers_400_naming_the_parameter(string query, string field)
    {
        var response = await _client.GetAsync($"/api/v1/tenants/{_tenant}/clusters?{query}", Ct);

        var problem = await response.ProblemAsync();
        Assert.Equal((400, true), (problem.Status, problem.Errors?.ContainsKey(field) ?? false));
    }

    [Fact]
    public async Task A_non_numeric_page_answers_400()
    {
        var response = await _client.GetAsync($"/api/v1/tenants/{_tenant}/clusters?page=two", Ct);

        Assert.Equal(HttpStatusCode.BadRequest, (HttpStatusCode)(await response.ProblemAsync()).Status);
    }

    [Fact]
    public async Task An_overlong_Idempotency_Key_answers_400_naming_the_header()
    {
        using var request = new HttpRequestMessage(HttpMethod.Post, $"/api/v1/tenants/{_tenant}/clusters")
        {
            Content = Json.Raw("""{"name": "etl", "workers": 2}"""),
        };
        request.Headers.Add("Idempotency-Key", new string('k', 129));

        var problem = await (await _client.SendAsync(request, Ct)).ProblemAsync();

        Assert.Equal((400, true), (problem.Status, problem.Errors?.ContainsKey("Idempotency-Key") ?? false));
    }

    [Fact]
    public async Task A_wrong_content_type_answers_415()
    {
        var response = await _client.PostAsync($"/api/v1/tenants/{_tenant}/clusters", new StringContent("name=etl"), Ct);

        Assert.Equal(HttpStatusCode.UnsupportedMediaType, (HttpStatusCode)(await response.ProblemAsync()).Status);
    }

    [Fact]
    public async Task Exceeding_the_tenants_cluster_quota_answers_409()
    {
        var tenant = await app.CreateTenantAsync((PortalApp.DevelopmentUser, TenantRole.Member));
        for (var i = 0; i < tenant.Quota.MaxClusters; i++)
            await _client.PostAsync($"/api/v1/tenants/{tenant.Slug}/clusters", Json.Raw($$"""{"name": "c{{i}}", "workers": 1}"""), Ct);

        var response = await _client.PostAsync($"/api/v1/tenants/{tenant.Slug}/clusters", Json.Raw("""{"name": "one-more", "workers": 1}"""), Ct);

        Assert.Equal(HttpStatusCode.Conflict, (HttpStatusCode)(await response.ProblemAsync()).Status);
    }
}
