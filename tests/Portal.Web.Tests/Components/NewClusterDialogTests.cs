using AngleSharp.Dom;
using Bunit;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.DependencyInjection;
using MudBlazor;
using Portal.Core.Clusters;
using Portal.Core.Storage;
using Portal.Core.Tenants;
using Portal.Testing;
using Portal.Web.Features.Clusters;

namespace Portal.Web.Tests.Components;

/// <summary>The new-cluster dialog, rendered by bUnit, calling the real ClusterService on PostgreSQL.</summary>
public sealed class NewClusterDialogTests(PortalApp app) : IClassFixture<PortalApp>, IAsyncLifetime
{
    private readonly string _subject = $"member-{Guid.NewGuid():N}";
    private ComponentHost _host = null!;
    private Tenant _tenant = null!;

    public async ValueTask InitializeAsync()
    {
        _tenant = await app.CreateTenantAsync((_subject, TenantRole.Member));
        _host = new ComponentHost(app, _subject);
    }

    public ValueTask DisposeAsync() => _host.DisposeAsync();

    private async Task<IRenderedComponent<MudDialogProvider>> OpenAsync(IReadOnlyList<Cluster>? existing = null)
    {
        var provider = _host.Context.Render<MudDialogProvider>();
        var dialogs = _host.Context.Services.GetRequiredService<IDialogService>();
        var parameters = new DialogParameters<NewClusterDialog>
        {
            { d => d.Access, new TenantAccess(_tenant, TenantRole.Member) },
            { d => d.Existing, existing ?? [] },
        };
        await provider.InvokeAsync(() => dialogs.ShowAsync<NewClusterDialog>(null, parameters));
        return provider;
    }

    private static void Type(IRenderedComponent<MudDialogProvider> dialog, string testId, string value) =>
        dialog.Find($"[data-testid={testId}]").Input(value);

    private static async Task CreateAsync(IRenderedComponent<MudDialogProvider> dialog) =>
        await dialog.ClickAsync("[data-testid=create-cluster]");

    /// <summary>The text of the MudBlazor field around the input with <paramref name="testId"/>: its label, helper and error.</summary>
    private static string Field(IRenderedComponent<MudDialogProvider> dialog, string testId) =>
        dialog.Find($"[data-testid={testId}]").Closest(".mud-input-control")!.TextContent;

    private async Task<int> ClustersInTenantAsync()
    {
        await using var db = app.Db();
        return await db.Clusters.CountAsync(c => c.TenantId == _tenant.Id, Xunit.TestContext.Current.CancellationToken);
    }

    [Fact]
    public async Task The_presets_offered_are_the_tenants_own()
    {
        _tenant.Policy = _tenant.Policy with { Presets = [new ClusterPreset("Notebook", 1, "500m", "2Gi")] };

        var dialog = await OpenAsync();

        Assert.Equal(["Notebook (1 × 500m CPU, 2Gi)"], dialog.FindAll("[data-testid=presets] button").Select(b => b.TextContent.Trim()));
    }

    [Fact]
    public async Task Choosing_a_preset_fills_the_workers_and_their_size()
    {
        _tenant.Policy = _tenant.Policy with { Presets = [new ClusterPreset("Notebook", 1, "500m", "2Gi")] };
        var dialog = await OpenAsync();

        await dialog.ClickAsync("[data-testid=presets] button");

        Assert.Equal(("1", "500m", "2Gi"), (
            dialog.Find("[data-testid=field-workers]").GetAttribute("value"),
            dialog.Find("[data-testid=field-worker-cores]").GetAttribute("value"),
            dialog.Find("[data-testid=field-worker-memory]").GetAttribute("value")));
    }

    [Fact]
    public async Task Creating_without_a_name_says_Required_beside_the_name()
    {
        var dialog = await OpenAsync();

        await CreateAsync(dialog);

        Assert.Contains("Required.", Field(dialog, "field-name"), StringComparison.Ordinal);
    }

    [Fact]
    public async Task A_name_with_capitals_is_refused_beside_the_name()
    {
        var dialog = await OpenAsync();
        Type(dialog, "field-name", "ETL");

        await CreateAsync(dialog);

        Assert.Contains("lower-case", Field(dialog, "field-name"), StringComparison.OrdinalIgnoreCase);
    }

    [Fact]
    public async Task More_workers_than_the_tenant_allows_are_refused_beside_the_workers()
    {
        var dialog = await OpenAsync();
        Type(dialog, "field-name", "etl");
        Type(dialog, "field-workers", "51");

        await CreateAsync(dialog);

        Assert.Contains("the tenant's limit", Field(dialog, "field-workers"), StringComparison.Ordinal);
    }

    [Fact]
    public async Task A_cluster_needing_more_CPU_than_is_left_is_refused_without_being_sent()
    {
        var dialog = await OpenAsync();
        Type(dialog, "field-name", "too-big");
        Type(dialog, "field-workers", "20");
        Type(dialog, "field-worker-cores", "2");

        await CreateAsync(dialog);

        Assert.Contains("CPU in all; 32 of 32 are left", Field(dialog, "field-worker-cores"), StringComparison.Ordinal);
        Assert.Equal(0, await ClustersInTenantAsync());
    }

