using Bunit;
using MudBlazor;
using Portal.Core.Clusters;
using Portal.Core.Tenants;
using Portal.Testing;
using Portal.Web.Features.Clusters;

namespace Portal.Web.Tests.Components;

/// <summary>What the cluster page shows for a cluster in a given state, to a tenant admin.</summary>
public sealed class ClusterDetailPageTests(PortalApp app) : IClassFixture<PortalApp>, IAsyncDisposable
{
    private ComponentHost? _host;

    public ValueTask DisposeAsync() => _host?.DisposeAsync() ?? ValueTask.CompletedTask;

    private static Cluster DeletedCluster(Tenant tenant)
    {
        var ended = DateTimeOffset.UtcNow.AddMinutes(-5);
        var cluster = Builders.ASparkCluster().In(tenant).Named("etl").CreatedAt(ended.AddHours(-1)).WithStatus(new ClusterStatus
        {
            Phase = ClusterPhase.Deleted,
            PhaseChangedAt = ended,
            EndedAt = ended,
            TerminationReason = ClusterTermination.Deleted,
        }).Build();
        cluster.DeletionRequestedAt = ended;
        return cluster;
    }

    private async Task<(IRenderedComponent<ClusterDetail> Page, IRenderedComponent<MudDialogProvider> Dialogs)> RenderAsync(
        Func<Tenant, Cluster> build)
    {
        var admin = $"admin-{Guid.NewGuid():N}";
        var tenant = await app.CreateTenantAsync((admin, TenantRole.Admin));
        await using (var db = app.Db())
        {
            db.Clusters.Add(build(tenant));
            await db.SaveChangesAsync(Xunit.TestContext.Current.CancellationToken);
        }

        _host = new ComponentHost(app, admin);
        var dialogs = _host.Context.Render<MudDialogProvider>();
        var page = _host.Context.Render<ClusterDetail>(p => p.Add(c => c.Tenant, tenant.Slug).Add(c => c.Name, "etl"));
        await page.WaitForElementAsync("[data-testid=overview]");
        return (page, dialogs);
    }

    [Fact]
    public async Task A_deleted_clusters_page_has_no_provisioning_checklist()
    {
        var (page, _) = await RenderAsync(DeletedCluster);

        Assert.Empty(page.FindAll("[data-testid=cluster-progress]"));
    }

    [Fact]
    public async Task A_deleted_clusters_overview_counts_no_time_left()
    {
        var (page, _) = await RenderAsync(DeletedCluster);

        Assert.DoesNotContain("left", page.Find("[data-testid=overview]").TextContent, StringComparison.Ordinal);
    }

    [Fact]
    public async Task The_status_line_shows_the_message_without_the_reason_code()
    {
        var (page, _) = await RenderAsync(tenant => Builders.ASparkCluster().In(tenant).Named("etl").WithStatus(new ClusterStatus
        {
            Phase = ClusterPhase.Starting,
            Reason = "WaitingForPods",
            Message = "Waiting for the master and 2 workers to be ready",
        }).Build());

        Assert.Equal("Waiting for the master and 2 workers to be ready", page.Find("[data-testid=status-message]").TextContent.Trim());
    }

    [Fact]
    public async Task The_delete_confirmation_marks_its_Delete_button_as_destructive()
    {
        var (page, dialogs) = await RenderAsync(tenant => Builders.ASparkCluster().In(tenant).Named("etl").Build());

        // The click's handler waits for the answer: not awaited until the dialog is answered (cancelled, below).
        var deleting = page.Find("[data-testid=delete]").ClickAsync(new());
        await dialogs.WaitForElementAsync(".mud-dialog");

        var classes = dialogs.FindAll(".mud-dialog button").Single(b => b.TextContent.Trim() == "Delete").ClassList.ToList();
        await dialogs.FindAll(".mud-dialog button").Single(b => b.TextContent.Trim() == "Cancel").ClickAsync(new());
        await deleting;
        Assert.Contains("mud-button-filled-error", classes);
    }

    private static Cluster LoggingOnAVolume(Tenant tenant)
    {
        var cluster = Builders.ASparkCluster().In(tenant).Named("etl").WithStatus(new ClusterStatus { Phase = ClusterPhase.Running }).Build();
        cluster.Spec = cluster.Spec with
        {
            Volumes = [new Portal.Core.Storage.ClusterVolume("events", "logs", false)],
            EventLog = new Portal.Core.Storage.EventLogSpec("events", null, "spark-events"),
        };
        return cluster;
    }

    [Fact]
    public async Task A_cluster_logging_events_with_no_history_server_points_to_the_storage_page()
    {
        var (page, _) = await RenderAsync(LoggingOnAVolume);
        var history = await page.WaitForElementAsync("[data-testid=history-state]");

        Assert.Equal((true, "tenant/storage"), (history.TextContent.Contains("No history server runs", StringComparison.Ordinal),
            history.QuerySelector("a")?.GetAttribute("href")));
    }

    [Fact]
    public async Task A_clusters_event_log_directory_is_shown_as_spark_gets_it()
    {
        var (page, _) = await RenderAsync(LoggingOnAVolume);

        var eventLog = await page.WaitForElementAsync("[data-testid=event-log]");

        Assert.Contains("file:/mnt/data/logs/spark-events", eventLog.TextContent, StringComparison.Ordinal);
    }
}
