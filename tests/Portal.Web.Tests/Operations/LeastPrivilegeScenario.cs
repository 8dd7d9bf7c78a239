using System.Net.Http.Json;
using Grpc.Core;
using k8s;
using k8s.Models;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.Logging;
using Portal.Core.Clusters;
using Portal.Core.Tenants;
using Portal.Provisioning.Manifests;
using Portal.Testing;

namespace Portal.Web.Tests.Operations;

/// <summary>One thing the portal does to Kubernetes, as a person or the clock makes it happen.</summary>
public sealed record ScenarioStep(string Name, Func<LeastPrivilegeScenario, Task> Run);

/// <summary>
/// Everything the portal does to Kubernetes, start to end, through its API, its database and its clock, on
/// <see cref="RbacPortalApp"/>: every request is recorded, and any the deployed RBAC wouldn't allow is refused.
/// Add a step with one line in <see cref="Steps"/> (and its method below) when the portal learns to do something new.
/// </summary>
public sealed class LeastPrivilegeScenario(RbacPortalApp app)
{
    public static readonly IReadOnlyList<ScenarioStep> Steps =
    [
        new("tenant created", s => s.CreateTenantAsync()),
        new("tenant updated", s => s.UpdateTenantAsync()),
        new("tenant's directory group set", s => s.SetDirectoryGroupAsync("lp-viewers")),
        new("cluster created and running", s => s.CreateClusterAsync("etl")),
        new("cluster scaled", s => s.ScaleClusterAsync("etl", workers: 2)),
        new("spark connect session through the gateway", s => s.OpenGatewaySessionAsync("etl")),
        new("spark ui through the portal", s => s.OpenSparkUiAsync("etl")),
        new("cluster expired", s => s.ExpireClusterAsync("etl")),
        new("cluster deleted", s => s.CreateAndDeleteClusterAsync("adhoc")),
        new("orphan swept by the resync", s => s.SweepOrphanAsync()),
        new("tenant storage and history server given and taken back", s => s.GiveAndTakeStorageAsync()),
        new("tenant's directory group removed", s => s.SetDirectoryGroupAsync(null)),
        new("tenant deleted", s => s.DeleteTenantAsync()),
    ];

    // Generous: every wait is on the portal's loops and the sandbox's timers on a loaded machine.
    private static readonly TimeSpan Ceiling = TimeSpan.FromSeconds(120);

    private readonly HttpClient _api = app.CreateClient();
    private readonly IKubernetes _admin = RbacSandboxServer.Admin();
    private readonly string _slug = $"lp-{Guid.NewGuid():N}"[..12];

    private static CancellationToken Ct => TestContext.Current.CancellationToken;

    private string Namespace => $"spark-{_slug}";

    /// <summary>Runs every step in order; a step that can't finish names itself.</summary>
    public async Task RunAsync()
    {
        foreach (var step in Steps)
        {
            try
            {
                await step.Run(this);
            }
            catch (Exception ex)
            {
                throw new InvalidOperationException($"Scenario step \"{step.Name}\" failed: {ex.Message}", ex);
            }
        }
    }

    private async Task CreateTenantAsync()
    {
        (await _api.PostAsync("/api/v1/tenants", Json.Body(new { slug = _slug, displayName = "Least privilege" }), Ct)).EnsureSuccessStatusCode();
        // The platform admin who creates a tenant becomes its admin, so the same client asks for its clusters.
        await UntilAsync("the tenant's namespace exists", async () =>
            (await _admin.CoreV1.ListNamespaceAsync(fieldSelector: $"metadata.name={Namespace}", cancellationToken: Ct)).Items.Count == 1);
    }

    private async Task UpdateTenantAsync()
    {
        var quota = new { cpu = "16", memory = "64Gi", maxPods = 50, maxClusters = 5 };
        (await _api.PatchAsync($"/api/v1/tenants/{_slug}", Json.Body(new { quota }), Ct)).EnsureSuccessStatusCode();
        await UntilAsync("the ResourceQuota allows 50 pods", async () =>
            (await _admin.CoreV1.ListNamespacedResourceQuotaAsync(Namespace, cancellationToken: Ct)).Items
            .Any(q => q.Spec.Hard.TryGetValue("pods", out var pods) && pods.ToString() == "50"));
    }

