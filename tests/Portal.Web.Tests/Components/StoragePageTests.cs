using Bunit;
using MudBlazor;
using Portal.Core.Tenants;
using Portal.Web.Features.Shell;
using Portal.Web.Features.Storage;

namespace Portal.Web.Tests.Components;

/// <summary>The tenant storage page and its dialogs, rendered by bUnit on the real storage services and PostgreSQL.</summary>
public sealed class StoragePageTests(PortalApp app) : IClassFixture<PortalApp>, IAsyncDisposable
{
    private const string SecretKey = "sEcReT-page-test-NEVER-SHOWN";
    private const string RotatedKey = "sEcReT-page-rotated-NEVER-SHOWN";

    private readonly string _admin = $"admin-{Guid.NewGuid():N}";
    private readonly string _member = $"member-{Guid.NewGuid():N}";
    private readonly string _viewer = $"viewer-{Guid.NewGuid():N}";
    private ComponentHost? _host;
    private IRenderedComponent<MudDialogProvider> _dialogs = null!;

    public ValueTask DisposeAsync() => _host?.DisposeAsync() ?? ValueTask.CompletedTask;

    private static CancellationToken Ct => Xunit.TestContext.Current.CancellationToken;

    private Task<Tenant> TenantAsync() =>
        app.CreateTenantAsync((_admin, TenantRole.Admin), (_member, TenantRole.Member), (_viewer, TenantRole.Viewer));

    /// <summary>The page as <paramref name="subject"/>, with a dialog provider beside it (as the layout has), loaded.</summary>
    private async Task<IRenderedComponent<StoragePage>> RenderAsync(string subject)
    {
        _host = new ComponentHost(app, subject);
        _dialogs = _host.Context.Render<MudDialogProvider>();
        var page = _host.Context.Render<StoragePage>();
        await page.WaitForElementAsync("[data-testid=volumes]");
        return page;
    }

    /// <summary>As a click on the tab does; only the active tab's panel is rendered.</summary>
    private static Task ShowTabAsync(IRenderedComponent<StoragePage> page, int index) =>
        page.InvokeAsync(() => page.FindComponent<MudTabs>().Instance.ActivatePanelAsync(index));

    /// <summary>Clicks <paramref name="button"/> and waits for the dialog's <paramref name="field"/>.</summary>
    private async Task OpenDialogAsync(IRenderedComponent<StoragePage> page, string button, string field)
    {
        await page.WaitForAssertionAsync(() => Assert.False(page.Find($"[data-testid={button}]").HasAttribute("disabled")));
        // Not awaited: the click's handler waits for the dialog to close.
        await page.StartClickAsync($"[data-testid={button}]");
        await _dialogs.WaitForElementAsync($"[data-testid={field}]");
    }

    /// <summary>The text of the MudBlazor field around the input with <paramref name="testId"/>: its label, helper and error.</summary>
    private string Field(string testId) => _dialogs.Find($"[data-testid={testId}]").Closest(".mud-input-control")!.TextContent;

    private async Task CreateVolumeAsync(Tenant tenant, string name, string size = "10Gi")
    {
        using var admin = app.CreateClient(_admin);
        using var response = await admin.PostAsync($"/api/v1/tenants/{tenant.Slug}/volumes", Json.Body(new { name, size }), Ct);
        response.EnsureSuccessStatusCode();
    }

    private async Task RegisterStoreThroughTheDialogAsync(IRenderedComponent<StoragePage> page, string name)
    {
        await ShowTabAsync(page, 1);
        await OpenDialogAsync(page, "new-object-store", "field-store-name");
        _dialogs.Find("[data-testid=field-store-name]").Input(name);
        _dialogs.Find("[data-testid=field-store-endpoint]").Input("https://minio.example.test:9000");
        _dialogs.Find("[data-testid=field-store-bucket]").Input("analytics");
        _dialogs.Find("[data-testid=field-store-access-key]").Input("AKIAPAGETEST");
        _dialogs.Find("[data-testid=field-store-secret-key]").Input(SecretKey);
        await _dialogs.ClickAsync("[data-testid=create-object-store]");
        await page.WaitForAssertionAsync(() => Assert.Contains(name, page.FindAll("[data-testid=object-store-name]").Select(c => c.TextContent)));
    }

