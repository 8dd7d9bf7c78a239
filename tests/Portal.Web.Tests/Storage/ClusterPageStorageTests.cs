using System.Net;
using Bunit;
using Portal.Testing;
using Portal.Web.Features.Clusters;
using Portal.Web.Tests.Components;

namespace Portal.Web.Tests.Storage;

/// <summary>The cluster page of the storage flow's cluster: its storage, and its applications linked to the history server.</summary>
[Collection(StorageCollection.Name)]
public sealed class ClusterPageStorageTests(StorageFixture app) : IAsyncDisposable
{
    static CancellationToken Ct => Xunit.TestContext.Current.CancellationToken;

    ComponentHost? _host;

    public ValueTask DisposeAsync() => _host?.DisposeAsync() ?? ValueTask.CompletedTask;

    async Task<IRenderedComponent<ClusterDetail>> RenderAsMemberAsync()
    {
        _host ??= new ComponentHost(app, StorageFixture.Member);
        var page = _host.Context.Render<ClusterDetail>(p => p.Add(c => c.Tenant, app.Tenant).Add(c => c.Name, StorageFixture.Cluster));
        // The event-log row (and the history server's state in it) comes with the page's second read, after the cluster's.
        await page.WaitForElementAsync("[data-testid=history-state]");
        return page;
    }

    /// <summary>
    /// The page once its applications table links one: the Connect server registers with its master a moment after
    /// its pod is ready (the fixture's key rotation restarted them all), and the page reads the master as it loads.
    /// </summary>
    async Task<IRenderedComponent<ClusterDetail>> RenderWithAnApplicationAsync()
    {
        IRenderedComponent<ClusterDetail>? page = null;
        await Eventually.HoldsAsync(async () =>
        {
            page = await RenderAsMemberAsync();
            return page.FindAll("[data-testid=application-history]").Count > 0;
        }, "a History link in the cluster page's applications", every: TimeSpan.FromSeconds(1), ct: Ct);
        return page!;
    }

    [Fact]
    public async Task The_cluster_page_shows_the_mount_the_object_store_and_the_event_log_directory()
    {
        var page = await RenderAsMemberAsync();

        var storage = page.Find("[data-testid=storage]").TextContent;
        Assert.All(["/mnt/data/shared, read-write", "Secret objectstore-lake", "file:/mnt/data/shared/spark-events"],
            expected => Assert.Contains(expected, storage, StringComparison.Ordinal));
    }

    [Fact]
    public async Task The_cluster_page_links_each_application_to_its_page_in_the_history_server()
    {
        var page = await RenderWithAnApplicationAsync();

        var link = page.Find("[data-testid=application-history]").GetAttribute("href")!;
        var appId = page.Find("[data-testid=application-id] .mud-typography-caption").TextContent.Trim();
        Assert.Equal($"/spark-history/{app.Tenant}/history/{appId}/jobs/", link);
    }

    [Fact]
    public async Task An_applications_history_link_opens_its_jobs_page_through_the_portal()
    {
        var page = await RenderWithAnApplicationAsync();
        var link = page.Find("[data-testid=application-history]").GetAttribute("href")!;
        using var member = app.CreateClient(StorageFixture.Member);

        // The history server lists a log once it has scanned the directory since the application began.
        var status = HttpStatusCode.NotFound;
        await Eventually.HoldsAsync(async () =>
        {
            using var response = await member.GetAsync(link, Ct);
            status = response.StatusCode;
            return status == HttpStatusCode.OK;
        }, () => $"200 from {link} (last: {(int)status})", ct: Ct);
    }

    [Fact]
    public async Task The_cluster_page_opens_the_history_server_that_reads_its_event_logs()
    {
        var page = await RenderAsMemberAsync();

        Assert.Equal($"/spark-history/{app.Tenant}/", page.Find("[data-testid=open-history]").GetAttribute("href"));
    }

    [Fact]
    public async Task The_cluster_page_holds_no_secret_key()
    {
        var page = await RenderWithAnApplicationAsync();

        Assert.DoesNotContain(StorageFixture.SecretKey, page.Markup, StringComparison.Ordinal);
        Assert.DoesNotContain(StorageFixture.RotatedKey, page.Markup, StringComparison.Ordinal);
    }
}
