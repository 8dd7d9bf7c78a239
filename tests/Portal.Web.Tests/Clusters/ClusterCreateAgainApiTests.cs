using System.Net;
using System.Net.Http.Json;
using System.Text.Json;
using Microsoft.EntityFrameworkCore;
using Portal.Core.Audit;
using Portal.Core.Clusters;
using Portal.Core.Tenants;
using Portal.Testing;

namespace Portal.Web.Tests.Clusters;

/// <summary>
/// "Create again" (POST …/clusters/{name}/clone and …/by-id/{id}/clone) and reading a Deleted cluster by its id after a
/// newer cluster took its name: yesterday's `etl` asked for again today.
/// </summary>
public sealed class ClusterCreateAgainApiTests(PortalApp app) : IClassFixture<PortalApp>, IAsyncLifetime
{
    private readonly HttpClient _client = app.CreateClient();
    private Tenant _tenant = null!;

    public async ValueTask InitializeAsync() =>
        _tenant = await app.CreateTenantAsync((PortalApp.DevelopmentUser, TenantRole.Member));

    public ValueTask DisposeAsync() => ValueTask.CompletedTask;

    private static CancellationToken Ct => TestContext.Current.CancellationToken;

    private string Clusters => $"/api/v1/tenants/{_tenant.Slug}/clusters";

    /// <summary>A spec with every field away from its default, so a copy that drops one shows.</summary>
    private static object EtlRequest(int workers = 3) => new
    {
        name = "etl",
        workers,
        image = ClusterOptions.BuiltInImages[0].Image,
        workerCores = "500m",
        workerMemory = "3Gi",
        masterCores = "2",
        masterMemory = "1536Mi",
        workerScratch = "5Gi",
        masterScratch = "3Gi",
        sparkConf = new Dictionary<string, string> { ["spark.sql.shuffle.partitions"] = "12" },
        sparkConnect = false,
        timeToLive = "02:30:00",
    };

    private async Task<ClusterDto> CreateAsync(object request)
    {
        var response = await _client.PostAsync(Clusters, Json.Body(request), Ct);
        response.EnsureSuccessStatusCode();
        return (await response.Content.ReadFromJsonAsync<ClusterDto>(Json.Options, Ct))!;
    }

    /// <summary>Deletes the cluster and marks it Deleted, as the reconciler does once its objects are gone.</summary>
    private async Task FinishDeletingAsync(ClusterDto cluster)
    {
        (await _client.DeleteAsync($"{Clusters}/{cluster.Name}", Ct)).EnsureSuccessStatusCode();
        await using var db = app.Db();
        var row = await db.Clusters.SingleAsync(c => c.Id == cluster.Id, Ct);
        row.Status = row.Status with { Phase = ClusterPhase.Deleted };
        await db.SaveChangesAsync(Ct);
    }

    private async Task<HttpResponseMessage> CloneAsync(string path, object? body = null, string? key = null)
    {
        using var request = new HttpRequestMessage(HttpMethod.Post, path) { Content = body is null ? null : Json.Body(body) };
        if (key is not null)
            request.Headers.Add("Idempotency-Key", key);
        return await _client.SendAsync(request, Ct);
    }

    private static string Spec(ClusterDto cluster) => JsonSerializer.Serialize(cluster.Spec, Json.Options);

    [Fact]
    public async Task Creating_a_deleted_cluster_again_asks_for_the_same_spec()
    {
        var yesterday = await CreateAsync(EtlRequest());
        await FinishDeletingAsync(yesterday);

        var response = await CloneAsync($"{Clusters}/etl/clone");

        Assert.Equal(HttpStatusCode.Accepted, response.StatusCode);
        var today = (await response.Content.ReadFromJsonAsync<ClusterDto>(Json.Options, Ct))!;
        Assert.Equal((Spec(yesterday), "etl", ClusterPhase.Requested), (Spec(today), today.Name, today.Status.Phase));
    }

    [Fact]
    public async Task Creating_again_without_a_body_points_Location_at_the_new_cluster()
    {
        await FinishDeletingAsync(await CreateAsync(EtlRequest()));

        var response = await CloneAsync($"{Clusters}/etl/clone");

        Assert.Equal($"{Clusters}/etl", response.Headers.Location?.ToString());
    }

