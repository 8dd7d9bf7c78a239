using System.Net;
using Bunit;
using System.Text;
using k8s;
using Microsoft.AspNetCore.Mvc.Testing;
using Microsoft.EntityFrameworkCore;
using Portal.Core.Storage;
using Portal.Provisioning.Manifests;
using Portal.Testing;
using Portal.Web.Features.Storage;
using Portal.Web.Tests.Components;

namespace Portal.Web.Tests.Storage;

/// <summary>A cluster on the embedded defaults with a tenant volume, an object store and event logs, and its tenant's history server.</summary>
[Collection(StorageCollection.Name)]
public sealed class StorageFlowTests(StorageFixture app)
{
    static CancellationToken Ct => Xunit.TestContext.Current.CancellationToken;

    string History => $"/spark-history/{app.Tenant}/";

    async Task<k8s.Models.V1Deployment> DeploymentAsync(string component) =>
        await app.Kube.AppsV1.ReadNamespacedDeploymentAsync($"{StorageFixture.Cluster}-{component}", app.Namespace, cancellationToken: Ct);

    [Fact]
    public async Task The_volumes_claim_is_bound_by_the_default_class()
    {
        var claim = await app.Kube.CoreV1.ReadNamespacedPersistentVolumeClaimAsync(StorageFixture.Volume, app.Namespace, cancellationToken: Ct);

        Assert.Equal(("Bound", "standard"), (claim.Status.Phase, claim.Spec.StorageClassName));
    }

    [Fact]
    public async Task The_tenants_quota_counts_the_volume()
    {
        var quota = await app.Kube.CoreV1.ReadNamespacedResourceQuotaAsync("spark-portal-quota", app.Namespace, cancellationToken: Ct);

        Assert.Equal(("20Gi", "1"), (quota.Status.Used["requests.storage"].ToString(), quota.Status.Used["persistentvolumeclaims"].ToString()));
    }

    [Fact]
    public async Task Every_pod_of_the_cluster_was_admitted_under_pod_security_restricted_and_is_ready()
    {
        var pods = await app.Kube.CoreV1.ListNamespacedPodAsync(app.Namespace, labelSelector: $"{Labels.Name}=spark", cancellationToken: Ct);
        var ready = pods.Items.Where(p => p.Status.Conditions?.Any(c => c.Type == "Ready" && c.Status == "True") == true).ToList();

        Assert.Equal(3, ready.Count(p => p.Spec.Volumes.Any(v => v.PersistentVolumeClaim?.ClaimName == StorageFixture.Volume)));
    }

    [Fact]
    public async Task The_connect_server_reads_the_key_from_the_stores_secret_by_reference()
    {
        var env = (await DeploymentAsync("connect")).Spec.Template.Spec.Containers[0].Env.Single(e => e.Name == "AWS_SECRET_ACCESS_KEY");

        Assert.Equal(("objectstore-lake", null), (env.ValueFrom?.SecretKeyRef?.Name, env.Value));
    }

    [Fact]
    public async Task The_clusters_conf_names_its_event_log_location()
    {
        var conf = (await app.Kube.CoreV1.ReadNamespacedConfigMapAsync(StorageFixture.Cluster, app.Namespace, cancellationToken: Ct)).Data["spark-defaults.conf"];

        Assert.Contains("spark.eventLog.dir=file\\:/mnt/data/shared/spark-events", conf, StringComparison.Ordinal);
    }

    [Fact]
    public async Task The_connect_servers_event_log_is_written_on_the_volume()
    {
        await Eventually.HoldsAsync(() => SandboxServer.Sandbox.Volumes.List(app.Namespace, StorageFixture.Volume, "/spark-events").Any(),
            "an event log in spark-events on the claim", ct: Ct);
    }

    [Fact]
    public async Task A_member_opens_the_history_server_through_the_portal_and_sees_the_clusters_application()
    {
        using var member = app.CreateClient(StorageFixture.Member);

        var applications = "";
        await Eventually.HoldsAsync(async () =>
        {
            applications = await member.GetStringAsync($"{History}api/v1/applications", Ct);
            return applications.Contains("Spark Connect server", StringComparison.Ordinal);
        }, () => $"the Connect server's application in the history server (last: {applications})", ct: Ct);
    }