    [Fact]
    public async Task What_is_left_of_the_quota_accounts_for_existing_clusters()
    {
        var existing = Builders.ASparkCluster().In(_tenant).WithWorkers(10).Build();

        var dialog = await OpenAsync([existing]);

        Assert.Contains("9 clusters", dialog.Find("[data-testid=quota-left]").TextContent, StringComparison.Ordinal);
    }

    [Fact]
    public async Task A_duplicate_name_refused_by_the_service_appears_beside_the_name()
    {
        await using (var db = app.Db())
        {
            db.Clusters.Add(Builders.ASparkCluster().In(_tenant).Named("taken").Build());
            await db.SaveChangesAsync(Xunit.TestContext.Current.CancellationToken);
        }

        var dialog = await OpenAsync();
        Type(dialog, "field-name", "taken");

        await CreateAsync(dialog);

        await dialog.WaitForAssertionAsync(() =>
            Assert.Contains("already has a cluster 'taken'", Field(dialog, "field-name"), StringComparison.Ordinal));
    }

    [Fact]
    public async Task A_valid_request_creates_the_cluster_through_the_service()
    {
        var dialog = await OpenAsync();
        Type(dialog, "field-name", "etl");

        await CreateAsync(dialog);

        await dialog.WaitForAssertionAsync(() => Assert.Empty(dialog.FindAll("[data-testid=create-cluster]")));
        Assert.Equal(1, await ClustersInTenantAsync());
    }

    private async Task AddVolumeAsync(string name, VolumeAccessMode mode)
    {
        await using var db = app.Db();
        db.Volumes.Add(new TenantVolume { TenantId = _tenant.Id, Name = name, StorageClass = "standard", Size = "10Gi", AccessMode = mode, CreatedBy = "admin" });
        await db.SaveChangesAsync(Xunit.TestContext.Current.CancellationToken);
    }

    /// <summary>Waits until the dialog has the tenant's volumes and stores (it loads them as it opens).</summary>
    private static async Task StorageLoadedAsync(IRenderedComponent<MudDialogProvider> dialog) =>
        await dialog.WaitForAssertionAsync(() => Assert.Empty(dialog.FindAll("[data-testid=volumes-loading]")));

    private static async Task ChooseAsync<T>(IRenderedComponent<MudDialogProvider> dialog, string label, T value)
    {
        var select = dialog.FindComponents<MudSelect<T>>().Single(s => s.Instance.Label == label);
        await select.InvokeAsync(() => select.Instance.ValueChanged.InvokeAsync(value));
    }

    [Fact]
    public async Task A_cluster_asked_for_with_a_volume_mounts_it_and_logs_events_on_it()
    {
        await AddVolumeAsync("events", VolumeAccessMode.ReadWriteMany);
        var dialog = await OpenAsync();
        Type(dialog, "field-name", "etl");
        await StorageLoadedAsync(dialog);
        await dialog.ClickAsync("[data-testid=add-mount]");
        await ChooseAsync(dialog, "Event logs", "volume:events");

        await CreateAsync(dialog);

        await dialog.WaitForAssertionAsync(() => Assert.Empty(dialog.FindAll("[data-testid=create-cluster]")));
        await using var db = app.Db();
        var spec = (await db.Clusters.SingleAsync(c => c.TenantId == _tenant.Id, Xunit.TestContext.Current.CancellationToken)).Spec;
        Assert.Equal((new ClusterVolume("events", "events", false), new EventLogSpec("events", null, "spark-events")),
            (Assert.Single(spec.Volumes), spec.EventLog));
    }

    [Fact]
    public async Task A_read_write_mount_of_a_read_only_many_volume_is_refused_beside_its_row()
    {
        await AddVolumeAsync("reference", VolumeAccessMode.ReadOnlyMany);
        var dialog = await OpenAsync();
        Type(dialog, "field-name", "etl");
        await StorageLoadedAsync(dialog);
        await dialog.ClickAsync("[data-testid=add-mount]");
        var readOnly = dialog.FindComponents<MudCheckBox<bool>>().Single(c => c.Instance.Label == "Read-only");
        await readOnly.InvokeAsync(() => readOnly.Instance.ValueChanged.InvokeAsync(false));

        await CreateAsync(dialog);

        Assert.Contains("is ReadOnlyMany: mount it with readOnly true", dialog.Find("[data-testid=mount-row]").TextContent, StringComparison.Ordinal);
        Assert.Equal(0, await ClustersInTenantAsync());
    }

    [Fact]
    public async Task A_tenant_without_volumes_is_told_where_they_come_from()
    {
        var dialog = await OpenAsync();

        await StorageLoadedAsync(dialog);
        Assert.Equal(("The tenant has no volumes; its admins add them on the Storage page.", true),
            (dialog.Find("[data-testid=no-volumes]").TextContent.Trim(), dialog.Find("[data-testid=add-mount]").HasAttribute("disabled")));
    }