    [Fact]
    public async Task Creating_again_under_a_new_name_keeps_the_spec()
    {
        var running = await CreateAsync(EtlRequest());

        var response = await CloneAsync($"{Clusters}/etl/clone", new { name = "etl-copy" });

        var copy = (await response.Content.ReadFromJsonAsync<ClusterDto>(Json.Options, Ct))!;
        Assert.Equal((Spec(running), "etl-copy"), (Spec(copy), copy.Name));
    }

    [Fact]
    public async Task Creating_again_under_a_name_in_use_is_a_409_problem()
    {
        await CreateAsync(EtlRequest());

        var response = await CloneAsync($"{Clusters}/etl/clone");

        var problem = await response.ProblemAsync();
        Assert.Equal((409, "name.taken"), (problem.Status, problem.Extension("code")));
    }

    [Fact]
    public async Task Creating_another_tenants_cluster_again_by_its_id_is_404()
    {
        var theirs = await app.CreateTenantAsync(("bob", TenantRole.Admin));
        var cluster = Builders.ASparkCluster().In(theirs).Named("etl").Build();
        await using (var db = app.Db())
        {
            db.Clusters.Add(cluster);
            await db.SaveChangesAsync(Ct);
        }

        var response = await CloneAsync($"{Clusters}/by-id/{cluster.Id}/clone");

        Assert.Equal(404, (await response.ProblemAsync()).Status);
    }

    [Fact]
    public async Task A_deleted_cluster_stays_readable_by_its_id_after_a_new_cluster_took_its_name()
    {
        var yesterday = await CreateAsync(EtlRequest(workers: 2));
        await FinishDeletingAsync(yesterday);
        await CreateAsync(EtlRequest(workers: 4));

        var old = await _client.GetFromJsonAsync<ClusterDto>($"{Clusters}/by-id/{yesterday.Id}", Json.Options, Ct);

        Assert.Equal((yesterday.Id, ClusterPhase.Deleted, 2), (old!.Id, old.Status.Phase, old.Spec.Workers));
    }

    [Fact]
    public async Task An_id_the_tenant_has_no_cluster_with_is_a_404_naming_the_id()
    {
        var id = Guid.NewGuid();

        var response = await _client.GetAsync($"{Clusters}/by-id/{id}", Ct);

        var problem = await response.ProblemAsync();
        Assert.Equal((404, true), (problem.Status, problem.Detail?.Contains(id.ToString(), StringComparison.Ordinal)));
    }

    [Fact]
    public async Task An_older_deleted_cluster_is_created_again_by_its_id()
    {
        var first = await CreateAsync(EtlRequest(workers: 2));
        await FinishDeletingAsync(first);
        await FinishDeletingAsync(await CreateAsync(EtlRequest(workers: 4)));

        var response = await CloneAsync($"{Clusters}/by-id/{first.Id}/clone");

        var again = (await response.Content.ReadFromJsonAsync<ClusterDto>(Json.Options, Ct))!;
        Assert.Equal(2, again.Spec.Workers);
    }

    [Fact]
    public async Task Retrying_a_create_again_with_the_same_Idempotency_Key_creates_one_cluster()
    {
        await FinishDeletingAsync(await CreateAsync(EtlRequest()));
        var first = (await (await CloneAsync($"{Clusters}/etl/clone", key: "etl-again")).Content.ReadFromJsonAsync<ClusterDto>(Json.Options, Ct))!;

        var retry = await CloneAsync($"{Clusters}/etl/clone", key: "etl-again");

        var replayed = (await retry.Content.ReadFromJsonAsync<ClusterDto>(Json.Options, Ct))!;
        Assert.Equal((HttpStatusCode.Accepted, first.Id), (retry.StatusCode, replayed.Id));
    }

    [Fact]
    public async Task The_audit_entry_of_a_create_again_names_the_cluster_it_came_from()
    {
        var yesterday = await CreateAsync(EtlRequest());
        await FinishDeletingAsync(yesterday);

        (await CloneAsync($"{Clusters}/etl/clone")).EnsureSuccessStatusCode();

        var entries = await app.AuditLogAsync();
        Assert.Contains(entries, e => e is { Action: "cluster.create", Outcome: AuditOutcome.Succeeded }
            && e.TenantId == _tenant.Id && e.Detail!.Contains(yesterday.Id.ToString(), StringComparison.Ordinal));
    }
}
