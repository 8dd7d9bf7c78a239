using System.Net;
using System.Net.Http.Json;
using Microsoft.EntityFrameworkCore;
using Portal.Core.Audit;
using Portal.Core.Clusters;
using Portal.Core.Tenants;

namespace Portal.Web.Tests.Clusters;

/// <summary>The cluster API's behaviour on PostgreSQL, as a notebook sees it.</summary>
public sealed class ClusterApiTests(PortalApp app) : IClassFixture<PortalApp>, IAsyncLifetime
{
    private readonly HttpClient _client = app.CreateClient();

    // Each test works in its own tenant, so the tenants' cluster quota and listings never couple tests.
    private string _tenant = "";

    public async ValueTask InitializeAsync() =>
        _tenant = (await app.CreateTenantAsync((PortalApp.DevelopmentUser, TenantRole.Member))).Slug;

    public ValueTask DisposeAsync() => ValueTask.CompletedTask;

    private static CancellationToken Ct => TestContext.Current.CancellationToken;

    private static string UniqueName(string prefix = "etl") => $"{prefix}-{Guid.NewGuid():N}"[..20];

    private async Task<HttpResponseMessage> CreateAsync(string name, int workers = 2, string? tenant = null, string? key = null)
    {
        using var request = new HttpRequestMessage(HttpMethod.Post, $"/api/v1/tenants/{tenant ?? _tenant}/clusters")
        {
            Content = Json.Body(new { name, workers }),
        };
        if (key is not null)
            request.Headers.Add("Idempotency-Key", key);
        return await _client.SendAsync(request, Ct);
    }

    private async Task<ClusterDto> CreatedAsync(string name, int workers = 2, string? tenant = null) =>
        (await (await CreateAsync(name, workers, tenant)).EnsureSuccessStatusCode().Content.ReadFromJsonAsync<ClusterDto>(Json.Options, Ct))!;

    private async Task<HttpResponseMessage> SendAsync(HttpMethod method, string path, object? body = null, string? ifMatch = null)
    {
        using var request = new HttpRequestMessage(method, path) { Content = body is null ? null : Json.Body(body) };
        if (ifMatch is not null)
            request.Headers.TryAddWithoutValidation("If-Match", ifMatch);
        return await _client.SendAsync(request, Ct);
    }

    [Fact]
    public async Task Creating_with_just_a_name_and_workers_answers_202_with_the_location()
    {
        var name = UniqueName();

        var response = await CreateAsync(name);

        Assert.Equal(HttpStatusCode.Accepted, response.StatusCode);
        Assert.Equal($"/api/v1/tenants/{_tenant}/clusters/{name}", response.Headers.Location?.OriginalString);
    }

    [Fact]
    public async Task A_created_cluster_is_in_phase_Requested()
    {
        var cluster = await CreatedAsync(UniqueName());

        Assert.Equal(ClusterPhase.Requested, cluster.Status.Phase);
    }

    [Fact]
    public async Task A_created_cluster_gets_the_documented_defaults()
    {
        var cluster = await CreatedAsync(UniqueName());

        Assert.Equal(
            new SpecDefaults("4.0.3", "apache/spark:4.0.3-scala2.13-java17-python3-ubuntu", "1", "2Gi", "1", "1Gi", true, TimeSpan.FromHours(8)),
            new SpecDefaults(cluster.Spec.SparkVersion, cluster.Spec.Image, cluster.Spec.WorkerCores, cluster.Spec.WorkerMemory,
                cluster.Spec.MasterCores, cluster.Spec.MasterMemory, cluster.Spec.SparkConnect, cluster.Spec.TimeToLive));
    }

    [Fact]
    public async Task A_created_cluster_is_owned_by_the_caller()
    {
        var cluster = await CreatedAsync(UniqueName());

        Assert.Equal(PortalApp.DevelopmentUser, cluster.Owner);
    }

    [Fact]
    public async Task Getting_a_cluster_returns_it_with_its_version_as_ETag()
    {
        var name = UniqueName();
        await CreatedAsync(name);

        var response = await _client.GetAsync($"/api/v1/tenants/{_tenant}/clusters/{name}", Ct);

        var cluster = await response.EnsureSuccessStatusCode().Content.ReadFromJsonAsync<ClusterDto>(Json.Options, Ct);
        Assert.Equal($"\"{cluster!.Version}\"", response.Headers.ETag?.ToString());
    }

