using System.Net;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.DependencyInjection;
using Portal.Core.Clusters;
using Portal.Core.Data;
using Portal.Core.Tenants;
using Portal.Testing;

namespace Portal.Web.Tests.Clusters;

/// <summary>
/// Admission under load, as a hostile or unlucky client would try it: fifty requests at once, split over two portal
/// replicas on one PostgreSQL database, against a tenant with room for exactly five.
/// </summary>
public sealed class AdmissionConcurrencyTests(PostgresServer postgres)
{
    private static CancellationToken Ct => TestContext.Current.CancellationToken;

    private const int Requests = 50;

    private static async Task<(PortalApp First, PortalApp Second, Tenant Tenant)> TwoReplicasAsync(PostgresServer postgres, TenantQuota quota)
    {
        var first = new PortalApp(postgres);
        await first.InitializeAsync();
        var second = PortalApp.ReplicaOf(first);
        var tenant = await first.CreateTenantAsync((PortalApp.DevelopmentUser, TenantRole.Member));
        await using (var db = first.Db())
        {
            await db.Tenants.Where(t => t.Id == tenant.Id).ExecuteUpdateAsync(set => set
                .SetProperty(t => t.Quota.Cpu, quota.Cpu)
                .SetProperty(t => t.Quota.MaxClusters, quota.MaxClusters)
                .SetProperty(t => t.Quota.MaxPods, quota.MaxPods)
                .SetProperty(t => t.Quota.Memory, quota.Memory)
                .SetProperty(t => t.Quota.EphemeralStorage, quota.EphemeralStorage), Ct);
        }

        return (first, second, tenant);
    }

    private static async Task<HttpStatusCode[]> AllAtOnceAsync(PortalApp first, PortalApp second, Func<int, HttpClient, Task<HttpResponseMessage>> send)
    {
        var clients = new[] { first.CreateClient(), second.CreateClient() };
        using var start = new SemaphoreSlim(0);
        var requests = Enumerable.Range(0, Requests).Select(async i =>
        {
            await start.WaitAsync(Ct);
            using var response = await send(i, clients[i % 2]);
            return response.StatusCode;
        }).ToList();
        start.Release(Requests);
        return await Task.WhenAll(requests);
    }

    private static async Task<int> LiveClustersAsync(PortalApp app, Guid tenantId)
    {
        await using var db = app.Db();
        return await db.Clusters.CountAsync(c => c.TenantId == tenantId, Ct);
    }

    [Fact]
    public async Task Fifty_simultaneous_creates_against_room_for_five_clusters_admit_exactly_five()
    {
        var (first, second, tenant) = await TwoReplicasAsync(postgres, new TenantQuota { Cpu = "1000", MaxClusters = 5, MaxPods = 1000 });
        await using var _ = first;
        await using var __ = second;

        var answers = await AllAtOnceAsync(first, second, (i, client) =>
            client.PostAsync($"/api/v1/tenants/{tenant.Slug}/clusters", Json.Raw($$"""{"name": "c{{i}}", "workers": 1}"""), Ct));

        Assert.Equal((5, Requests - 5, 5), (answers.Count(a => a == HttpStatusCode.Accepted), answers.Count(a => a == HttpStatusCode.Conflict), await LiveClustersAsync(first, tenant.Id)));
    }

    [Fact]
    public async Task Fifty_simultaneous_creates_against_cpu_for_five_clusters_admit_exactly_five()
    {
        // One worker with Connect: 1 + 1 + 1 = 3 CPU each; 15 CPU is room for five.
        var (first, second, tenant) = await TwoReplicasAsync(postgres, new TenantQuota { Cpu = "15", MaxClusters = 100, MaxPods = 1000 });
        await using var _ = first;
        await using var __ = second;

        var answers = await AllAtOnceAsync(first, second, (i, client) =>
            client.PostAsync($"/api/v1/tenants/{tenant.Slug}/clusters", Json.Raw($$"""{"name": "c{{i}}", "workers": 1, "sparkConnect": true}"""), Ct));

        Assert.Equal((5, 5), (answers.Count(a => a == HttpStatusCode.Accepted), await LiveClustersAsync(first, tenant.Id)));
    }

    [Fact]
    public async Task Fifty_simultaneous_scale_ups_against_room_for_five_more_workers_admit_exactly_five()
    {
        // Fifty clusters of 1 worker without Connect (2 CPU each, 100 in all) and 5 CPU to spare.
        var (first, second, tenant) = await TwoReplicasAsync(postgres, new TenantQuota { Cpu = "105", Memory = "1Ti", EphemeralStorage = "1Ti", MaxClusters = 100, MaxPods = 1000 });
        await using var _ = first;
        await using var __ = second;
        var client = first.CreateClient();
        for (var i = 0; i < Requests; i++)
        {
            using var created = await client.PostAsync($"/api/v1/tenants/{tenant.Slug}/clusters", Json.Raw($$"""{"name": "c{{i}}", "workers": 1, "sparkConnect": false}"""), Ct);
            Assert.Equal(HttpStatusCode.Accepted, created.StatusCode);
        }

        var answers = await AllAtOnceAsync(first, second, (i, c) =>
            c.PutAsync($"/api/v1/tenants/{tenant.Slug}/clusters/c{i}/scale", Json.Raw("""{"workers": 2}"""), Ct));

        await using var db = first.Db();
        var workers = await db.Clusters.Where(c => c.TenantId == tenant.Id).SumAsync(c => c.Spec.Workers, Ct);
        Assert.Equal((5, Requests + 5), (answers.Count(a => a == HttpStatusCode.Accepted), workers));
    }

    [Fact]
    public async Task A_refused_create_says_which_limit_what_is_in_use_and_what_was_asked()
    {
        var (first, second, tenant) = await TwoReplicasAsync(postgres, new TenantQuota { Cpu = "4", MaxClusters = 10, MaxPods = 100 });
        await using var _ = first;
        await using var __ = second;
        var client = first.CreateClient();
        using var fits = await client.PostAsync($"/api/v1/tenants/{tenant.Slug}/clusters", Json.Raw("""{"name": "first", "workers": 1, "sparkConnect": false}"""), Ct);

        using var response = await client.PostAsync($"/api/v1/tenants/{tenant.Slug}/clusters", Json.Raw("""{"name": "second", "workers": 2}"""), Ct);

        var problem = await response.ProblemAsync();
        Assert.Equal((409, "quota.cpu", "cpu", "4", "2", "4"), (problem.Status, problem.Extension("code"), problem.Extension("limit"),
            problem.Extension("quota"), problem.Extension("inUse"), problem.Extension("requested")));
    }
}
