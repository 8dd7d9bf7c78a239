using System.Net;
using System.Net.Http.Json;
using Portal.Core.Audit;
using Portal.Core.Tenants;

namespace Portal.Web.Tests.Tenants;

/// <summary>The tenant API: members see theirs; platform admins create and change them.</summary>
public sealed class TenantApiTests(PortalApp app) : IClassFixture<PortalApp>
{
    private static CancellationToken Ct => TestContext.Current.CancellationToken;

    private static string UniqueSlug() => $"team-{Guid.NewGuid():N}"[..16];

    [Fact]
    public async Task The_development_user_belongs_to_the_default_tenant_on_a_fresh_database()
    {
        var tenants = await app.CreateClient().GetFromJsonAsync<TenantDto[]>("/api/v1/tenants", Json.Options, Ct);

        Assert.Contains(tenants!, t => t.Slug == "default" && t.Role == TenantRole.Admin);
    }

    [Fact]
    public async Task Listing_returns_only_the_tenants_the_caller_belongs_to()
    {
        var mine = await app.CreateTenantAsync(("dora", TenantRole.Viewer));
        await app.CreateTenantAsync(("eve", TenantRole.Admin));

        var tenants = await app.CreateClient("dora").GetFromJsonAsync<TenantDto[]>("/api/v1/tenants", Json.Options, Ct);

        Assert.Equal([mine.Slug], tenants!.Select(t => t.Slug));
    }

    [Fact]
    public async Task Getting_a_tenant_the_caller_is_not_a_member_of_answers_404()
    {
        var theirs = await app.CreateTenantAsync(("frank", TenantRole.Admin));

        var response = await app.CreateClient("grace").GetAsync($"/api/v1/tenants/{theirs.Slug}", Ct);

        Assert.Equal(HttpStatusCode.NotFound, (HttpStatusCode)(await response.ProblemAsync()).Status);
    }

    [Fact]
    public async Task Getting_a_tenant_returns_its_version_as_ETag()
    {
        var tenant = await app.CreateTenantAsync(("heidi", TenantRole.Member));

        var response = await app.CreateClient("heidi").GetAsync($"/api/v1/tenants/{tenant.Slug}", Ct);

        var body = await response.EnsureSuccessStatusCode().Content.ReadFromJsonAsync<TenantDto>(Json.Options, Ct);
        Assert.Equal($"\"{body!.Version}\"", response.Headers.ETag?.ToString());
    }

    [Fact]
    public async Task A_platform_admin_creates_a_tenant_in_its_own_namespace_and_administers_it()
    {
        var slug = UniqueSlug();

        var response = await app.CreateClient("root", platformAdmin: true)
            .PostAsync("/api/v1/tenants", Json.Body(new { slug, displayName = "Team" }), Ct);

        var tenant = await response.Content.ReadFromJsonAsync<TenantDto>(Json.Options, Ct);
        Assert.Equal((HttpStatusCode.Created, $"spark-{slug}", TenantRole.Admin), (response.StatusCode, tenant!.Namespace, tenant.Role));
    }

    [Fact]
    public async Task Creating_a_tenant_is_audited()
    {
        var slug = UniqueSlug();

        await app.CreateClient("root", platformAdmin: true).PostAsync("/api/v1/tenants", Json.Body(new { slug, displayName = "Team" }), Ct);

        var entry = (await app.AuditLogAsync()).Single(a => a.Target == $"tenants/{slug}");
        Assert.Equal(("tenant.create", AuditOutcome.Succeeded, "root"), (entry.Action, entry.Outcome, entry.Actor));
    }

    [Fact]
    public async Task Only_platform_admins_may_create_tenants()
    {
        var response = await app.CreateClient("ivan").PostAsync("/api/v1/tenants", Json.Body(new { slug = UniqueSlug(), displayName = "Team" }), Ct);

        Assert.Equal(HttpStatusCode.Forbidden, (HttpStatusCode)(await response.ProblemAsync()).Status);
    }