    [Fact]
    public async Task Listing_returns_the_requested_page_ordered_by_name()
    {
        foreach (var name in new[] { "c-three", "a-one", "b-two" })
            await CreatedAsync(name);

        var page = await _client.GetFromJsonAsync<ClusterPageDto>($"/api/v1/tenants/{_tenant}/clusters?page=2&pageSize=2", Json.Options, Ct);

        Assert.Equal(new PageSummary(["c-three"], 2, 2, 3), PageSummary.Of(page!));
    }

    [Fact]
    public async Task Listing_by_phase_returns_only_clusters_in_that_phase()
    {
        await CreatedAsync("requested");
        await CreatedAsync("running");
        await SetPhaseAsync("running", ClusterPhase.Running);

        var page = await _client.GetFromJsonAsync<ClusterPageDto>($"/api/v1/tenants/{_tenant}/clusters?phase=running", Json.Options, Ct);

        Assert.Equal(["running"], page!.Items.Select(c => c.Name));
    }

    [Fact]
    public async Task Scaling_sets_the_worker_count_and_bumps_the_generation()
    {
        var name = UniqueName();
        await CreatedAsync(name, workers: 2);

        var response = await SendAsync(HttpMethod.Put, $"/api/v1/tenants/{_tenant}/clusters/{name}/scale", new { workers = 5 });

        var cluster = await response.EnsureSuccessStatusCode().Content.ReadFromJsonAsync<ClusterDto>(Json.Options, Ct);
        Assert.Equal((HttpStatusCode.Accepted, 5, 2L), (response.StatusCode, cluster!.Spec.Workers, cluster.Generation));
    }

    [Fact]
    public async Task Scaling_with_the_current_ETag_succeeds()
    {
        var name = UniqueName();
        var created = await CreatedAsync(name);

        var response = await SendAsync(HttpMethod.Put, $"/api/v1/tenants/{_tenant}/clusters/{name}/scale",
            new { workers = 3 }, ifMatch: $"\"{created.Version}\"");

        Assert.Equal(HttpStatusCode.Accepted, response.StatusCode);
    }

    [Fact]
    public async Task Scaling_with_a_stale_ETag_answers_412_and_changes_nothing()
    {
        var name = UniqueName();
        var created = await CreatedAsync(name, workers: 2);
        await SendAsync(HttpMethod.Put, $"/api/v1/tenants/{_tenant}/clusters/{name}/scale", new { workers = 3 });

        var response = await SendAsync(HttpMethod.Put, $"/api/v1/tenants/{_tenant}/clusters/{name}/scale",
            new { workers = 9 }, ifMatch: $"\"{created.Version}\"");

        Assert.Equal((HttpStatusCode.PreconditionFailed, 3), (response.StatusCode, (await GetAsync(name)).Spec.Workers));
    }

    [Fact]
    public async Task Scaling_with_a_weak_ETag_answers_412()
    {
        var name = UniqueName();
        var created = await CreatedAsync(name);

        var response = await SendAsync(HttpMethod.Put, $"/api/v1/tenants/{_tenant}/clusters/{name}/scale",
            new { workers = 3 }, ifMatch: $"W/\"{created.Version}\"");

        Assert.Equal(HttpStatusCode.PreconditionFailed, response.StatusCode);
    }

    [Fact]
    public async Task Scaling_a_cluster_being_deleted_answers_409()
    {
        var name = UniqueName();
        await CreatedAsync(name);
        await SendAsync(HttpMethod.Delete, $"/api/v1/tenants/{_tenant}/clusters/{name}");

        var response = await SendAsync(HttpMethod.Put, $"/api/v1/tenants/{_tenant}/clusters/{name}/scale", new { workers = 3 });

        Assert.Equal(HttpStatusCode.Conflict, (HttpStatusCode)(await response.ProblemAsync()).Status);
    }

    [Fact]
    public async Task Deleting_answers_202_with_the_cluster_in_phase_Deleting()
    {
        var name = UniqueName();
        await CreatedAsync(name);

        var response = await SendAsync(HttpMethod.Delete, $"/api/v1/tenants/{_tenant}/clusters/{name}");

        var cluster = await response.Content.ReadFromJsonAsync<ClusterDto>(Json.Options, Ct);
        Assert.Equal((HttpStatusCode.Accepted, ClusterPhase.Deleting), (response.StatusCode, cluster!.Status.Phase));
    }