    private string AllMarkup(IRenderedComponent<StoragePage> page) => page.Markup + _dialogs.Markup;

    [Fact]
    public async Task A_tenant_admin_creates_a_volume_and_it_is_listed()
    {
        await TenantAsync();
        var page = await RenderAsync(_admin);
        await OpenDialogAsync(page, "new-volume", "field-volume-name");
        _dialogs.Find("[data-testid=field-volume-name]").Input("scratch");
        _dialogs.Find("[data-testid=field-volume-size]").Input("100Gi");

        await _dialogs.ClickAsync("[data-testid=create-volume]");

        await page.WaitForAssertionAsync(() => Assert.Equal(["scratch"], page.FindAll("[data-testid=volume-name]").Select(c => c.TextContent)));
    }

    [Fact]
    public async Task A_too_large_size_is_explained_beside_the_size_field()
    {
        await TenantAsync();
        var page = await RenderAsync(_admin);
        await OpenDialogAsync(page, "new-volume", "field-volume-name");
        _dialogs.Find("[data-testid=field-volume-name]").Input("huge");
        _dialogs.Find("[data-testid=field-volume-size]").Input("900Ti");

        await _dialogs.ClickAsync("[data-testid=create-volume]");

        await _dialogs.WaitForAssertionAsync(() => Assert.Contains("Must be a Kubernetes quantity from 1Gi", Field("field-volume-size"), StringComparison.Ordinal));
    }

    [Fact]
    public async Task A_viewer_sees_the_volumes_but_no_create_or_delete_controls()
    {
        var tenant = await TenantAsync();
        await CreateVolumeAsync(tenant, "shared");

        var page = await RenderAsync(_viewer);

        await page.WaitForAssertionAsync(() => Assert.Equal(["shared"], page.FindAll("[data-testid=volume-name]").Select(c => c.TextContent)));
        Assert.Empty(page.FindAll("[data-testid=new-volume], [data-testid=delete-volume]"));
    }

    [Fact]
    public async Task Deleting_a_mounted_volume_is_refused_with_the_services_reason()
    {
        var tenant = await TenantAsync();
        await CreateVolumeAsync(tenant, "shared");
        using (var member = app.CreateClient(_member))
        {
            using var created = await member.PostAsync($"/api/v1/tenants/{tenant.Slug}/clusters",
                Json.Body(new { name = "etl", workers = 1, volumes = new[] { new { volume = "shared" } } }), Ct);
            created.EnsureSuccessStatusCode();
        }

        var page = await RenderAsync(_admin);
        await page.WaitForAssertionAsync(() => Assert.False(page.Find("[data-testid=delete-volume]").HasAttribute("disabled")));
        await page.StartClickAsync("[data-testid=delete-volume]");
        await (await _dialogs.WaitForElementAsync("[data-testid=confirm-yes]")).ClickAsync(new());

        await page.WaitForAssertionAsync(() => Assert.Contains("is mounted by cluster(s) etl",
            page.Find("[data-testid=storage-message]").TextContent, StringComparison.Ordinal));
    }

    [Fact]
    public async Task A_registered_object_store_is_listed_and_its_secret_key_is_not_in_the_markup()
    {
        await TenantAsync();
        var page = await RenderAsync(_admin);

        await RegisterStoreThroughTheDialogAsync(page, "lake");

        Assert.DoesNotContain(SecretKey, AllMarkup(page), StringComparison.Ordinal);
    }

    [Fact]
    public async Task A_refused_registration_clears_the_secret_key_field()
    {
        await TenantAsync();
        var page = await RenderAsync(_admin);
        await ShowTabAsync(page, 1);
        await OpenDialogAsync(page, "new-object-store", "field-store-name");
        _dialogs.Find("[data-testid=field-store-name]").Input("lake");
        _dialogs.Find("[data-testid=field-store-endpoint]").Input("ftp://not-a-store");
        _dialogs.Find("[data-testid=field-store-secret-key]").Input(SecretKey);

        await _dialogs.ClickAsync("[data-testid=create-object-store]");

        await _dialogs.WaitForAssertionAsync(() => Assert.Contains("Must be an http or https URL", Field("field-store-endpoint"), StringComparison.Ordinal));
        Assert.DoesNotContain(SecretKey, AllMarkup(page), StringComparison.Ordinal);
    }

