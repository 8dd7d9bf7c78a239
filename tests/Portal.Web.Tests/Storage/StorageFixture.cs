using System.Net.Http.Json;
using k8s;
using Microsoft.AspNetCore.Hosting;
using Microsoft.Extensions.Logging.Testing;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;
using Portal.Core.Tenants;
using Portal.Testing;
using Portal.Web.Tests.Gateway;

namespace Portal.Web.Tests.Storage;

/// <summary>
/// The whole storage flow on the embedded defaults, once for the collection: a tenant admin gives the tenant a
/// volume and an object store, a member asks for cluster <c>etl</c> mounting both and writing its event logs to the
/// volume, and starts the tenant's history server on them. Every log record the portal writes is kept.
/// </summary>
public sealed class StorageFixture(PostgresServer postgres) : PortalApp(postgres), IAsyncLifetime
{
    public const string Admin = "storage-admin";
    public const string Member = "storage-member";
    public const string Stranger = "storage-stranger";
    public const string Cluster = "etl";
    public const string Volume = "shared";
    public const string Store = "lake";

    /// <summary>A secret key no answer, record, log line, ConfigMap or page may ever hold.</summary>
    public const string SecretKey = "sEcReT-5c0f1e2d-NEVER-SHOWN";

    /// <summary>The second key, after a rotation.</summary>
    public const string RotatedKey = "sEcReT-rotated-NEVER-SHOWN";

    public string Tenant { get; private set; } = "";

    public string Namespace { get; private set; } = "";

    public string OtherTenant { get; private set; } = "";

    /// <summary>Every API answer body the flow got.</summary>
    public List<string> Answers { get; } = [];

    protected override bool Provisions => true;

    public FakeLogCollector Log => Services.GetRequiredService<FakeLogCollector>();

    /// <summary>A client of the sandbox as an administrator, to look at what the portal made.</summary>
    public IKubernetes Kube { get; } = new Kubernetes(KubernetesClientConfiguration.BuildConfigFromConfigFile(SandboxServer.Kubeconfig));

    protected override void ConfigureWebHost(IWebHostBuilder builder)
    {
        base.ConfigureWebHost(builder);
        builder.UseSetting("Kubernetes:WaitingRequeueSeconds", "1");
        // Every level, whatever the console shows: the test greps all of it for the secret.
        builder.ConfigureLogging(logging => logging
            .AddFakeLogging()
            .AddFilter<FakeLoggerProvider>(null, LogLevel.Trace));
    }

    public new async ValueTask InitializeAsync()
    {
        await base.InitializeAsync();
        var tenant = await CreateTenantAsync((Admin, TenantRole.Admin), (Member, TenantRole.Member));
        (Tenant, Namespace) = (tenant.Slug, tenant.Namespace);
        OtherTenant = (await CreateTenantAsync((Stranger, TenantRole.Admin))).Slug;

        using var admin = CreateClient(Admin);
        await SendAsync(admin.PostAsync($"/api/v1/tenants/{Tenant}/volumes", Json.Body(new { name = Volume, size = "20Gi" })));
        await SendAsync(admin.PostAsync($"/api/v1/tenants/{Tenant}/object-stores", Json.Body(new
        {
            name = Store,
            endpoint = "https://10.20.30.40:9000",
            bucketPrefix = "analytics",
            pathStyleAccess = true,
            accessKeyId = "AKIASTORAGETEST",
            secretKey = SecretKey,
        })));

        using var member = CreateClient(Member);
        await SendAsync(member.PostAsync($"/api/v1/tenants/{Tenant}/clusters", Json.Body(new
        {
            name = Cluster,
            workers = 1,
            sparkConnect = true,
            volumes = new[] { new { volume = Volume } },
            objectStore = Store,
            eventLog = new { volume = Volume },
        })));
        await ClusterWaits.RunningAsync(member, $"/api/v1/tenants/{Tenant}/clusters/{Cluster}");
        Answers.Add(await member.GetStringAsync($"/api/v1/tenants/{Tenant}/clusters/{Cluster}"));

        await SendAsync(member.PutAsync($"/api/v1/tenants/{Tenant}/history-server", Json.Body(new { volume = Volume })));
        await HistoryRunningAsync(member);

        // A rotation: the Secret gets the new key and every pod of the cluster restarts with it.
        await SendAsync(admin.PostAsync($"/api/v1/tenants/{Tenant}/object-stores/{Store}/rotate", Json.Body(new { secretKey = RotatedKey })));
        await RolledOntoKeyAsync(2);
    }

    async Task RolledOntoKeyAsync(int version)
    {
        var last = "";
        await Eventually.HoldsAsync(async () =>
            {
                var deployments = await Kube.AppsV1.ListNamespacedDeploymentAsync(Namespace, labelSelector: "app.kubernetes.io/name=spark");
                last = string.Join("; ", deployments.Items.Select(d =>
                    $"{d.Metadata.Name} key {KeyVersion(d)} " +
                    $"updated {d.Status?.UpdatedReplicas}/{d.Spec.Replicas} ready {d.Status?.ReadyReplicas}"));
                return deployments.Items.Count == 3 && deployments.Items.All(d =>
                    KeyVersion(d) == $"{version}"
                    && d.Status?.ObservedGeneration >= d.Metadata.Generation
                    && d.Status?.UpdatedReplicas == d.Spec.Replicas && d.Status?.ReadyReplicas == d.Spec.Replicas && d.Status?.Replicas == d.Spec.Replicas);
            },
            () => $"every deployment rolled onto key version {version} (last seen: {last})", within: TimeSpan.FromMinutes(3), every: TimeSpan.FromMilliseconds(250));
    }

    /// <summary>Sends, keeps the answer's body, and fails loudly on a refusal.</summary>
    public async Task<string> SendAsync(Task<HttpResponseMessage> sending)
    {
        using var response = await sending;
        var body = await response.Content.ReadAsStringAsync();
        Answers.Add(body);
        if (!response.IsSuccessStatusCode)
            throw new InvalidOperationException($"{response.RequestMessage?.Method} {response.RequestMessage?.RequestUri} answered {(int)response.StatusCode}: {body}");
        return body;
    }

    async Task HistoryRunningAsync(HttpClient client)
    {
        var last = "";
        await Eventually.HoldsAsync(async () =>
            {
                var history = await client.GetFromJsonAsync<System.Text.Json.JsonElement>($"/api/v1/tenants/{Tenant}/history-server", Json.Options);
                last = history.ToString();
                return history.GetProperty("phase").GetString() == "Running";
            },
            () => $"the history server Running (last seen: {last})", within: TimeSpan.FromMinutes(3), every: TimeSpan.FromMilliseconds(250));
    }

    static string? KeyVersion(k8s.Models.V1Deployment deployment) =>
        deployment.Spec.Template.Metadata.Annotations is { } annotations
        && annotations.TryGetValue(Provisioning.Manifests.ClusterManifests.KeyVersionAnnotation, out var version) ? version : null;

    public override async ValueTask DisposeAsync()
    {
        Kube.Dispose();
        await base.DisposeAsync();
    }
}

/// <summary>The storage tests share one flow: it builds a cluster and a history server.</summary>
[CollectionDefinition(Name)]
public sealed class StorageCollection : ICollectionFixture<StorageFixture>
{
    public const string Name = "Storage";
}
