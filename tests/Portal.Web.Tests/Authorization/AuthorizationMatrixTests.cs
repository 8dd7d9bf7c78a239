using System.Net.Http.Json;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Routing;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.DependencyInjection;
using Portal.Core.Data;
using Portal.Core.Identity;
using Portal.Core.Storage;
using Portal.Core.Tenants;
using Portal.Testing;

namespace Portal.Web.Tests.Authorization;

/// <summary>
/// Every API endpoint × every caller × own tenant / other tenant, with the exact status each must get. The
/// endpoint list is read from the running app, so a new endpoint fails <see cref="The_matrix_covers_every_api_endpoint"/>
/// until someone decides who may call it. Each case arranges its own tenants and users, so cases never share state.
/// </summary>
public sealed class AuthorizationMatrixTests(AuthorizationMatrixTests.App app) : IClassFixture<AuthorizationMatrixTests.App>
{
    private static CancellationToken Ct => TestContext.Current.CancellationToken;

    /// <summary>The portal with a failed-token limit no test run reaches: the matrix sends dozens of dead tokens a minute.</summary>
    public sealed class App(PostgresServer postgres) : PortalApp(postgres)
    {
        protected override void ConfigureWebHost(IWebHostBuilder builder)
        {
            base.ConfigureWebHost(builder);
            // Test-only: otherwise the revoked and expired cases would get 429 instead of the 401 under test.
            builder.UseSetting("Authentication:Limits:FailedTokensPerMinute", "10000");
        }
    }

    [Fact]
    public void The_matrix_covers_every_api_endpoint()
    {
        var endpoints = app.Services.GetRequiredService<EndpointDataSource>().Endpoints
            .OfType<RouteEndpoint>()
            .Where(e => e.RoutePattern.RawText?.StartsWith("/api/", StringComparison.Ordinal) == true)
            .SelectMany(e => (e.Metadata.GetMetadata<IHttpMethodMetadata>()?.HttpMethods ?? ["ANY"])
                .Select(method => $"{method} {e.RoutePattern.RawText!.TrimEnd('/')}"))
            .Order(StringComparer.Ordinal);

        Assert.Equal(Matrix.Endpoints.Keys.Order(StringComparer.Ordinal), endpoints);
    }

    public static TheoryData<string, Who, Where, int> Cases()
    {
        var data = new TheoryData<string, Who, Where, int>();
        foreach (var (endpoint, expect) in Matrix.Endpoints)
        {
            foreach (var who in Enum.GetValues<Who>())
            {
                // Callers without a role in the target have nothing that depends on which tenant it is.
                var wheres = who is Who.PlatformAdmin or Who.TenantAdmin or Who.Member or Who.Viewer
                    or Who.TenantScopedToken or Who.ReadOnlyToken
                    ? [Where.OwnTenant, Where.OtherTenant]
                    : new[] { Where.OwnTenant };
                foreach (var where in wheres)
                    data.Add(endpoint, who, where, expect.Status(who, where));
            }
        }

        return data;
    }

    [Theory]
    [MemberData(nameof(Cases))]
    public async Task Each_endpoint_answers_each_caller_with_exactly_its_status(string endpoint, Who who, Where where, int status)
    {
        var scene = await Scene.ArrangeAsync(app, who);
        using var request = Matrix.Endpoints[endpoint].Request(scene, where);

        using var response = await scene.Client.SendAsync(request, Ct);

        Assert.Equal(status, (int)response.StatusCode);
    }

    /// <summary>The cases of callers who are not platform administrators (those see every tenant).</summary>
    public static TheoryData<string, Who, Where> LeakCases()
    {
        var data = new TheoryData<string, Who, Where>();
        foreach (var row in Cases())
        {
            var (endpoint, who, where, _) = row.Data;
            if (who is not Who.PlatformAdmin)
                data.Add(endpoint, who, where);
        }

        return data;
    }