    private static async Task ChooseImageAsync(IRenderedComponent<MudDialogProvider> dialog, string image)
    {
        var select = dialog.FindComponent<MudSelect<string>>();
        await select.InvokeAsync(() => select.Instance.ValueChanged.InvokeAsync(image));
    }

    [Fact]
    public async Task The_default_image_offers_spark_connect_switched_on()
    {
        var dialog = await OpenAsync();

        var connect = dialog.Find("[data-testid=field-connect]");
        Assert.Equal((true, false), (connect.HasAttribute("checked"), connect.HasAttribute("disabled")));
    }

    [Fact]
    public async Task An_image_without_spark_connect_disables_the_switch_and_says_why()
    {
        var dialog = await OpenAsync();

        await ChooseImageAsync(dialog, "apache/spark:3.5.8-scala2.12-java17-python3-ubuntu");

        await dialog.WaitForAssertionAsync(() => Assert.Equal(
            (true, false, "Spark 3.5.8 has no Spark Connect server; Spark 4 images do."),
            (dialog.Find("[data-testid=field-connect]").HasAttribute("disabled"),
             dialog.Find("[data-testid=field-connect]").HasAttribute("checked"),
             dialog.Find("[data-testid=connect-unavailable]").TextContent.Trim())));
    }

    [Fact]
    public async Task A_cluster_asked_for_on_an_image_without_connect_is_created_without_it()
    {
        var dialog = await OpenAsync();
        Type(dialog, "field-name", "legacy");
        await ChooseImageAsync(dialog, "apache/spark:3.5.8-scala2.12-java17-python3-ubuntu");

        await CreateAsync(dialog);

        await dialog.WaitForAssertionAsync(() => Assert.Empty(dialog.FindAll("[data-testid=create-cluster]")));
        await using var db = app.Db();
        var created = await db.Clusters.SingleAsync(c => c.TenantId == _tenant.Id && c.Name == "legacy", Xunit.TestContext.Current.CancellationToken);
        Assert.Equal(("3.5.8", false), (created.Spec.SparkVersion, created.Spec.SparkConnect));
    }

    [Fact]
    public async Task A_worker_too_small_for_spark_is_refused_beside_the_field_with_the_minimum()
    {
        var dialog = await OpenAsync();
        Type(dialog, "field-name", "tiny");
        Type(dialog, "field-worker-memory", "1Gi");

        await CreateAsync(dialog);

        await dialog.WaitForAssertionAsync(() => Assert.Contains("Must be at least 1344Mi", Field(dialog, "field-worker-memory"), StringComparison.Ordinal));
    }

    [Fact]
    public async Task A_bad_name_is_refused_beside_the_name_as_it_is_typed()
    {
        var dialog = await OpenAsync();

        Type(dialog, "field-name", "ETL");

        // The validator's message, not the helper text (which also says "lower-case").
        await dialog.WaitForAssertionAsync(() => Assert.Contains("Must consist of lower-case letters", Field(dialog, "field-name"), StringComparison.Ordinal));
    }

    [Fact]
    public async Task Zero_workers_stay_zero()
    {
        var dialog = await OpenAsync();

        Type(dialog, "field-workers", "0");

        await dialog.WaitForAssertionAsync(() => Assert.Equal("0", dialog.Find("[data-testid=field-workers]").GetAttribute("value")));
    }

    [Fact]
    public async Task Zero_workers_are_refused_beside_the_workers_as_typed()
    {
        var dialog = await OpenAsync();

        Type(dialog, "field-workers", "0");

        await dialog.WaitForAssertionAsync(() => Assert.Contains("Must be at least 1.", Field(dialog, "field-workers"), StringComparison.Ordinal));
    }

    [Fact]
    public async Task Zero_workers_are_not_sent()
    {
        var dialog = await OpenAsync();
        Type(dialog, "field-name", "empty");
        Type(dialog, "field-workers", "0");

        await CreateAsync(dialog);

        Assert.Equal(0, await ClustersInTenantAsync());
    }

    [Fact]
    public async Task The_preview_counts_1000_workers_with_the_master_and_the_connect_server()
    {
        var dialog = await OpenAsync();

        Type(dialog, "field-workers", "1000");

        // The defaults: 1 CPU and 2Gi per worker; master and Connect server 1 CPU and 1Gi each.
        await dialog.WaitForAssertionAsync(() => Assert.Equal(
            "This cluster needs 1002 CPU, 2002Gi memory and 1002 pods: 1000 workers, the master and a Connect server.",
            Normalized(dialog.Find("[data-testid=cluster-needs]").TextContent)));
    }

    [Fact]
    public async Task A_time_to_live_beyond_the_tenants_maximum_is_refused_in_hours()
    {
        var dialog = await OpenAsync();

        Type(dialog, "field-ttl", "200");

        await dialog.WaitForAssertionAsync(() =>
            Assert.Contains("Must be at most 168 hours, the tenant's maximum.", Field(dialog, "field-ttl"), StringComparison.Ordinal));
    }

    private static string Normalized(string text) => string.Join(' ', text.Split((char[]?)null, StringSplitOptions.RemoveEmptyEntries));
}