    [Fact]
    public async Task A_deleted_cluster_stays_readable_for_history()
    {
        var name = UniqueName();
        await CreatedAsync(name);
        await SendAsync(HttpMethod.Delete, $"/api/v1/tenants/{_tenant}/clusters/{name}");

        var cluster = await GetAsync(name);

        Assert.NotNull(cluster.DeletionRequestedAt);
    }

    [Fact]
    public async Task Deleting_twice_answers_202_both_times()
    {
        var name = UniqueName();
        await CreatedAsync(name);
        await SendAsync(HttpMethod.Delete, $"/api/v1/tenants/{_tenant}/clusters/{name}");

        var response = await SendAsync(HttpMethod.Delete, $"/api/v1/tenants/{_tenant}/clusters/{name}");

        Assert.Equal(HttpStatusCode.Accepted, response.StatusCode);
    }

    [Fact]
    public async Task Deleting_with_a_stale_ETag_answers_412()
    {
        var name = UniqueName();
        var created = await CreatedAsync(name);
        await SendAsync(HttpMethod.Put, $"/api/v1/tenants/{_tenant}/clusters/{name}/scale", new { workers = 4 });

        var response = await SendAsync(HttpMethod.Delete, $"/api/v1/tenants/{_tenant}/clusters/{name}", ifMatch: $"\"{created.Version}\"");

        Assert.Equal(HttpStatusCode.PreconditionFailed, (HttpStatusCode)(await response.ProblemAsync()).Status);
    }

    [Fact]
    public async Task Retrying_a_create_with_the_same_Idempotency_Key_returns_the_same_cluster()
    {
        var name = UniqueName();
        var key = Guid.NewGuid().ToString();
        var first = await (await CreateAsync(name, key: key)).Content.ReadFromJsonAsync<ClusterDto>(Json.Options, Ct);

        var retry = await CreateAsync(name, key: key);

        var second = await retry.Content.ReadFromJsonAsync<ClusterDto>(Json.Options, Ct);
        Assert.Equal((HttpStatusCode.Accepted, first!.CreatedAt), (retry.StatusCode, second!.CreatedAt));
    }

    [Fact]
    public async Task Concurrent_creates_with_the_same_Idempotency_Key_make_one_cluster()
    {
        var key = Guid.NewGuid().ToString();

        var responses = await Task.WhenAll(Enumerable.Range(0, 5).Select(_ => CreateAsync("raced", key: key)));

        await using var db = app.Db();
        var clusters = await db.Clusters.Join(db.Tenants.Where(t => t.Slug == _tenant), c => c.TenantId, t => t.Id, (c, _) => c).CountAsync(Ct);
        Assert.Equal((HttpStatusCode.Accepted, 1), (responses.Select(r => r.StatusCode).Distinct().Single(), clusters));
    }

    [Fact]
    public async Task Reusing_an_Idempotency_Key_for_a_different_request_answers_422()
    {
        var key = Guid.NewGuid().ToString();
        await CreateAsync(UniqueName(), key: key);

        var response = await CreateAsync(UniqueName(), key: key);

        Assert.Equal(HttpStatusCode.UnprocessableEntity, (HttpStatusCode)(await response.ProblemAsync()).Status);
    }

    [Fact]
    public async Task Another_tenants_cluster_is_not_found()
    {
        var theirs = await app.CreateTenantAsync(("bob", TenantRole.Admin));
        var bob = app.CreateClient("bob");
        await bob.PostAsync($"/api/v1/tenants/{theirs.Slug}/clusters", Json.Body(new { name = "secret", workers = 1 }), Ct);

        // Not a platform admin: those see every tenant's clusters.
        var member = app.CreateClient("outsider");

        var response = await member.GetAsync($"/api/v1/tenants/{theirs.Slug}/clusters/secret", Ct);

        Assert.Equal(HttpStatusCode.NotFound, (HttpStatusCode)(await response.ProblemAsync()).Status);
    }

    [Fact]
    public async Task Deleting_another_tenants_cluster_returns_404()
    {
        var theirs = await app.CreateTenantAsync(("carol", TenantRole.Admin));
        var carol = app.CreateClient("carol");
        await carol.PostAsync($"/api/v1/tenants/{theirs.Slug}/clusters", Json.Body(new { name = "theirs", workers = 1 }), Ct);

        var member = app.CreateClient("outsider");

        var response = await member.DeleteAsync($"/api/v1/tenants/{theirs.Slug}/clusters/theirs", Ct);

        Assert.Equal(HttpStatusCode.NotFound, (HttpStatusCode)(await response.ProblemAsync()).Status);
    }