    [Theory]
    [MemberData(nameof(LeakCases))]
    public async Task No_answer_names_what_only_the_other_tenant_knows(string endpoint, Who who, Where where)
    {
        var scene = await Scene.ArrangeAsync(app, who);
        using var request = Matrix.Endpoints[endpoint].Request(scene, where);

        using var response = await scene.Client.SendAsync(request, Ct);

        var body = await response.Content.ReadAsStringAsync(Ct);
        Assert.DoesNotContain(scene.Other.Secret, body, StringComparison.OrdinalIgnoreCase);
    }

    /// <summary>Who calls.</summary>
    public enum Who
    {
        /// <summary>A platform administrator who is an admin of the own tenant and no member of the other.</summary>
        PlatformAdmin,
        TenantAdmin,

        /// <summary>A member, who owns the own tenant's cluster.</summary>
        Member,
        Viewer,

        /// <summary>
        /// An admin of both tenants whose token is limited to the own tenant: the other tenant must look exactly
        /// as it does to an outsider.
        /// </summary>
        TenantScopedToken,

        /// <summary>A tenant admin's read-only token: it reads what an admin reads and changes nothing.</summary>
        ReadOnlyToken,

        /// <summary>Signed in (a valid token), member of no tenant at all.</summary>
        NoMembership,
        Anonymous,

        /// <summary>A tenant admin's revoked token.</summary>
        RevokedToken,

        /// <summary>A tenant admin's expired token.</summary>
        ExpiredToken,
    }

    /// <summary>Which tenant's objects the request names.</summary>
    public enum Where
    {
        OwnTenant,
        OtherTenant,
    }

    /// <summary>One tenant of a case: slug, its cluster (name and id), and one token of its people for the revoke endpoint.</summary>
    public sealed record Side(string Slug, string Cluster, Guid ClusterId, Guid Token, string Secret);

    /// <summary>What one case arranged: the caller's client, their tenant and somebody else's.</summary>
    public sealed record Scene(HttpClient Client, Side Own, Side Other)
    {
        /// <summary>A viewer of both tenants, whom the member removal endpoint removes.</summary>
        public const string RemovableMember = "removable-viewer";

        public Side this[Where where] => where is Where.OwnTenant ? Own : Other;

        public static async Task<Scene> ArrangeAsync(PortalApp app, Who who)
        {
            var id = Guid.NewGuid().ToString("N")[..10];
            var caller = $"caller-{id}";

            // The other tenant's display name, namespace and people appear in no request of the caller: if any
            // answer contains them, something leaked. They share one marker so one assertion finds them all.
            var secret = $"secret{id}";
            var other = Builders.ATenant().WithSlug($"other-{id}").InNamespace($"spark-{secret}").Build();
            other.DisplayName = $"Tenant {secret}";
            var own = Builders.ATenant().WithSlug($"own-{id}").Build();
            var ownCluster = Builders.ASparkCluster().In(own).Build();
            var otherCluster = Builders.ASparkCluster().In(other).Build();
            var stranger = $"{secret}-owner";

            await using (var db = app.Db())
            {
                db.Tenants.AddRange(own, other);
                db.Clusters.AddRange(ownCluster, otherCluster);
                db.Memberships.Add(new Membership { TenantId = other.Id, Subject = stranger, Role = TenantRole.Admin });
                // For the member removal endpoint: a viewer in each tenant, removable without leaving it adminless.
                db.Memberships.AddRange(
                    new Membership { TenantId = own.Id, Subject = RemovableMember, Role = TenantRole.Viewer },
                    new Membership { TenantId = other.Id, Subject = RemovableMember, Role = TenantRole.Viewer });
                if (RoleOf(who) is { } role)
                    db.Memberships.Add(new Membership { TenantId = own.Id, Subject = caller, Role = role });
                if (who is Who.TenantScopedToken)
                    db.Memberships.Add(new Membership { TenantId = other.Id, Subject = caller, Role = TenantRole.Admin });
                var secrets = app.Services.GetRequiredService<ObjectStoreSecrets>();
                ArrangeStorage(db, own, caller, secrets);
                ArrangeStorage(db, other, stranger, secrets);
                await db.SaveChangesAsync();

                // Owners are set after the fact because the shared builder makes every cluster alice's.
                await SetOwnerAsync(db, ownCluster.Id, caller);
                await SetOwnerAsync(db, otherCluster.Id, stranger);
            }

            var client = who is Who.Anonymous ? app.CreateAnonymousClient() : app.CreateClient();
            var token = app.TokenFor(caller, platformAdmin: who is Who.PlatformAdmin, who switch
            {
                Who.TenantScopedToken => new TokenRequest(caller, "one tenant", TenantId: own.Id),
                Who.ReadOnlyToken => new TokenRequest(caller, "read-only", Access: TokenAccess.Read),
                _ => null,
            });
            if (who is not Who.Anonymous)
                client.DefaultRequestHeaders.Authorization = new("Bearer", token);
            if (who is Who.RevokedToken or Who.ExpiredToken)
                await KillAsync(app, token, who);

            // Tokens for the revoke endpoint: a spare one of the caller's, and one of the other tenant's admin.
            var spare = await TokenIdAsync(app, app.TokenFor(caller));
            var theirs = await TokenIdAsync(app, app.TokenFor(stranger));
            return new Scene(client, new Side(own.Slug, ownCluster.Name, ownCluster.Id, spare, secret),
                new Side(other.Slug, otherCluster.Name, otherCluster.Id, theirs, secret));
        }

