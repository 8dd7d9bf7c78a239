using Bunit;
using Microsoft.AspNetCore.Components;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.DependencyInjection;
using MudBlazor;
using MudBlazor.Extensions;
using MudBlazor.Services;
using Portal.Core.Identity;
using Portal.Core.Tenants;
using Portal.Web.Features.Shell;
using Portal.Web.Features.Tenants;

namespace Portal.Web.Tests.Components;

/// <summary>The tenant admin page, rendered by bUnit on the real MembershipService and PostgreSQL.</summary>
public sealed class TenantMembersPageTests(PortalApp app) : IClassFixture<PortalApp>, IAsyncDisposable
{
    private readonly string _admin = $"admin-{Guid.NewGuid():N}";
    private ComponentHost? _host;

    public ValueTask DisposeAsync() => _host?.DisposeAsync() ?? ValueTask.CompletedTask;

    private static CancellationToken Ct => Xunit.TestContext.Current.CancellationToken;

    private IRenderedComponent<TenantMembers> RenderAs(string subject)
    {
        _host = new ComponentHost(app, subject);
        return _host.Context.Render<TenantMembers>();
    }

    private static IRenderedComponent<MudSelect<TenantRole>> RoleSelectOf(IRenderedComponent<TenantMembers> page, string subject) =>
        page.FindComponents<MudSelect<TenantRole>>().Single(s => s.Instance.Label == $"Role of {subject}");

    private async Task<TenantRole?> RoleInDatabaseAsync(Tenant tenant, string subject)
    {
        await using var db = app.Db();
        return await db.Memberships.Where(m => m.TenantId == tenant.Id && m.Subject == subject)
            .Select(m => (TenantRole?)m.Role).SingleOrDefaultAsync(Ct);
    }

    [Fact]
    public async Task A_viewer_sees_no_member_editing_controls()
    {
        var viewer = $"viewer-{Guid.NewGuid():N}";
        await app.CreateTenantAsync((_admin, TenantRole.Admin), (viewer, TenantRole.Viewer));

        var page = RenderAs(viewer);

        await page.WaitForElementAsync("[data-testid=members-forbidden]");
        Assert.Empty(page.FindAll("[data-testid=add-member], [data-testid=member-role], [data-testid=remove-member]"));
    }

    [Fact]
    public async Task A_tenant_admin_changes_a_role_and_the_row_shows_it()
    {
        var tenant = await app.CreateTenantAsync((_admin, TenantRole.Admin), ("bea", TenantRole.Viewer));
        var page = RenderAs(_admin);
        await page.WaitForAssertionAsync(() => RoleSelectOf(page, "bea"));

        await page.InvokeAsync(() => RoleSelectOf(page, "bea").Instance.ValueChanged.InvokeAsync(TenantRole.Member));

        await page.WaitForAssertionAsync(() => Assert.Equal(TenantRole.Member, RoleSelectOf(page, "bea").Instance.GetState(s => s.Value)));
        Assert.Equal(TenantRole.Member, await RoleInDatabaseAsync(tenant, "bea"));
    }

    [Fact]
    public async Task Demoting_the_last_admin_is_refused_with_a_message_and_the_row_keeps_Admin()
    {
        await app.CreateTenantAsync((_admin, TenantRole.Admin));
        var page = RenderAs(_admin);
        await page.WaitForAssertionAsync(() => RoleSelectOf(page, _admin));

        await page.InvokeAsync(() => RoleSelectOf(page, _admin).Instance.ValueChanged.InvokeAsync(TenantRole.Viewer));

        await page.WaitForAssertionAsync(() => Assert.Equal(
            (true, TenantRole.Admin),
            (page.Find("[data-testid=members-message]").TextContent.Contains("no admin left", StringComparison.Ordinal),
             RoleSelectOf(page, _admin).Instance.GetState(s => s.Value))));
    }

    [Fact]
    public async Task Demoting_the_last_admin_is_refused_once_in_the_alert_and_not_again_as_a_toast()
    {
        await app.CreateTenantAsync((_admin, TenantRole.Admin));
        var page = RenderAs(_admin);
        await page.WaitForAssertionAsync(() => RoleSelectOf(page, _admin));

        await page.InvokeAsync(() => RoleSelectOf(page, _admin).Instance.ValueChanged.InvokeAsync(TenantRole.Viewer));

        await page.WaitForElementAsync("[data-testid=members-message]");
        Assert.Empty(_host!.Context.Services.GetRequiredService<ISnackbar>().ShownSnackbars);
    }

    [Fact]
    public async Task Adding_an_existing_member_says_so_beside_the_user_name()
    {
        await app.CreateTenantAsync((_admin, TenantRole.Admin), ("bea", TenantRole.Viewer));
        var page = RenderAs(_admin);
        await page.WaitForElementAsync("[data-testid=add-member]");
        page.Find("[data-testid=add-member-subject]").Input("bea");

        await page.ClickAsync("[data-testid=add-member]");

        await page.WaitForAssertionAsync(() => Assert.Contains("already a member",
            page.Find("[data-testid=add-member-subject]").Closest(".mud-input-control")!.TextContent, StringComparison.Ordinal));
    }

    [Fact]
    public async Task The_access_tokens_tab_lists_only_the_tokens_limited_to_the_tenant()
    {
        var tenant = await app.CreateTenantAsync((_admin, TenantRole.Admin), ("bea", TenantRole.Member));
        app.TokenFor("bea", request: new TokenRequest("bea", "scoped", TenantId: tenant.Id));
        app.TokenFor("bea", request: new TokenRequest("bea", "unscoped"));

        var page = RenderAs(_admin);
        await page.WaitForElementAsync("[data-testid=members]");

        // As a click on the tab does; only the active tab's panel is rendered.
        await page.InvokeAsync(() => page.FindComponent<MudTabs>().Instance.ActivatePanelAsync(1));

        await page.WaitForAssertionAsync(() => Assert.Equal(["scoped"],
            page.FindAll("[data-testid=tenant-tokens] tbody tr td[data-label=Name]").Select(c => c.TextContent)));
    }
}
