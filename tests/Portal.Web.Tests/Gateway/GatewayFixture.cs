using System.Net.Http.Json;
using Portal.Core.Clusters;
using Portal.Core.Tenants;
using Portal.Testing;
using Portal.Web.Tests.Clusters;

namespace Portal.Web.Tests.Gateway;

/// <summary>
/// The portal with its reconciler on, and one Running cluster <c>etl</c> with Spark Connect in tenant <c>default</c>
/// (built in the sandbox, whose Connect pods run the stand-in); <see cref="Member"/> is a member of default,
/// <see cref="Viewer"/> a viewer, <see cref="Stranger"/> a member of another tenant only.
/// </summary>
public sealed class GatewayFixture(PostgresServer postgres) : PortalApp(postgres), IAsyncLifetime
{
    public const string Member = "gateway-member";
    public const string Viewer = "gateway-viewer";
    public const string Stranger = "gateway-stranger";
    public const string Cluster = "etl";

    public string OtherTenant { get; private set; } = "";

    protected override bool Provisions => true;

    public new async ValueTask InitializeAsync()
    {
        await base.InitializeAsync();
        await using (var db = Db())
        {
            var tenant = db.Tenants.Single(t => t.Slug == "default");
            db.Memberships.Add(new Membership { TenantId = tenant.Id, Subject = Member, Role = TenantRole.Member });
            db.Memberships.Add(new Membership { TenantId = tenant.Id, Subject = Viewer, Role = TenantRole.Viewer });
            await db.SaveChangesAsync();
        }

        OtherTenant = (await CreateTenantAsync((Stranger, TenantRole.Admin))).Slug;

        using var client = CreateClient(Member);
        var created = await client.PostAsync("/api/v1/tenants/default/clusters",
            Json.Body(new { name = Cluster, workers = 1, sparkConnect = true }));
        created.EnsureSuccessStatusCode();
        await ClusterWaits.RunningAsync(client, $"/api/v1/tenants/default/clusters/{Cluster}");
    }
}

/// <summary>The gateway's test classes share one portal and its Running cluster: building one takes a while.</summary>
[CollectionDefinition(Name)]
public sealed class GatewayCollection : ICollectionFixture<GatewayFixture>
{
    public const string Name = "Gateway";
}

internal static class ClusterWaits
{
    /// <summary>Polls the cluster until it is Running; a loaded machine may take a while, so the ceiling is generous.</summary>
    public static async Task RunningAsync(HttpClient client, string path)
    {
        var last = "";
        await Portal.Testing.Eventually.HoldsAsync(async () =>
            {
                var cluster = await client.GetFromJsonAsync<ClusterDto>(path, Json.Options);
                last = $"{cluster?.Status.Phase} {cluster?.Status.Message}";
                return cluster?.Status.Phase == ClusterPhase.Running;
            },
            () => $"{path} Running (last seen: {last})", within: TimeSpan.FromMinutes(3), every: TimeSpan.FromMilliseconds(250));
    }
}