    [Fact]
    public async Task The_history_servers_pages_link_under_the_portal_path()
    {
        using var member = app.CreateClient(StorageFixture.Member);

        var page = await member.GetStringAsync(History, Ct);

        Assert.Contains($"/spark-history/{app.Tenant}/", page, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Another_tenants_member_gets_not_found_from_the_history_server()
    {
        using var stranger = app.CreateClient(StorageFixture.Stranger);

        var response = await stranger.GetAsync(History, Ct);

        Assert.Equal(HttpStatusCode.NotFound, response.StatusCode);
    }

    [Fact]
    public async Task An_anonymous_browser_is_sent_to_sign_in_from_the_history_server()
    {
        using var anonymous = app.CreateClient(new WebApplicationFactoryClientOptions { AllowAutoRedirect = false });
        anonymous.DefaultRequestHeaders.Authorization = null;

        var response = await anonymous.GetAsync(History, Ct);

        Assert.Equal((HttpStatusCode.Redirect, "/signin"), (response.StatusCode, response.Headers.Location?.AbsolutePath));
    }

    [Fact]
    public async Task Another_tenants_admin_can_not_see_the_volume()
    {
        using var stranger = app.CreateClient(StorageFixture.Stranger);

        var response = await stranger.GetAsync($"/api/v1/tenants/{app.Tenant}/volumes/{StorageFixture.Volume}", Ct);

        Assert.Equal(HttpStatusCode.NotFound, response.StatusCode);
    }

    [Fact]
    public async Task Another_tenants_cluster_can_not_mount_the_volume()
    {
        using var stranger = app.CreateClient(StorageFixture.Stranger);

        var response = await stranger.PostAsync($"/api/v1/tenants/{app.OtherTenant}/clusters",
            Json.Body(new { name = "thief", volumes = new[] { new { volume = StorageFixture.Volume } } }), Ct);

        Assert.Equal((HttpStatusCode.BadRequest, "volumes[0].volume"), (response.StatusCode, (await response.ProblemAsync()).Errors?.Keys.Single()));
    }

    [Fact]
    public async Task A_volume_the_running_cluster_mounts_can_not_be_deleted()
    {
        using var admin = app.CreateClient(StorageFixture.Admin);

        var response = await admin.DeleteAsync($"/api/v1/tenants/{app.Tenant}/volumes/{StorageFixture.Volume}", Ct);

        Assert.Equal((HttpStatusCode.Conflict, "volume.in-use"), (response.StatusCode, (await response.ProblemAsync()).Extension("code")));
    }

    [Fact]
    public async Task The_volume_lists_the_cluster_that_mounts_it()
    {
        using var member = app.CreateClient(StorageFixture.Member);

        var volumes = await member.GetStringAsync($"/api/v1/tenants/{app.Tenant}/volumes", Ct);

        Assert.Contains($"\"mountedBy\":[\"{StorageFixture.Cluster}\"]", volumes, StringComparison.Ordinal);
    }

    [Fact]
    public async Task The_stores_address_joins_the_tenants_egress()
    {
        await Eventually.HoldsAsync(async () =>
        {
            var policies = await app.Kube.NetworkingV1.ListNamespacedNetworkPolicyAsync(app.Namespace, cancellationToken: Ct);
            return policies.Items.Any(p => p.Metadata.Name == StorageManifests.EgressPolicyName
                && p.Spec.Egress.Any(r => r.To.Any(t => t.IpBlock?.Cidr == "10.20.30.40/32")));
        }, "the object store's egress policy", ct: Ct);
    }

    [Fact]
    public async Task The_storage_page_links_the_running_history_server_in_a_new_tab()
    {
        await using var host = new ComponentHost(app, StorageFixture.Member);
        var page = host.Context.Render<StoragePage>();
        await page.WaitForElementAsync("[data-testid=volumes]");

        // As a click on the History server tab does.
        await page.InvokeAsync(() => page.FindComponent<MudBlazor.MudTabs>().Instance.ActivatePanelAsync(2));

        var open = await page.WaitForElementAsync("[data-testid=open-history]");
        Assert.Equal(($"/spark-history/{app.Tenant}/", "_blank"), (open.GetAttribute("href"), open.GetAttribute("target")));
    }
}
