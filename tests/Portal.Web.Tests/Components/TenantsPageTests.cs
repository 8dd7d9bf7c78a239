using AngleSharp.Dom;
using Bunit;
using Microsoft.EntityFrameworkCore;
using MudBlazor;
using Portal.Core.Tenants;
using Portal.Testing;
using Portal.Web.Features.Admin;

namespace Portal.Web.Tests.Components;

/// <summary>
/// The platform admin's tenants page and its dialog, rendered by bUnit, calling the real TenantService on PostgreSQL.
/// </summary>
public sealed class TenantsPageTests(PortalApp app) : IClassFixture<PortalApp>, IAsyncDisposable
{
    private ComponentHost? _host;
    private IRenderedComponent<MudDialogProvider> _dialogs = null!;

    public ValueTask DisposeAsync() => _host?.DisposeAsync() ?? ValueTask.CompletedTask;

    private static CancellationToken Ct => Xunit.TestContext.Current.CancellationToken;

    private static string NewSlug() => $"t{Guid.NewGuid():N}"[..16];

    private IRenderedComponent<TenantsPage> Render(bool platformAdmin = true)
    {
        _host = new ComponentHost(app, $"user-{Guid.NewGuid():N}", platformAdmin);
        _host.Context.Render<MudPopoverProvider>();
        _dialogs = _host.Context.Render<MudDialogProvider>();
        return _host.Context.Render<TenantsPage>();
    }

    /// <summary>Presses a button that opens the dialog; not awaited, because the handler waits for the dialog to close.</summary>
    private async Task OpenAsync(IRenderedComponent<TenantsPage> page, string testId)
    {
        await page.WaitForElementAsync($"[data-testid={testId}]");
        await page.StartClickAsync($"[data-testid={testId}]");
        await _dialogs.WaitForElementAsync("[data-testid=tenant-dialog]");
    }

    private void Type(string testId, string value) => _dialogs.Find($"[data-testid={testId}]").Input(value);

    private Task SaveAsync() => _dialogs.ClickAsync("[data-testid=save-tenant]");

    /// <summary>The text of the MudBlazor field around the input with <paramref name="testId"/>: its label, helper and error.</summary>
    private string Field(string testId) => _dialogs.Find($"[data-testid={testId}]").Closest(".mud-input-control")!.TextContent;

    private async Task<Tenant> ReadAsync(string slug)
    {
        await using var db = app.Db();
        return await db.Tenants.AsNoTracking().SingleAsync(t => t.Slug == slug, Ct);
    }

    [Fact]
    public void A_user_who_is_not_a_platform_admin_gets_no_tenants_table()
    {
        var page = Render(platformAdmin: false);

        Assert.Empty(page.FindAll("[data-testid=tenants-table]"));
    }

    [Fact]
    public async Task The_table_shows_every_tenant_with_its_cluster_quota()
    {
        var tenant = await app.CreateTenantAsync();

        var page = Render();

        await page.WaitForAssertionAsync(() =>
            Assert.Contains($"0 / {tenant.Quota.MaxClusters}", page.Find($"[data-testid=tenant-{tenant.Slug}-clusters]").TextContent, StringComparison.Ordinal));
    }

    [Fact]
    public async Task Filtering_by_text_hides_the_tenants_that_do_not_match()
    {
        var shown = await app.CreateTenantAsync();
        var hidden = await app.CreateTenantAsync();
        var page = Render();
        await page.WaitForElementAsync($"[data-testid=tenant-{hidden.Slug}]");

        page.Find("[data-testid=tenants-filter]").Input(shown.Slug);

        await page.WaitForAssertionAsync(() => Assert.Empty(page.FindAll($"[data-testid=tenant-{hidden.Slug}]")));
    }

    [Fact]
    public async Task A_tenant_being_deleted_offers_no_edit()
    {
        var tenant = await app.CreateTenantAsync();
        await using (var db = app.Db())
        {
            var row = await db.Tenants.SingleAsync(t => t.Id == tenant.Id, Ct);
            row.DeletionRequestedAt = DateTimeOffset.UtcNow;
            await db.SaveChangesAsync(Ct);
        }

        var page = Render();

        await page.WaitForAssertionAsync(() => Assert.True(page.Find($"[data-testid=edit-{tenant.Slug}]").HasAttribute("disabled")));
    }

    [Fact]
    public async Task The_new_tenant_dialog_offers_the_memory_quota_the_API_defaults_to()
    {
        var page = Render();

        await OpenAsync(page, "new-tenant");

        Assert.Equal(new TenantQuota().Memory, _dialogs.Find("[data-testid=field-memory]").GetAttribute("value"));
    }