        /// <summary>
        /// Each tenant's storage: a volume its running history server reads, a volume nothing uses (the one the delete
        /// case removes) and an object store.
        /// </summary>
        private static void ArrangeStorage(PortalDb db, Tenant tenant, string by, ObjectStoreSecrets secrets)
        {
            db.Volumes.AddRange(
                new TenantVolume { TenantId = tenant.Id, Name = HistoryVolume, StorageClass = "standard", Size = "1Gi", CreatedBy = by },
                new TenantVolume { TenantId = tenant.Id, Name = UnusedVolume, StorageClass = "standard", Size = "1Gi", CreatedBy = by });
            db.ObjectStores.Add(new ObjectStore
            {
                TenantId = tenant.Id, Name = Store, Endpoint = "https://s3.example.test", Region = "us-east-1", BucketPrefix = "lake",
                AccessKeyId = "AKIAEXAMPLE", ProtectedSecretKey = secrets.Protect("wJalrXUtnFEMIexample"), CreatedBy = by,
            });
            db.HistoryServers.Add(new HistoryServer
            {
                TenantId = tenant.Id, Source = new EventLogSpec(HistoryVolume, null, "spark-events"), Image = "apache/spark:4.0.1",
                IdleTimeout = TimeSpan.FromHours(1), StartedBy = by, Phase = HistoryServerPhase.Running,
            });
        }

        /// <summary>The volume each tenant's history server reads.</summary>
        public const string HistoryVolume = "events";

        /// <summary>A volume no cluster or history server uses.</summary>
        public const string UnusedVolume = "scratch";

        /// <summary>Each tenant's object store.</summary>
        public const string Store = "lake";

        private static Task SetOwnerAsync(PortalDb db, Guid cluster, string owner) =>
            db.Clusters.Where(c => c.Id == cluster).ExecuteUpdateAsync(set => set.SetProperty(c => c.Owner, owner));

        private static TenantRole? RoleOf(Who who) => who switch
        {
            Who.PlatformAdmin or Who.TenantAdmin or Who.TenantScopedToken or Who.ReadOnlyToken
                or Who.RevokedToken or Who.ExpiredToken => TenantRole.Admin,
            Who.Member => TenantRole.Member,
            Who.Viewer => TenantRole.Viewer,
            _ => null,
        };

        private static async Task KillAsync(PortalApp app, string token, Who who)
        {
            var id = await TokenIdAsync(app, token);
            await using var db = app.Db();
            var past = DateTimeOffset.UtcNow.AddDays(-1);
            var row = db.Set<PersonalAccessToken>().Where(t => t.Id == id);
            if (who is Who.RevokedToken)
                await row.ExecuteUpdateAsync(set => set.SetProperty(t => t.RevokedAt, past));
            else
                await row.ExecuteUpdateAsync(set => set.SetProperty(t => t.ExpiresAt, past));
        }