    [Fact]
    public async Task Creating_a_tenant_with_a_taken_slug_answers_409()
    {
        var admin = app.CreateClient("root", platformAdmin: true);
        var slug = UniqueSlug();
        await admin.PostAsync("/api/v1/tenants", Json.Body(new { slug, displayName = "First" }), Ct);

        var response = await admin.PostAsync("/api/v1/tenants", Json.Body(new { slug, displayName = "Second" }), Ct);

        Assert.Equal(HttpStatusCode.Conflict, (HttpStatusCode)(await response.ProblemAsync()).Status);
    }

    [Theory]
    [InlineData("""{"slug": "Not_A_Label", "displayName": "x"}""", "slug")]
    [InlineData("""{"slug": "team-x"}""", "displayName")]
    [InlineData("""{"slug": "team-y", "displayName": "y", "quota": {"cpu": "lots"}}""", "quota.cpu")]
    [InlineData("""{"slug": "team-z", "displayName": "z", "policy": {"maxWorkersPerCluster": 0}}""", "policy.maxWorkersPerCluster")]
    [InlineData("""{"slug": "team-p", "displayName": "p", "policy": {"maxWorkersPerCluster": 4, "presets": [{"name": "Big", "workers": 8, "workerCores": "4", "workerMemory": "16Gi"}]}}""", "policy.presets[0].workers")]
    [InlineData("""{"slug": "team-q", "displayName": "q", "policy": {"presets": [{"name": "Small", "workers": 1, "workerCores": "1", "workerMemory": "lots"}]}}""", "policy.presets[0].workerMemory")]
    [InlineData("""{"slug": "team-r", "displayName": "r", "policy": {"presets": [{"name": "A", "workers": 1, "workerCores": "1", "workerMemory": "2Gi"}, {"name": "a", "workers": 2, "workerCores": "1", "workerMemory": "2Gi"}]}}""", "policy.presets[1].name")]
    [InlineData("""{"slug": "team-s", "displayName": "s", "policy": {"presets": [{"name": "Tiny", "workers": 1, "workerCores": "1", "workerMemory": "1Gi"}]}}""", "policy.presets[0].workerMemory")]
    [InlineData("""{"slug": "team-t", "displayName": "t", "quota": {"ephemeralStorage": "lots"}}""", "quota.ephemeralStorage")]
    [InlineData("""{"slug": "team-u", "displayName": "u", "policy": {"idleTimeout": "00:00:10"}}""", "policy.idleTimeout")]
    public async Task An_invalid_tenant_answers_400_naming_the_field(string body, string field)
    {
        var response = await app.CreateClient("root", platformAdmin: true).PostAsync("/api/v1/tenants", Json.Raw(body), Ct);

        var problem = await response.ProblemAsync();
        Assert.Equal((400, true), (problem.Status, problem.Errors?.ContainsKey(field) ?? false));
    }

    [Fact]
    public async Task A_tenant_keeps_the_presets_it_was_created_with()
    {
        var admin = app.CreateClient("root", platformAdmin: true);
        var slug = UniqueSlug();
        var presets = new[] { new { name = "Notebook", workers = 1, workerCores = "500m", workerMemory = "2Gi" } };
        await admin.PostAsync("/api/v1/tenants", Json.Body(new { slug, displayName = "Team", policy = new { presets } }), Ct);

        var tenant = await admin.GetFromJsonAsync<TenantDto>($"/api/v1/tenants/{slug}", Json.Options, Ct);

        Assert.Equal([new ClusterPreset("Notebook", 1, "500m", "2Gi")], tenant!.Policy.Presets);
    }