    [Fact]
    public async Task Creating_a_tenant_adds_its_row_without_a_reload()
    {
        var slug = NewSlug();
        var page = Render();
        await OpenAsync(page, "new-tenant");
        Type("field-slug", slug);
        Type("field-display-name", "Data science");

        await SaveAsync();

        await page.WaitForAssertionAsync(() => Assert.Single(page.FindAll($"[data-testid=tenant-{slug}]")));
    }

    [Fact]
    public async Task A_slug_with_capitals_is_refused_beside_the_slug()
    {
        var page = Render();
        await OpenAsync(page, "new-tenant");
        Type("field-slug", "Data-Science");
        Type("field-display-name", "Data science");

        await SaveAsync();

        await _dialogs.WaitForAssertionAsync(() => Assert.Contains("lower-case", Field("field-slug"), StringComparison.Ordinal));
    }

    [Fact]
    public async Task A_bad_quota_is_refused_beside_its_field()
    {
        var page = Render();
        await OpenAsync(page, "new-tenant");
        Type("field-slug", NewSlug());
        Type("field-display-name", "Data science");
        Type("field-cpu", "lots");

        await SaveAsync();

        await _dialogs.WaitForAssertionAsync(() => Assert.Contains("Kubernetes quantity", Field("field-cpu"), StringComparison.Ordinal));
    }

    [Fact]
    public async Task A_duplicate_slug_is_refused_beside_the_slug()
    {
        var existing = await app.CreateTenantAsync();
        var page = Render();
        await OpenAsync(page, "new-tenant");
        Type("field-slug", existing.Slug);
        Type("field-display-name", "Someone else's team");

        await SaveAsync();

        await _dialogs.WaitForAssertionAsync(() => Assert.Contains("already exists", Field("field-slug"), StringComparison.Ordinal));
    }

    [Fact]
    public async Task Editing_the_quota_persists_it()
    {
        var tenant = await app.CreateTenantAsync();
        var page = Render();
        await OpenAsync(page, $"edit-{tenant.Slug}");
        Type("field-max-clusters", "3");

        await SaveAsync();

        await _dialogs.WaitForAssertionAsync(() => Assert.Empty(_dialogs.FindAll("[data-testid=tenant-dialog]")));
        Assert.Equal(3, (await ReadAsync(tenant.Slug)).Quota.MaxClusters);
    }

    [Fact]
    public async Task A_preset_added_in_the_dialog_is_saved_in_the_tenants_policy()
    {
        var tenant = await app.CreateTenantAsync();
        var page = Render();
        await OpenAsync(page, $"edit-{tenant.Slug}");
        await _dialogs.ClickAsync("[data-testid=add-preset]");
        var added = _dialogs.FindAll("[data-testid=preset-row]").Count - 1;
        _dialogs.FindAll("[data-testid=preset-name]")[added].Input("Notebook");
        _dialogs.FindAll("[data-testid=preset-memory]")[added].Input("4Gi");

        await SaveAsync();

        await _dialogs.WaitForAssertionAsync(() => Assert.Empty(_dialogs.FindAll("[data-testid=tenant-dialog]")));
        Assert.Contains(new ClusterPreset("Notebook", 2, "1", "4Gi"), (await ReadAsync(tenant.Slug)).Policy.Presets);
    }

    [Fact]
    public async Task A_preset_with_more_workers_than_the_limit_is_refused_beside_its_workers()
    {
        var tenant = await app.CreateTenantAsync();
        var page = Render();
        await OpenAsync(page, $"edit-{tenant.Slug}");
        Type("field-max-workers", "4");

        await SaveAsync();

        // The default Large preset has 6 workers.
        await _dialogs.WaitForAssertionAsync(() => Assert.Contains("maxWorkersPerCluster (4)",
            _dialogs.FindAll("[data-testid=preset-workers]")[2].Closest(".mud-input-control")!.TextContent, StringComparison.Ordinal));
    }

    [Fact]
    public async Task An_edit_shows_the_new_quota_in_the_table_without_a_reload()
    {
        var tenant = await app.CreateTenantAsync();
        var page = Render();
        await OpenAsync(page, $"edit-{tenant.Slug}");
        Type("field-max-clusters", "3");

        await SaveAsync();

        await page.WaitForAssertionAsync(() =>
            Assert.Contains("0 / 3", page.Find($"[data-testid=tenant-{tenant.Slug}-clusters]").TextContent, StringComparison.Ordinal));
    }