        private static async Task<Guid> TokenIdAsync(PortalApp app, string token)
        {
            Assert.True(TokenText.TryParse(token, out var prefix, out _));
            await using var db = app.Db();
            return await db.Set<PersonalAccessToken>().Where(t => t.Prefix == prefix).Select(t => t.Id).SingleAsync();
        }
    }

    /// <summary>An endpoint's request for a case, and the status each caller gets.</summary>
    private sealed record Expectation(Func<Scene, Where, HttpRequestMessage> Request, Func<Who, Where, int> Status);

    private static class Matrix
    {
        const int Unauthenticated = 401;

        public static readonly IReadOnlyDictionary<string, Expectation> Endpoints = new Dictionary<string, Expectation>
        {
            ["GET /api/v1/tenants"] = new(
                (_, _) => Get("/api/v1/tenants"),
                Signedin((_, _) => 200)),
            ["POST /api/v1/tenants"] = new(
                (_, _) => Send(HttpMethod.Post, "/api/v1/tenants", new { slug = $"new-{Guid.NewGuid():N}"[..20], displayName = "New" }),
                Change((who, _) => who is Who.PlatformAdmin ? 201 : 403)),
            ["GET /api/v1/tenants/{tenant}"] = new(
                (s, w) => Get($"/api/v1/tenants/{s[w].Slug}"),
                Signedin((who, where) => Sees(who, where, platformAdminEverywhere: true) ? 200 : 404)),
            ["PATCH /api/v1/tenants/{tenant}"] = new(
                (s, w) => Send(HttpMethod.Patch, $"/api/v1/tenants/{s[w].Slug}", new { displayName = "Renamed" }),
                Change((who, where) => !Sees(who, where, platformAdminEverywhere: true) ? 404 : who is Who.PlatformAdmin ? 200 : 403)),
            // Members: the tenant's admins and platform admins; its members and viewers 403 (they know it exists); others 404.
            ["GET /api/v1/tenants/{tenant}/members"] = new(
                (s, w) => Get($"/api/v1/tenants/{s[w].Slug}/members"),
                Signedin((who, where) => Administers(who, where, 200))),
            ["PUT /api/v1/tenants/{tenant}/members/{subject}"] = new(
                (s, w) => Send(HttpMethod.Put, $"/api/v1/tenants/{s[w].Slug}/members/new-{Guid.NewGuid():N}", new { role = "Viewer" }),
                Change((who, where) => Administers(who, where, 201))),
            ["DELETE /api/v1/tenants/{tenant}/members/{subject}"] = new(
                (s, w) => new HttpRequestMessage(HttpMethod.Delete, $"/api/v1/tenants/{s[w].Slug}/members/{Scene.RemovableMember}"),
                Change((who, where) => Administers(who, where, 204))),
            ["GET /api/v1/tenants/{tenant}/clusters"] = new(
                (s, w) => Get($"/api/v1/tenants/{s[w].Slug}/clusters"),
                Signedin((who, where) => Sees(who, where, platformAdminEverywhere: true) ? 200 : 404)),
            // Usage is read as the tenant is: every member role, platform admins everywhere.
            ["GET /api/v1/tenants/{tenant}/usage"] = new(
                (s, w) => Get($"/api/v1/tenants/{s[w].Slug}/usage"),
                Signedin((who, where) => Sees(who, where, platformAdminEverywhere: true) ? 200 : 404)),
            ["POST /api/v1/tenants/{tenant}/clusters"] = new(
                (s, w) => Send(HttpMethod.Post, $"/api/v1/tenants/{s[w].Slug}/clusters", new { name = $"n-{Guid.NewGuid():N}"[..12] }),
                Change((who, where) => Changes(who, where, 202))),
            ["GET /api/v1/tenants/{tenant}/clusters/{name}"] = new(
                (s, w) => Get($"/api/v1/tenants/{s[w].Slug}/clusters/{s[w].Cluster}"),
                Signedin((who, where) => Sees(who, where, platformAdminEverywhere: true) ? 200 : 404)),
            ["GET /api/v1/tenants/{tenant}/clusters/by-id/{id:guid}"] = new(
                (s, w) => Get($"/api/v1/tenants/{s[w].Slug}/clusters/by-id/{s[w].ClusterId}"),
                Signedin((who, where) => Sees(who, where, platformAdminEverywhere: true) ? 200 : 404)),
            // Creating again is a create: whoever may create in the tenant, from any cluster they can read there.
            ["POST /api/v1/tenants/{tenant}/clusters/{name}/clone"] = new(
                (s, w) => Send(HttpMethod.Post, $"/api/v1/tenants/{s[w].Slug}/clusters/{s[w].Cluster}/clone", new { name = $"n-{Guid.NewGuid():N}"[..12] }),
                Change((who, where) => Changes(who, where, 202))),
            ["POST /api/v1/tenants/{tenant}/clusters/by-id/{id:guid}/clone"] = new(
                (s, w) => Send(HttpMethod.Post, $"/api/v1/tenants/{s[w].Slug}/clusters/by-id/{s[w].ClusterId}/clone", new { name = $"n-{Guid.NewGuid():N}"[..12] }),
                Change((who, where) => Changes(who, where, 202))),
            ["PUT /api/v1/tenants/{tenant}/clusters/{name}/scale"] = new(
                (s, w) => Send(HttpMethod.Put, $"/api/v1/tenants/{s[w].Slug}/clusters/{s[w].Cluster}/scale", new { workers = 3 }),
                Change((who, where) => Changes(who, where, 202))),
            ["POST /api/v1/tenants/{tenant}/clusters/{name}/extend"] = new(
                (s, w) => Send(HttpMethod.Post, $"/api/v1/tenants/{s[w].Slug}/clusters/{s[w].Cluster}/extend", new { by = "01:00:00" }),
                Change((who, where) => Changes(who, where, 200))),
            ["DELETE /api/v1/tenants/{tenant}/clusters/{name}"] = new(
                (s, w) => new HttpRequestMessage(HttpMethod.Delete, $"/api/v1/tenants/{s[w].Slug}/clusters/{s[w].Cluster}"),
                Change((who, where) => Changes(who, where, 202))),
            // Storage: anyone of the tenant reads it; its admins (and platform admins) give and take it; members 403.
            ["GET /api/v1/storage-classes"] = new(
                (_, _) => Get("/api/v1/storage-classes"),
                Signedin((_, _) => 200)),
            ["GET /api/v1/tenants/{tenant}/volumes"] = new(
                (s, w) => Get($"/api/v1/tenants/{s[w].Slug}/volumes"),
                Signedin((who, where) => Sees(who, where, platformAdminEverywhere: true) ? 200 : 404)),
            ["POST /api/v1/tenants/{tenant}/volumes"] = new(
                (s, w) => Send(HttpMethod.Post, $"/api/v1/tenants/{s[w].Slug}/volumes", new { name = $"v-{Guid.NewGuid():N}"[..12], size = "1Gi" }),
                Change((who, where) => Administers(who, where, 201))),
            ["GET /api/v1/tenants/{tenant}/volumes/{name}"] = new(
                (s, w) => Get($"/api/v1/tenants/{s[w].Slug}/volumes/{Scene.HistoryVolume}"),
                Signedin((who, where) => Sees(who, where, platformAdminEverywhere: true) ? 200 : 404)),
            ["DELETE /api/v1/tenants/{tenant}/volumes/{name}"] = new(
                (s, w) => new HttpRequestMessage(HttpMethod.Delete, $"/api/v1/tenants/{s[w].Slug}/volumes/{Scene.UnusedVolume}"),
                Change((who, where) => Administers(who, where, 204))),
            ["GET /api/v1/tenants/{tenant}/object-stores"] = new(
                (s, w) => Get($"/api/v1/tenants/{s[w].Slug}/object-stores"),
                Signedin((who, where) => Sees(who, where, platformAdminEverywhere: true) ? 200 : 404)),
            ["POST /api/v1/tenants/{tenant}/object-stores"] = new(
                (s, w) => Send(HttpMethod.Post, $"/api/v1/tenants/{s[w].Slug}/object-stores", new
                {
                    name = $"s-{Guid.NewGuid():N}"[..12], endpoint = "https://s3.example.test", bucketPrefix = "lake",
                    accessKeyId = "AKIAEXAMPLE", secretKey = "wJalrXUtnFEMIexample",
                }),
                Change((who, where) => Administers(who, where, 201))),
            ["GET /api/v1/tenants/{tenant}/object-stores/{name}"] = new(
                (s, w) => Get($"/api/v1/tenants/{s[w].Slug}/object-stores/{Scene.Store}"),
                Signedin((who, where) => Sees(who, where, platformAdminEverywhere: true) ? 200 : 404)),
            ["POST /api/v1/tenants/{tenant}/object-stores/{name}/rotate"] = new(
                (s, w) => Send(HttpMethod.Post, $"/api/v1/tenants/{s[w].Slug}/object-stores/{Scene.Store}/rotate", new { secretKey = "rotatedKeyExample" }),
                Change((who, where) => Administers(who, where, 200))),
            ["DELETE /api/v1/tenants/{tenant}/object-stores/{name}"] = new(
                (s, w) => new HttpRequestMessage(HttpMethod.Delete, $"/api/v1/tenants/{s[w].Slug}/object-stores/{Scene.Store}"),
                Change((who, where) => Administers(who, where, 204))),
            // The history server is the tenant members': viewers read it, members and admins start and stop it. One
            // runs in every tenant, so a start that gets past authorization meets 409.
            ["GET /api/v1/tenants/{tenant}/history-server"] = new(
                (s, w) => Get($"/api/v1/tenants/{s[w].Slug}/history-server"),
                Signedin((who, where) => Sees(who, where, platformAdminEverywhere: true) ? 200 : 404)),
            ["PUT /api/v1/tenants/{tenant}/history-server"] = new(
                (s, w) => Send(HttpMethod.Put, $"/api/v1/tenants/{s[w].Slug}/history-server", new { volume = Scene.HistoryVolume }),
                Change((who, where) => Changes(who, where, 409))),
            ["DELETE /api/v1/tenants/{tenant}/history-server"] = new(
                (s, w) => new HttpRequestMessage(HttpMethod.Delete, $"/api/v1/tenants/{s[w].Slug}/history-server"),
                Change((who, where) => Changes(who, where, 204))),
            // The image catalogue is configuration, the same for every tenant: any signed-in caller may read it.
            ["GET /api/v1/images"] = new(
                (_, _) => Get("/api/v1/images"),
                Signedin((_, _) => 200)),
            // Every signed-in caller may ask who they are.
            ["GET /api/v1/me"] = new(
                (_, _) => Get("/api/v1/me"),
                Signedin((_, _) => 200)),
            ["GET /api/v1/tokens"] = new(
                (_, _) => Get("/api/v1/tokens"),
                Signedin((_, _) => 200)),
            // Tokens are made in a signed-in session only: a token limited to one tenant must not mint a wider one.
            ["POST /api/v1/tokens"] = new(
                (_, _) => Send(HttpMethod.Post, "/api/v1/tokens", new { name = "notebook" }),
                Change((_, _) => 403)),
            // Own tenant: a spare token of the caller's. Other tenant: a token of that tenant's admin.
            ["DELETE /api/v1/tokens/{id:guid}"] = new(
                (s, w) => new HttpRequestMessage(HttpMethod.Delete, $"/api/v1/tokens/{s[w].Token}"),
                Change((who, where) => where is Where.OwnTenant || who is Who.PlatformAdmin ? 204 : 404)),
            // The user directory names no tenant: administrators of one (as far as their token reaches) and platform
            // admins look people up to add them; everyone else 403.
            ["GET /api/v1/users"] = new(
                (_, _) => Get("/api/v1/users?search=a"),
                Signedin((who, _) => who is Who.PlatformAdmin or Who.TenantAdmin or Who.TenantScopedToken or Who.ReadOnlyToken ? 200 : 403)),
            // Accounts are for platform admins only, whatever tenant anyone administers. An account that doesn't exist
            // shows the admin got past authorization (404) while everyone else is refused before any lookup (403).
            ["GET /api/v1/accounts"] = new(
                (_, _) => Get("/api/v1/accounts"),
                Signedin((who, _) => who is Who.PlatformAdmin ? 200 : 403)),
            ["POST /api/v1/accounts"] = new(
                (_, _) => Send(HttpMethod.Post, "/api/v1/accounts", new { userName = $"new-{Guid.NewGuid():N}" }),
                Change((who, _) => who is Who.PlatformAdmin ? 201 : 403)),
            ["GET /api/v1/accounts/{userName}"] = new(
                (_, _) => Get($"/api/v1/accounts/{NoAccount}"),
                Signedin((who, _) => who is Who.PlatformAdmin ? 404 : 403)),
            ["POST /api/v1/accounts/{userName}/reset-password"] = new(
                (_, _) => Send(HttpMethod.Post, $"/api/v1/accounts/{NoAccount}/reset-password", new { invite = false }),
                Change((who, _) => who is Who.PlatformAdmin ? 404 : 403)),
            ["POST /api/v1/accounts/{userName}/disable"] = new(
                (_, _) => new HttpRequestMessage(HttpMethod.Post, $"/api/v1/accounts/{NoAccount}/disable"),
                Change((who, _) => who is Who.PlatformAdmin ? 404 : 403)),
            ["POST /api/v1/accounts/{userName}/enable"] = new(
                (_, _) => new HttpRequestMessage(HttpMethod.Post, $"/api/v1/accounts/{NoAccount}/enable"),
                Change((who, _) => who is Who.PlatformAdmin ? 404 : 403)),
            ["POST /api/v1/accounts/{userName}/unlock"] = new(
                (_, _) => new HttpRequestMessage(HttpMethod.Post, $"/api/v1/accounts/{NoAccount}/unlock"),
                Change((who, _) => who is Who.PlatformAdmin ? 404 : 403)),
        };