    private async Task SetDirectoryGroupAsync(string? group)
    {
        await using (var db = app.Db())
        {
            var tenant = await db.Tenants.SingleAsync(t => t.Slug == _slug, Ct);
            tenant.DirectoryGroup = group;
            tenant.Version++;
            await db.SaveChangesAsync(Ct);
        }

        await UntilAsync(group is null ? "the viewer Role is pruned" : "the viewer Role is granted", async () =>
            (await _admin.RbacAuthorizationV1.ListNamespacedRoleBindingAsync(Namespace, cancellationToken: Ct)).Items
            .Any(b => b.Metadata.Name == TenantManifests.ViewerRole) == group is not null);
    }

    private async Task CreateClusterAsync(string name)
    {
        (await _api.PostAsync($"/api/v1/tenants/{_slug}/clusters", Json.Body(new { name, workers = 1 }), Ct)).EnsureSuccessStatusCode();
        await UntilPhaseAsync(name, ClusterPhase.Running);
    }

    private async Task ScaleClusterAsync(string name, int workers)
    {
        (await _api.PutAsync($"/api/v1/tenants/{_slug}/clusters/{name}/scale", Json.Body(new { workers }), Ct)).EnsureSuccessStatusCode();
        await UntilAsync($"{name}'s workers are scaled to {workers}", async () =>
            (await _admin.AppsV1.ListNamespacedDeploymentAsync(Namespace, cancellationToken: Ct)).Items.Any(d => d.Metadata.Name == $"{name}-worker" && d.Spec.Replicas == workers));
    }

    /// <summary>A notebook's call through the gateway, which opens a port-forward tunnel as the portal's account.</summary>
    private async Task OpenGatewaySessionAsync(string name)
    {
        using var gateway = new Gateway.GatewayClient(app);
        var headers = Gateway.GatewayClient.Headers(app.TokenFor(PortalApp.DevelopmentUser, platformAdmin: true), $"{_slug}/{name}");
        await ThroughToSparkAsync($"a Spark Connect session through the gateway to {name}", "pods/portforward", async () =>
        {
            try
            {
                var answer = await gateway.Spark.AnalyzePlanAsync(Gateway.GatewayClient.Version(Guid.NewGuid().ToString()), headers, cancellationToken: Ct);
                return string.IsNullOrEmpty(answer.SparkVersion.Version) ? "the Connect server answered without a Spark version" : null;
            }
            // UNAVAILABLE is the gateway's transient answer ("try again in a moment"), which gRPC's status codes say to
            // retry; like a client, the step asks again.
            catch (RpcException e) when (e.StatusCode == StatusCode.Unavailable)
            {
                return $"{e.Status}; {await WhatTheGatewaySawAsync(name)}";
            }
        });
    }

    /// <summary>A browser's visit to the master UI through the portal, which goes through the API server's service proxy.</summary>
    private Task OpenSparkUiAsync(string name) =>
        ThroughToSparkAsync($"{name}'s Spark UI through the portal", "services/proxy", async () =>
        {
            using var response = await _api.GetAsync($"/spark/{_slug}/{name}/", Ct);
            return response.IsSuccessStatusCode ? null : $"{(int)response.StatusCode} {await response.Content.ReadAsStringAsync(Ct)}";
        });

    /// <summary>
    /// Retries <paramref name="attempt"/> (null: Spark answered; else what went wrong) until Spark answers. What this
    /// scenario needs of such a step is that Kubernetes allowed every request on the way, <paramref name="resource"/>
    /// among them; that Spark answers through it is the gateway tests' to show (Gateway/). So a way Kubernetes
    /// authorized, with Spark silent behind it until the ceiling, ends the step with a note in the test's output (which
    /// the test command prints); one Kubernetes refused, or never saw, fails it.
    /// </summary>
    private async Task ThroughToSparkAsync(string what, string resource, Func<Task<string?>> attempt)
    {
        string? last = null;
        try
        {
            await UntilAsync(() => $"{what} (last: {last})", async () => (last = await attempt()) is null);
        }
        catch (TimeoutException timeout) when (app.Recorder.Requests.Any(r => r.Resource == resource && r.Namespace == Namespace)
            && last?.Contains(Portal.Web.Features.Gateway.SparkConnectGateway.TunnelRefused, StringComparison.Ordinal) == false)
        {
            TestContext.Current.TestOutputHelper?.WriteLine($"note: least-privilege scenario: Kubernetes authorized {resource}, but Spark did not answer behind it: {timeout.Message}");
        }
    }

