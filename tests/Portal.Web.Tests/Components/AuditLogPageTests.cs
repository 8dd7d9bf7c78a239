using Bunit;
using Microsoft.Extensions.DependencyInjection;
using MudBlazor;
using Portal.Core.Audit;
using Portal.Web.Features.Admin;

namespace Portal.Web.Tests.Components;

/// <summary>The audit log page and its query: platform admins only.</summary>
public sealed class AuditLogPageTests(PortalApp app) : IClassFixture<PortalApp>, IAsyncDisposable
{
    private ComponentHost? _host;

    public ValueTask DisposeAsync() => _host?.DisposeAsync() ?? ValueTask.CompletedTask;

    private BunitContext As(bool platformAdmin)
    {
        _host = new ComponentHost(app, $"user-{Guid.NewGuid():N}", platformAdmin);
        return _host.Context;
    }

    [Fact]
    public void A_user_who_is_not_a_platform_admin_is_told_the_log_is_for_platform_admins()
    {
        var page = As(platformAdmin: false).Render<AuditLog>();

        Assert.Single(page.FindAll("[data-testid=audit-forbidden]"));
    }

    [Fact]
    public async Task The_query_refuses_a_user_who_is_not_a_platform_admin()
    {
        var query = As(platformAdmin: false).Services.GetRequiredService<AuditLogQuery>();

        var page = await query.PageAsync(new AuditFilter(), 0, 50, Xunit.TestContext.Current.CancellationToken);

        Assert.Equal(Portal.Core.Clusters.FailureKind.Forbidden, page.Failure?.Kind);
    }

    [Fact]
    public async Task A_platform_admin_sees_entries_filtered_by_actor()
    {
        var actor = $"audited-{Guid.NewGuid():N}";
        var other = $"other-{Guid.NewGuid():N}";
        await using (var db = app.Db())
        {
            db.AuditLog.Add(new AuditEntry { At = DateTimeOffset.UtcNow, Actor = actor, Action = "cluster.create", Target = "tenants/x/clusters/y", Outcome = AuditOutcome.Succeeded });
            db.AuditLog.Add(new AuditEntry { At = DateTimeOffset.UtcNow, Actor = other, Action = "cluster.delete", Target = "tenants/x/clusters/z", Outcome = AuditOutcome.Succeeded });
            await db.SaveChangesAsync(Xunit.TestContext.Current.CancellationToken);
        }

        var context = As(platformAdmin: true);
        context.Render<MudPopoverProvider>();
        var page = context.Render<AuditLog>();
        page.Find("input").Input(actor);

        // Once the filtered page is in, it shows the actor's entry and not the other's.
        await page.WaitForAssertionAsync(() => Assert.Equal(
            (true, false),
            (page.Find("[data-testid=audit-grid]").TextContent.Contains(actor, StringComparison.Ordinal),
             page.Find("[data-testid=audit-grid]").TextContent.Contains(other, StringComparison.Ordinal))));
    }

    [Fact]
    public async Task Below_the_md_breakpoint_target_and_detail_move_under_the_action_instead_of_clipping_off_the_grid()
    {
        var actor = $"audited-{Guid.NewGuid():N}";
        await using (var db = app.Db())
        {
            db.AuditLog.Add(new AuditEntry { At = DateTimeOffset.UtcNow, Actor = actor, Action = "cluster.scale", Target = "tenants/x/clusters/y", Outcome = AuditOutcome.Succeeded, Detail = "2 to 4 workers" });
            await db.SaveChangesAsync(Xunit.TestContext.Current.CancellationToken);
        }

        var context = As(platformAdmin: true);
        context.Render<MudPopoverProvider>();
        var page = context.Render<AuditLog>();
        page.Find("input").Input(actor);

        // d-md-none shows only under 960 px, d-none d-md-table-cell only from 960 px (MudBlazor's display utilities).
        await page.WaitForAssertionAsync(() => Assert.Equal(
            ("tenants/x/clusters/y · 2 to 4 workers", "Target, Detail"),
            (page.Find("[data-testid=audit-folded].d-md-none").TextContent.Trim(),
             string.Join(", ", page.FindAll("[data-testid=audit-grid] th.d-none.d-md-table-cell").Select(th => th.TextContent.Trim())))));
    }

    [Fact]
    public async Task The_actor_filter_finds_a_persons_entries_by_their_name_and_shows_the_name_with_the_subject_on_hover()
    {
        var name = $"Margaret {Guid.NewGuid():N}"[..20];
        var subject = $"sub-{Guid.NewGuid():N}";
        await using (var db = app.Db())
        {
            await new Portal.Core.Identity.SignInRecorder(db, TimeProvider.System).RecordAsync(
                new Portal.Core.Identity.SignInProfile(subject, name, null, "oidc", false), Xunit.TestContext.Current.CancellationToken);
            db.AuditLog.Add(new AuditEntry { At = DateTimeOffset.UtcNow, Actor = subject, Action = "cluster.create", Target = "tenants/x/clusters/y", Outcome = AuditOutcome.Succeeded });
            await db.SaveChangesAsync(Xunit.TestContext.Current.CancellationToken);
        }

        var context = As(platformAdmin: true);
        context.Render<MudPopoverProvider>();
        var page = context.Render<AuditLog>();
        page.Find("input").Input(name);

        await page.WaitForAssertionAsync(() =>
        {
            var actor = Assert.Single(page.FindAll("[data-testid=audit-actor]"));
            Assert.Equal((name, subject), (actor.TextContent, actor.GetAttribute("title")));
        });
    }
}