        const string NoAccount = "nobody-has-this-name";

        /// <summary>401 for every caller without a live credential; <paramref name="status"/> decides the rest.</summary>
        static Func<Who, Where, int> Signedin(Func<Who, Where, int> status) => (who, where) =>
            who is Who.Anonymous or Who.RevokedToken or Who.ExpiredToken ? Unauthenticated : status(who, where);

        /// <summary>
        /// A change: a read-only token gets 403 before any tenant is looked up (so the answer says nothing about
        /// the tenant); otherwise as <see cref="Signedin"/>.
        /// </summary>
        static Func<Who, Where, int> Change(Func<Who, Where, int> status) =>
            Signedin((who, where) => who is Who.ReadOnlyToken ? 403 : status(who, where));

        /// <summary>
        /// Whether the caller may read the target tenant: its members may; outsiders get 404, never 403, so a
        /// tenant they don't belong to looks like one that doesn't exist.
        /// </summary>
        static bool Sees(Who who, Where where, bool platformAdminEverywhere = false) =>
            who is not Who.NoMembership && (where is Where.OwnTenant || (platformAdminEverywhere && who is Who.PlatformAdmin));

        /// <summary>Cluster changes: members and admins of the tenant, and platform admins anywhere; viewers 403; outsiders 404.</summary>
        static int Changes(Who who, Where where, int success) =>
            !Sees(who, where, platformAdminEverywhere: true) ? 404 : who is Who.Viewer ? 403 : success;

        /// <summary>Members and storage: admins of the tenant and platform admins anywhere; members and viewers 403; outsiders 404.</summary>
        static int Administers(Who who, Where where, int success) =>
            !Sees(who, where, platformAdminEverywhere: true) ? 404 : who is Who.Member or Who.Viewer ? 403 : success;

        static HttpRequestMessage Get(string path) => new(HttpMethod.Get, path);

        static HttpRequestMessage Send(HttpMethod method, string path, object body) =>
            new(method, path) { Content = JsonContent.Create(body) };
    }
}