    /// <summary>The cluster's pods as Kubernetes has them and the portal's last warnings: what a timeout reports.</summary>
    private async Task<string> WhatTheGatewaySawAsync(string name)
    {
        var pods = (await _admin.CoreV1.ListNamespacedPodAsync(Namespace, cancellationToken: Ct)).Items
            .Where(p => p.Metadata.Name.StartsWith(name + "-", StringComparison.Ordinal))
            .Select(p => $"{p.Metadata.Name} {p.Status?.Phase}"
                + $" ready={p.Status?.Conditions?.FirstOrDefault(c => c.Type == "Ready")?.Status}"
                + $" restarts={p.Status?.ContainerStatuses?.Sum(c => c.RestartCount)}"
                + (p.Metadata.DeletionTimestamp is null ? "" : " deleting"));
        var warnings = app.Log.GetSnapshot().Where(r => r.Level >= LogLevel.Warning).TakeLast(3)
            .Select(r => $"{r.Category}: {r.Message}{Causes(r.Exception)}");
        return $"pods: {string.Join(", ", pods)}; last warnings: {string.Join(" | ", warnings)}";
    }

    /// <summary>An exception and its inner ones, type and message each: the outermost rarely says what happened.</summary>
    private static string Causes(Exception? e)
    {
        var causes = new List<string>();
        for (; e is not null; e = e.InnerException)
            causes.Add($"{e.GetType().Name}: {e.Message}");
        return causes.Count == 0 ? "" : $" ({string.Join(" <- ", causes)})";
    }

    private async Task ExpireClusterAsync(string name)
    {
        await using (var db = app.Db())
        {
            var cluster = await db.Clusters.SingleAsync(c => c.Name == name && c.Status.Phase != ClusterPhase.Deleted && db.Tenants.Any(t => t.Id == c.TenantId && t.Slug == _slug), Ct);
            // Its time-to-live ran out a minute ago; the next pass ends it as the reconciler does at expiry.
            cluster.ExpiresAt = DateTimeOffset.UtcNow.AddMinutes(-1);
            cluster.Version++;
            await db.SaveChangesAsync(Ct);
        }

        await UntilPhaseAsync(name, ClusterPhase.Deleted);
    }

    private async Task CreateAndDeleteClusterAsync(string name)
    {
        await CreateClusterAsync(name);
        (await _api.DeleteAsync($"/api/v1/tenants/{_slug}/clusters/{name}", Ct)).EnsureSuccessStatusCode();
        await UntilPhaseAsync(name, ClusterPhase.Deleted);
    }

    private async Task SweepOrphanAsync()
    {
        // What a crash between a row's deletion and its objects' leaves: a managed object of no live cluster.
        var orphan = new V1ConfigMap
        {
            Metadata = new V1ObjectMeta
            {
                Name = "orphan-conf",
                Labels = new Dictionary<string, string> { [Labels.ManagedBy] = Labels.Manager, [Labels.ClusterId] = Guid.NewGuid().ToString() },
            },
        };
        await _admin.CoreV1.CreateNamespacedConfigMapAsync(orphan, Namespace, cancellationToken: Ct);
        await UntilAsync("the resync deletes the orphan", async () =>
            (await _admin.CoreV1.ListNamespacedConfigMapAsync(Namespace, fieldSelector: "metadata.name=orphan-conf", cancellationToken: Ct)).Items.Count == 0);
    }