    [Fact]
    public async Task A_viewer_may_not_create_clusters()
    {
        var tenant = await app.CreateTenantAsync(("victor", TenantRole.Viewer));
        var victor = app.CreateClient("victor");

        var response = await victor.PostAsync($"/api/v1/tenants/{tenant.Slug}/clusters", Json.Body(new { name = "nope", workers = 1 }), Ct);

        Assert.Equal(HttpStatusCode.Forbidden, (HttpStatusCode)(await response.ProblemAsync()).Status);
    }

    [Fact]
    public async Task Creating_appends_a_succeeded_entry_to_the_audit_log()
    {
        var name = UniqueName();

        await CreatedAsync(name);

        var entry = (await app.AuditLogAsync()).Single(a => a.Target == $"tenants/{_tenant}/clusters/{name}");
        Assert.Equal(("cluster.create", AuditOutcome.Succeeded, PortalApp.DevelopmentUser), (entry.Action, entry.Outcome, entry.Actor));
    }

    [Fact]
    public async Task A_replayed_create_is_audited_as_a_replay()
    {
        var name = UniqueName();
        var key = Guid.NewGuid().ToString();
        await CreateAsync(name, key: key);

        await CreateAsync(name, key: key);

        var replays = (await app.AuditLogAsync())
            .Where(a => a.Target == $"tenants/{_tenant}/clusters/{name}")
            .Select(a => a.Detail?.StartsWith("Replayed", StringComparison.Ordinal) ?? false);
        Assert.Equal([false, true], replays);
    }

    [Fact]
    public async Task A_refused_change_is_audited_as_failed()
    {
        var name = UniqueName();
        await CreatedAsync(name);

        await SendAsync(HttpMethod.Put, $"/api/v1/tenants/{_tenant}/clusters/{name}/scale", new { workers = 0 });

        var entry = (await app.AuditLogAsync()).Single(a => a.Action == "cluster.scale" && a.Target == $"tenants/{_tenant}/clusters/{name}");
        Assert.Equal(AuditOutcome.Failed, entry.Outcome);
    }

    [Fact]
    public async Task Scaling_and_deleting_are_audited()
    {
        var name = UniqueName();
        await CreatedAsync(name);

        await SendAsync(HttpMethod.Put, $"/api/v1/tenants/{_tenant}/clusters/{name}/scale", new { workers = 3 });
        await SendAsync(HttpMethod.Delete, $"/api/v1/tenants/{_tenant}/clusters/{name}");

        var actions = (await app.AuditLogAsync()).Where(a => a.Target == $"tenants/{_tenant}/clusters/{name}").Select(a => a.Action);
        Assert.Equal(["cluster.create", "cluster.scale", "cluster.delete"], actions);
    }

    private async Task<ClusterDto> GetAsync(string name) =>
        (await _client.GetFromJsonAsync<ClusterDto>($"/api/v1/tenants/{_tenant}/clusters/{name}", Json.Options, Ct))!;

    private async Task SetPhaseAsync(string name, ClusterPhase phase)
    {
        // Stands in for the reconciler, which is the only writer of status.
        await using var db = app.Db();
        var tenantId = await db.Tenants.Where(t => t.Slug == _tenant).Select(t => t.Id).SingleAsync(Ct);
        var cluster = await db.Clusters.SingleAsync(c => c.TenantId == tenantId && c.Name == name, Ct);
        cluster.Status = cluster.Status with { Phase = phase };
        await db.SaveChangesAsync(Ct);
    }

    private sealed record SpecDefaults(
        string SparkVersion, string Image, string WorkerCores, string WorkerMemory, string MasterCores, string MasterMemory,
        bool SparkConnect, TimeSpan TimeToLive);

    private sealed record PageSummary(string[] Names, int Page, int PageSize, int TotalCount)
    {
        public static PageSummary Of(ClusterPageDto page) =>
            new([.. page.Items.Select(c => c.Name)], page.Page, page.PageSize, page.TotalCount);

        public bool Equals(PageSummary? other) =>
            other is not null && Names.SequenceEqual(other.Names) && (Page, PageSize, TotalCount) == (other.Page, other.PageSize, other.TotalCount);

        public override int GetHashCode() => HashCode.Combine(Page, PageSize, TotalCount);
    }
}