    [Fact]
    public async Task An_edit_after_someone_else_changed_the_tenant_shows_the_concurrency_message()
    {
        var tenant = await app.CreateTenantAsync();
        var page = Render();
        await OpenAsync(page, $"edit-{tenant.Slug}");
        await ChangeElsewhereAsync(tenant.Slug, "Renamed meanwhile");
        Type("field-max-clusters", "3");

        await SaveAsync();

        await _dialogs.WaitForAssertionAsync(() => Assert.Single(_dialogs.FindAll("[data-testid=tenant-stale]")));
    }

    [Fact]
    public async Task A_stale_edit_does_not_overwrite_the_other_change()
    {
        var tenant = await app.CreateTenantAsync();
        var page = Render();
        await OpenAsync(page, $"edit-{tenant.Slug}");
        await ChangeElsewhereAsync(tenant.Slug, "Renamed meanwhile");

        await SaveAsync();

        await _dialogs.WaitForElementAsync("[data-testid=tenant-stale]");
        Assert.Equal("Renamed meanwhile", (await ReadAsync(tenant.Slug)).DisplayName);
    }

    [Fact]
    public async Task Reloading_after_a_stale_edit_shows_the_other_change()
    {
        var tenant = await app.CreateTenantAsync();
        var page = Render();
        await OpenAsync(page, $"edit-{tenant.Slug}");
        await ChangeElsewhereAsync(tenant.Slug, "Renamed meanwhile");
        await SaveAsync();
        await _dialogs.WaitForElementAsync("[data-testid=reload-tenant]");

        await _dialogs.ClickAsync("[data-testid=reload-tenant]");

        await _dialogs.WaitForAssertionAsync(() =>
            Assert.Equal("Renamed meanwhile", _dialogs.Find("[data-testid=field-display-name]").GetAttribute("value")));
    }

    /// <summary>The tenant dialog open on <see cref="ATenantUsingSixCpuAsync"/>'s tenant, its CPU quota typed down to 4.</summary>
    private async Task<Tenant> CpuQuotaLoweredToFourBelowSixInUseAsync()
    {
        var tenant = await ATenantUsingSixCpuAsync();
        await OpenAsync(Render(), $"edit-{tenant.Slug}");
        Type("field-cpu", "4");
        return tenant;
    }

    /// <summary>A tenant whose two clusters (2 workers × 1 CPU and a 1-CPU master each) hold 6 CPU.</summary>
    private async Task<Tenant> ATenantUsingSixCpuAsync()
    {
        var tenant = await app.CreateTenantAsync();
        await using var db = app.Db();
        db.Clusters.AddRange(Builders.ASparkCluster().In(tenant).Build(), Builders.ASparkCluster().In(tenant).Build());
        await db.SaveChangesAsync(Ct);
        return tenant;
    }

    [Fact]
    public async Task Lowering_the_cpu_quota_below_what_is_in_use_says_what_it_means_before_saving()
    {
        var tenant = await CpuQuotaLoweredToFourBelowSixInUseAsync();

        await SaveAsync();

        await _dialogs.WaitForAssertionAsync(() => Assert.Equal(
            "This tenant uses 6 CPU now; running clusters keep running, new clusters will be refused until usage falls below 4 CPU.",
            _dialogs.Find("[data-testid=quota-overrun-message]").TextContent.Trim()));
    }

    [Fact]
    public async Task A_quota_below_what_is_in_use_is_not_saved_before_the_admin_confirms()
    {
        var tenant = await CpuQuotaLoweredToFourBelowSixInUseAsync();

        await SaveAsync();

        await _dialogs.WaitForElementAsync("[data-testid=save-anyway]");
        Assert.Equal(tenant.Quota.Cpu, (await ReadAsync(tenant.Slug)).Quota.Cpu);
    }

    [Fact]
    public async Task Save_anyway_saves_a_quota_below_what_is_in_use()
    {
        var tenant = await CpuQuotaLoweredToFourBelowSixInUseAsync();
        await SaveAsync();
        await _dialogs.WaitForElementAsync("[data-testid=save-anyway]");

        await _dialogs.ClickAsync("[data-testid=save-anyway]");

        await _dialogs.WaitForAssertionAsync(() => Assert.Empty(_dialogs.FindAll("[data-testid=tenant-dialog]")));
        Assert.Equal("4", (await ReadAsync(tenant.Slug)).Quota.Cpu);
    }

    /// <summary>Another admin's write: any change to the row bumps its version.</summary>
    private async Task ChangeElsewhereAsync(string slug, string displayName)
    {
        await using var db = app.Db();
        var row = await db.Tenants.SingleAsync(t => t.Slug == slug, Ct);
        row.DisplayName = displayName;
        await db.SaveChangesAsync(Ct);
    }
}