    [Fact]
    public async Task A_rotated_key_bumps_the_key_version_and_neither_key_is_in_the_markup()
    {
        await TenantAsync();
        var page = await RenderAsync(_admin);
        await RegisterStoreThroughTheDialogAsync(page, "lake");
        await OpenDialogAsync(page, "rotate-object-store", "field-rotate-secret-key");
        _dialogs.Find("[data-testid=field-rotate-secret-key]").Input(RotatedKey);

        await _dialogs.ClickAsync("[data-testid=rotate-key]");

        await page.WaitForAssertionAsync(() => Assert.Equal("2", page.Find("[data-testid=object-store-key-version]").TextContent));
        Assert.DoesNotContain(SecretKey, AllMarkup(page), StringComparison.Ordinal);
        Assert.DoesNotContain(RotatedKey, AllMarkup(page), StringComparison.Ordinal);
    }

    [Fact]
    public async Task A_rotation_from_a_stale_list_is_refused_in_the_dialog()
    {
        var tenant = await TenantAsync();
        var page = await RenderAsync(_admin);
        await RegisterStoreThroughTheDialogAsync(page, "lake");
        using (var admin = app.CreateClient(_admin))
        {
            // Someone else rotates meanwhile; the page still shows the version before it.
            using var rotated = await admin.PostAsync($"/api/v1/tenants/{tenant.Slug}/object-stores/lake/rotate",
                Json.Body(new { secretKey = RotatedKey }), Ct);
            rotated.EnsureSuccessStatusCode();
        }

        await OpenDialogAsync(page, "rotate-object-store", "field-rotate-secret-key");
        _dialogs.Find("[data-testid=field-rotate-secret-key]").Input(SecretKey);
        await _dialogs.ClickAsync("[data-testid=rotate-key]");

        await _dialogs.WaitForAssertionAsync(() => Assert.Contains("no longer at version",
            _dialogs.Find("[data-testid=rotate-key-failure]").TextContent, StringComparison.Ordinal));
    }

    [Fact]
    public async Task A_member_starts_the_history_server_on_a_volume_and_sees_it_starting()
    {
        var tenant = await TenantAsync();
        await CreateVolumeAsync(tenant, "events");
        var page = await RenderAsync(_member);
        await ShowTabAsync(page, 2);
        await page.WaitForAssertionAsync(() => Assert.False(page.Find("[data-testid=start-history]").HasAttribute("disabled")));

        await page.ClickAsync("[data-testid=start-history]");

        // No reconciler runs in these tests, so it stays Starting.
        await page.WaitForAssertionAsync(() => Assert.Equal("Starting", page.Find("[data-testid=history-phase]").GetAttribute("data-phase")));
    }

    [Fact]
    public async Task A_viewer_is_not_offered_to_start_the_history_server()
    {
        var tenant = await TenantAsync();
        await CreateVolumeAsync(tenant, "events");
        var page = await RenderAsync(_viewer);

        await ShowTabAsync(page, 2);

        await page.WaitForElementAsync("[data-testid=history-none]");
        Assert.Empty(page.FindAll("[data-testid=start-history], [data-testid=stop-history]"));
    }

    [Fact]
    public async Task Another_tenants_member_sees_nothing_of_this_tenants_storage()
    {
        var tenant = await TenantAsync();
        await CreateVolumeAsync(tenant, "ledger-archive");
        var stranger = $"stranger-{Guid.NewGuid():N}";
        await app.CreateTenantAsync((stranger, TenantRole.Admin));

        var page = await RenderAsync(stranger);

        await page.WaitForElementAsync("[data-testid=no-volumes]");
        Assert.DoesNotContain("ledger-archive", page.Markup, StringComparison.Ordinal);
    }

    [Fact]
    public async Task A_viewer_finds_storage_in_the_navigation()
    {
        await TenantAsync();
        _host = new ComponentHost(app, _viewer);

        var nav = _host.Context.Render<NavMenu>();

        await nav.WaitForAssertionAsync(() => Assert.Equal("tenant/storage", nav.Find("[data-testid=nav-storage]").GetAttribute("href")));
    }
}
