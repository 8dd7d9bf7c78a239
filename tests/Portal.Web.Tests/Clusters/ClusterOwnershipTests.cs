using System.Net;
using Portal.Core.Tenants;

namespace Portal.Web.Tests.Clusters;

/// <summary>Members manage their own clusters; tenant admins and platform admins manage every cluster of a tenant.</summary>
public sealed class ClusterOwnershipTests(PortalApp app) : IClassFixture<PortalApp>, IAsyncLifetime
{
    private const string Owner = "ann";
    private const string OtherMember = "bob";
    private const string TenantAdmin = "carol";
    private const string PlatformAdmin = "root-operator";

    private string _tenant = "";
    private string _cluster = "";

    public async ValueTask InitializeAsync()
    {
        _tenant = (await app.CreateTenantAsync(
            (Owner, TenantRole.Member), (OtherMember, TenantRole.Member), (TenantAdmin, TenantRole.Admin))).Slug;
        _cluster = $"etl-{Guid.NewGuid():N}"[..20];
        var created = await app.CreateClient(Owner).PostAsync(
            $"/api/v1/tenants/{_tenant}/clusters", Json.Body(new { name = _cluster, workers = 1 }), Ct);
        created.EnsureSuccessStatusCode();
    }

    public ValueTask DisposeAsync() => ValueTask.CompletedTask;

    private static CancellationToken Ct => TestContext.Current.CancellationToken;

    private Task<HttpResponseMessage> ScaleAs(string subject, bool platformAdmin = false) =>
        app.CreateClient(subject, platformAdmin).PutAsync(
            $"/api/v1/tenants/{_tenant}/clusters/{_cluster}/scale", Json.Body(new { workers = 2 }), Ct);

    [Fact]
    public async Task A_member_may_not_scale_another_members_cluster()
    {
        var response = await ScaleAs(OtherMember);

        Assert.Equal(HttpStatusCode.Forbidden, (HttpStatusCode)(await response.ProblemAsync()).Status);
    }

    [Fact]
    public async Task A_member_may_not_delete_another_members_cluster()
    {
        var response = await app.CreateClient(OtherMember).DeleteAsync($"/api/v1/tenants/{_tenant}/clusters/{_cluster}", Ct);

        Assert.Equal(HttpStatusCode.Forbidden, (HttpStatusCode)(await response.ProblemAsync()).Status);
    }

    [Fact]
    public async Task A_member_may_not_extend_another_members_cluster()
    {
        var response = await app.CreateClient(OtherMember).PostAsync(
            $"/api/v1/tenants/{_tenant}/clusters/{_cluster}/extend", Json.Body(new { by = "01:00:00" }), Ct);

        Assert.Equal(HttpStatusCode.Forbidden, (HttpStatusCode)(await response.ProblemAsync()).Status);
    }

    [Fact]
    public async Task A_tenant_admin_may_scale_any_cluster_of_the_tenant()
    {
        var response = await ScaleAs(TenantAdmin);

        Assert.Equal(HttpStatusCode.Accepted, response.StatusCode);
    }

    [Fact]
    public async Task A_platform_admin_who_is_not_a_member_may_scale_the_tenants_clusters()
    {
        var response = await ScaleAs(PlatformAdmin, platformAdmin: true);

        Assert.Equal(HttpStatusCode.Accepted, response.StatusCode);
    }
}