    private async Task GiveAndTakeStorageAsync()
    {
        (await _api.PostAsync($"/api/v1/tenants/{_slug}/volumes", Json.Body(new { name = "shared", size = "1Gi" }), Ct)).EnsureSuccessStatusCode();
        (await _api.PostAsync($"/api/v1/tenants/{_slug}/object-stores", Json.Body(new
        {
            name = "lake", endpoint = "https://10.20.30.40:9000", bucketPrefix = "lake", accessKeyId = "AKIALP", secretKey = "lp-secret",
        }), Ct)).EnsureSuccessStatusCode();
        await UntilAsync("the volume's claim and the store's Secret exist", async () =>
            (await _admin.CoreV1.ListNamespacedPersistentVolumeClaimAsync(Namespace, cancellationToken: Ct)).Items.Count == 1
            && (await _admin.CoreV1.ListNamespacedSecretAsync(Namespace, fieldSelector: "metadata.name=objectstore-lake", cancellationToken: Ct)).Items.Count == 1);

        (await _api.PutAsync($"/api/v1/tenants/{_slug}/history-server", Json.Body(new { volume = "shared" }), Ct)).EnsureSuccessStatusCode();
        await UntilAsync("the history server runs", async () =>
            (await _api.GetStringAsync($"/api/v1/tenants/{_slug}/history-server", Ct)).Contains("\"Running\"", StringComparison.Ordinal));
        (await _api.DeleteAsync($"/api/v1/tenants/{_slug}/history-server", Ct)).EnsureSuccessStatusCode();
        await UntilAsync("the history server's Deployment is pruned", async () =>
            (await _admin.AppsV1.ListNamespacedDeploymentAsync(Namespace, fieldSelector: $"metadata.name={HistoryServerManifests.Name}", cancellationToken: Ct)).Items.Count == 0);

        (await _api.DeleteAsync($"/api/v1/tenants/{_slug}/volumes/shared", Ct)).EnsureSuccessStatusCode();
        (await _api.DeleteAsync($"/api/v1/tenants/{_slug}/object-stores/lake", Ct)).EnsureSuccessStatusCode();
        await UntilAsync("the claim and the Secret are pruned", async () =>
            (await _admin.CoreV1.ListNamespacedPersistentVolumeClaimAsync(Namespace, cancellationToken: Ct)).Items.Count == 0
            && (await _admin.CoreV1.ListNamespacedSecretAsync(Namespace, fieldSelector: "metadata.name=objectstore-lake", cancellationToken: Ct)).Items.Count == 0);
    }

    private async Task DeleteTenantAsync()
    {
        await using (var db = app.Db())
        {
            var tenant = await db.Tenants.SingleAsync(t => t.Slug == _slug, Ct);
            tenant.DeletionRequestedAt = DateTimeOffset.UtcNow;
            tenant.Version++;
            await db.SaveChangesAsync(Ct);
        }

        await UntilAsync("the tenant's namespace is gone", async () =>
            (await _admin.CoreV1.ListNamespaceAsync(fieldSelector: $"metadata.name={Namespace}", cancellationToken: Ct)).Items.Count == 0);
    }

    private async Task UntilPhaseAsync(string name, ClusterPhase phase)
    {
        ClusterPhase? last = null;
        await UntilAsync(() => $"{name} reaches {phase} (last seen {last})", async () =>
        {
            await using var db = app.Db();
            last = await db.Clusters.Where(c => c.Name == name && db.Tenants.Any(t => t.Id == c.TenantId && t.Slug == _slug))
                .OrderByDescending(c => c.CreatedAt).Select(c => (ClusterPhase?)c.Status.Phase).FirstOrDefaultAsync(Ct);
            return last == phase;
        });
    }

    private static Task UntilAsync(string what, Func<Task<bool>> condition) => UntilAsync(() => what, condition);

    /// <summary>Waits for <paramref name="condition"/>; <paramref name="what"/> is read at the timeout, so it can say what was last seen.</summary>
    private static Task UntilAsync(Func<string> what, Func<Task<bool>> condition) =>
        Eventually.HoldsAsync(condition, what, Ceiling, TimeSpan.FromMilliseconds(200), Ct);
}
