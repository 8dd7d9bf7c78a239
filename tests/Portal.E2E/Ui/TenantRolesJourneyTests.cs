using System.Net;
using System.Net.Http.Headers;
using Microsoft.Playwright;

namespace Portal.E2E.Ui;

/// <summary>
/// A tenant admin brings a colleague in as a viewer, in the browser; the viewer sees clusters without the controls
/// that change them, makes a token on the tokens page, and the API refuses that token a delete. One journey, on
/// the real portal, PostgreSQL and the sandbox: each step needs the one before.
/// </summary>
[Collection(BrowserUi.Name)]
public sealed class TenantRolesJourneyTests(RunningPortal portal, Browser browser) : IClassFixture<RunningPortal>
{
    const string Viewer = "vera";
    const string ViewerPassword = "vera-Password-1";

    static CancellationToken Ct => TestContext.Current.CancellationToken;


    async Task<IPage> SignedInAsync(string? userName = null, string? password = null)
    {
        var page = await browser.NewPageAsync();
        await page.SetViewportSizeAsync(1280, 860);
        if (userName is null)
            await portal.SignInAsync(page);
        else
            await portal.SignInAsync(page, userName, password!);
        return page;
    }

    [Fact]
    public async Task A_viewer_added_by_the_tenant_admin_sees_no_delete_button_and_the_API_refuses_their_delete()
    {
        await portal.CreateUserAsync(Viewer, ViewerPassword);

        // The admin adds the viewer on the members page and asks for a cluster.
        var admin = await SignedInAsync();
        await admin.GotoAsync(portal.Url("tenant/members"));
        await Assertions.Expect(admin.Locator("[data-testid=add-member]")).ToBeEnabledAsync();
        await admin.Locator("[data-testid=add-member-subject]").FillAsync(Viewer);
        await admin.GetByRole(AriaRole.Option, new() { Name = Viewer }).First.ClickAsync();
        await admin.Locator(".mud-select", new() { Has = admin.Locator("[data-testid=add-member-role]") }).Last.ClickAsync();
        await admin.GetByRole(AriaRole.Option, new() { Name = "Viewer", Exact = true }).ClickAsync();
        await admin.ClickAsync("[data-testid=add-member]");
        await Assertions.Expect(admin.Locator("[data-testid=members]")).ToContainTextAsync(Viewer);
        await RunningPortal.ScreenshotAsync(admin, "members");

        await admin.GotoAsync(portal.Url("clusters"));
        // A click on the prerendered page before its circuit connects would do nothing.
        await RunningPortal.InteractiveAsync(admin);
        await admin.ClickAsync("[data-testid=new-cluster]");
        // Name focuses itself once the server has rendered the dialog; a late focus would take the next keystrokes.
        await Assertions.Expect(admin.Locator("[data-testid=field-name]")).ToBeFocusedAsync();
        await admin.Locator("[data-testid=field-name]").FillAsync("shared");
        await admin.ClickAsync("[data-testid=create-cluster]");
        await admin.WaitForURLAsync("**/clusters/shared");

        // The viewer sees the cluster, without the buttons that would change it.
        var viewer = await SignedInAsync(Viewer, ViewerPassword);
        await viewer.GotoAsync(portal.Url("tenants/default/clusters/shared"));
        await RunningPortal.InteractiveAsync(viewer);
        await Assertions.Expect(viewer.Locator("[data-testid=cluster-phase]")).ToBeVisibleAsync();
        await Assertions.Expect(viewer.Locator("[data-testid=delete]")).ToHaveCountAsync(0);

        // ... makes a token for a notebook, shown once ...
        await viewer.GotoAsync(portal.Url("tokens"));
        // A click on the prerendered page before its circuit connects would do nothing.
        await RunningPortal.InteractiveAsync(viewer);
        await viewer.ClickAsync("[data-testid=new-token]");
        await viewer.Locator("[data-testid=field-token-name]").FillAsync("notebook");
        await viewer.ClickAsync("[data-testid=create-token]");
        var secret = (await viewer.Locator("[data-testid=token-secret]").TextContentAsync())!.Trim();
        await RunningPortal.ScreenshotAsync(viewer, "tokens");

        // ... and the API refuses that token a delete: a viewer may read, not change.
        using var api = new HttpClient { BaseAddress = portal.BaseAddress };
        api.DefaultRequestHeaders.Authorization = new AuthenticationHeaderValue("Bearer", secret);
        Assert.Equal(HttpStatusCode.OK, (await api.GetAsync("api/v1/tenants/default/clusters/shared", Ct)).StatusCode);
        var refused = await api.DeleteAsync("api/v1/tenants/default/clusters/shared", Ct);

        Assert.Equal(HttpStatusCode.Forbidden, refused.StatusCode);
    }
}