    [Fact]
    public async Task Lowering_only_the_worker_limit_keeps_the_default_presets_within_it()
    {
        var admin = app.CreateClient("root", platformAdmin: true);
        var slug = UniqueSlug();
        await admin.PostAsync("/api/v1/tenants", Json.Body(new { slug, displayName = "Team", policy = new { maxWorkersPerCluster = 4 } }), Ct);

        var tenant = await admin.GetFromJsonAsync<TenantDto>($"/api/v1/tenants/{slug}", Json.Options, Ct);

        Assert.Equal(["Small", "Medium"], tenant!.Policy.Presets.Select(p => p.Name));
    }

    [Fact]
    public async Task A_platform_admin_updates_a_tenant_with_its_current_ETag()
    {
        var tenant = await app.CreateTenantAsync();
        var admin = app.CreateClient("root", platformAdmin: true);

        var response = await PatchAsync(admin, tenant.Slug, new { displayName = "Renamed" }, tenant.Version);

        var body = await response.EnsureSuccessStatusCode().Content.ReadFromJsonAsync<TenantDto>(Json.Options, Ct);
        Assert.Equal("Renamed", body!.DisplayName);
    }

    [Fact]
    public async Task Updating_a_tenant_with_a_stale_ETag_answers_412()
    {
        var tenant = await app.CreateTenantAsync();
        var admin = app.CreateClient("root", platformAdmin: true);
        await admin.PatchAsync($"/api/v1/tenants/{tenant.Slug}", Json.Body(new { displayName = "First" }), Ct);

        var response = await PatchAsync(admin, tenant.Slug, new { displayName = "Second" }, tenant.Version);

        Assert.Equal(HttpStatusCode.PreconditionFailed, (HttpStatusCode)(await response.ProblemAsync()).Status);
    }

    [Fact]
    public async Task A_tenant_admin_who_is_not_a_platform_admin_may_not_update_it()
    {
        var tenant = await app.CreateTenantAsync(("judy", TenantRole.Admin));

        var response = await app.CreateClient("judy").PatchAsync($"/api/v1/tenants/{tenant.Slug}", Json.Body(new { displayName = "Mine" }), Ct);

        Assert.Equal(HttpStatusCode.Forbidden, (HttpStatusCode)(await response.ProblemAsync()).Status);
    }

    [Fact]
    public async Task Lowering_a_quota_below_what_is_in_use_is_saved_with_a_warning_saying_what_it_means()
    {
        var tenant = await app.CreateTenantAsync();
        await using (var db = app.Db())
        {
            // 2 workers × 1 CPU and a 1-CPU master: 3 CPU.
            db.Clusters.Add(Portal.Testing.Builders.ASparkCluster().In(tenant).Build());
            await db.SaveChangesAsync(Ct);
        }

        var admin = app.CreateClient("root", platformAdmin: true);

        var response = await PatchAsync(admin, tenant.Slug, new { quota = tenant.Quota with { Cpu = "2" } }, tenant.Version);

        var body = await response.EnsureSuccessStatusCode().Content.ReadFromJsonAsync<UpdatedTenantDto>(Json.Options, Ct);
        Assert.Equal(
            [new WarningDto("cpu", "2", "3", "This tenant uses 3 CPU now; running clusters keep running, new clusters will be refused until usage falls below 2 CPU.")],
            body!.Warnings);
    }

    private static async Task<HttpResponseMessage> PatchAsync(HttpClient client, string slug, object body, long ifMatchVersion)
    {
        using var request = new HttpRequestMessage(HttpMethod.Patch, $"/api/v1/tenants/{slug}") { Content = Json.Body(body) };
        request.Headers.TryAddWithoutValidation("If-Match", $"\"{ifMatchVersion}\"");
        return await client.SendAsync(request, Ct);
    }

    private sealed record WarningDto(string Limit, string Quota, string InUse, string Message);

    private sealed record UpdatedTenantDto(string Slug, TenantQuota Quota, WarningDto[] Warnings);

    private sealed record TenantDto(string Slug, string DisplayName, string Namespace, TenantRole? Role, long Version, TenantPolicy Policy);
}
