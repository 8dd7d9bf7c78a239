using System.Text;
using Bunit;
using k8s;
using Microsoft.EntityFrameworkCore;
using MudBlazor;
using Portal.Web.Features.Storage;
using Portal.Web.Tests.Components;

namespace Portal.Web.Tests.Storage;

/// <summary>After the whole storage flow, a rotation included, an object store's secret key is only in its Secret.</summary>
[Collection(StorageCollection.Name)]
public sealed class SecretExposureTests(StorageFixture app)
{
    static CancellationToken Ct => Xunit.TestContext.Current.CancellationToken;

    static readonly string[] Keys = [StorageFixture.SecretKey, StorageFixture.RotatedKey];

    static void AssertHoldsNoKey(IEnumerable<string> texts, string where)
    {
        var leaks = texts.Where(t => Keys.Any(k => t.Contains(k, StringComparison.Ordinal))).ToList();
        Assert.True(leaks.Count == 0, $"{where} holds a secret key:\n{string.Join("\n", leaks.Take(3))}");
    }

    [Fact]
    public async Task No_api_answer_holds_a_secret_key()
    {
        using var admin = app.CreateClient(StorageFixture.Admin);
        var reads = new[]
        {
            $"/api/v1/tenants/{app.Tenant}/object-stores", $"/api/v1/tenants/{app.Tenant}/object-stores/{StorageFixture.Store}",
            $"/api/v1/tenants/{app.Tenant}/volumes", $"/api/v1/tenants/{app.Tenant}/clusters", $"/api/v1/tenants/{app.Tenant}/clusters/{StorageFixture.Cluster}",
            $"/api/v1/tenants/{app.Tenant}/history-server",
        };
        var answers = new List<string>(app.Answers);
        foreach (var read in reads)
            answers.Add(await admin.GetStringAsync(read, Ct));

        AssertHoldsNoKey(answers, "an API answer");
    }

    [Fact]
    public async Task No_page_holds_a_secret_key()
    {
        // The fixture is a PortalApp, so the page renders on its database, after the whole flow, as its admin.
        await using var host = new ComponentHost(app, StorageFixture.Admin);
        var page = host.Context.Render<StoragePage>();
        var tabs = new List<string>();
        foreach (var (index, loaded) in new[] { (0, "volume-name"), (1, "object-store-name"), (2, "history-server") })
        {
            // Only the active tab's panel is rendered; each is shown as a click on it would.
            await page.WaitForElementAsync("[data-testid=volumes], [data-testid=object-stores], [data-testid=history-server]");
            await page.InvokeAsync(() => page.FindComponent<MudTabs>().Instance.ActivatePanelAsync(index));
            await page.WaitForElementAsync($"[data-testid={loaded}]");
            tabs.Add(page.Markup);
        }

        AssertHoldsNoKey(tabs, "the storage page");
    }

    [Fact]
    public async Task No_audit_entry_holds_a_secret_key()
    {
        var audit = await app.AuditLogAsync();

        AssertHoldsNoKey(audit.Select(a => $"{a.Action} {a.Target} {a.Detail}"), "the audit log");
    }

    [Fact]
    public void No_log_line_holds_a_secret_key()
    {
        var lines = app.Log.GetSnapshot().Select(r => $"{r.Category} {r.Message} {r.Exception}").ToList();

        Assert.NotEmpty(lines);
        AssertHoldsNoKey(lines, "the portal's log");
    }

    [Fact]
    public async Task No_config_map_in_the_tenants_namespace_holds_a_secret_key()
    {
        var maps = await app.Kube.CoreV1.ListNamespacedConfigMapAsync(app.Namespace, cancellationToken: Ct);

        Assert.NotEmpty(maps.Items);
        AssertHoldsNoKey(maps.Items.SelectMany(m => m.Data?.Values ?? []), "a ConfigMap");
    }

    [Fact]
    public async Task No_pod_spec_holds_a_secret_key_in_clear()
    {
        var pods = await app.Kube.CoreV1.ListNamespacedPodAsync(app.Namespace, cancellationToken: Ct);

        AssertHoldsNoKey(pods.Items.Select(p => k8s.KubernetesJson.Serialize(p)), "a pod");
    }

    [Fact]
    public async Task The_secret_holds_the_rotated_key_only()
    {
        var secret = await app.Kube.CoreV1.ReadNamespacedSecretAsync("objectstore-lake", app.Namespace, cancellationToken: Ct);

        Assert.Equal(StorageFixture.RotatedKey, Encoding.UTF8.GetString(secret.Data["AWS_SECRET_ACCESS_KEY"]));
    }

    [Fact]
    public async Task The_database_holds_the_key_only_as_ciphertext()
    {
        await using var db = app.Db();
        var stored = await db.ObjectStores.AsNoTracking().SingleAsync(s => s.Name == StorageFixture.Store, Ct);

        AssertHoldsNoKey([stored.ProtectedSecretKey, stored.AccessKeyId], "the database row");
    }
}
