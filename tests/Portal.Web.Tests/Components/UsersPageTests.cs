using AngleSharp.Dom;
using Bunit;
using Microsoft.Extensions.DependencyInjection;
using MudBlazor;
using Portal.Core.Identity;
using Portal.Core.Tenants;
using Portal.Web.Features.Admin;

namespace Portal.Web.Tests.Components;

/// <summary>The platform admin's Users page and its New user dialog, rendered by bUnit, on the real Accounts service.</summary>
public sealed class UsersPageTests(PortalApp app) : IClassFixture<PortalApp>, IAsyncDisposable
{
    private ComponentHost? _host;
    private IRenderedComponent<MudDialogProvider> _dialogs = null!;
    private IRenderedComponent<MudPopoverProvider> _popovers = null!;

    public ValueTask DisposeAsync() => _host?.DisposeAsync() ?? ValueTask.CompletedTask;

    private static CancellationToken Ct => Xunit.TestContext.Current.CancellationToken;

    private static string Unique(string prefix) => $"{prefix}-{Guid.NewGuid():N}"[..(prefix.Length + 9)];

    private IRenderedComponent<UsersPage> Render(bool platformAdmin = true)
    {
        _host = new ComponentHost(app, $"user-{Guid.NewGuid():N}", platformAdmin);
        _popovers = _host.Context.Render<MudPopoverProvider>();
        _dialogs = _host.Context.Render<MudDialogProvider>();
        return _host.Context.Render<UsersPage>();
    }

    private async Task<Account> ArrangeAsync(string userName, Func<Accounts, Caller, Task>? then = null)
    {
        await using var scope = app.Services.CreateAsyncScope();
        var accounts = scope.ServiceProvider.GetRequiredService<Accounts>();
        var operatorCaller = new Caller("test-operator", IsPlatformAdmin: true);
        var created = await accounts.CreateAsync(operatorCaller, new NewAccount(userName, $"Name of {userName}"), Ct);
        if (then is not null)
            await then(accounts, operatorCaller);
        return created.Value!.Account;
    }

    private async Task OpenDialogAsync(IRenderedComponent<UsersPage> page)
    {
        await page.WaitForElementAsync("[data-testid=new-user]");
        await page.StartClickAsync("[data-testid=new-user]");
        await _dialogs.WaitForElementAsync("[data-testid=new-user-dialog]");
    }

    private string Field(string testId) => _dialogs.Find($"[data-testid={testId}]").Closest(".mud-input-control")!.TextContent;

    [Fact]
    public void A_user_who_is_not_a_platform_admin_is_told_the_page_is_for_platform_admins()
    {
        var page = Render(platformAdmin: false);

        Assert.Equal((1, 0), (page.FindAll("[data-testid=users-forbidden]").Count, page.FindAll("[data-testid=users-table]").Count));
    }

    [Fact]
    public async Task The_table_shows_an_account_by_its_display_name_and_state()
    {
        var userName = Unique("disabled");
        await ArrangeAsync(userName, (accounts, caller) => accounts.DisableAsync(caller, userName, Ct));

        var page = Render();

        await page.WaitForAssertionAsync(() => Assert.Equal(
            ($"Name of {userName}", "Disabled"),
            (page.Find($"[data-testid=user-{userName}] span").TextContent, page.Find($"[data-testid=user-{userName}-state] .mud-chip").TextContent.Trim())));
    }

    [Fact]
    public async Task Creating_a_user_in_the_dialog_shows_its_one_time_password()
    {
        var userName = Unique("newbie");
        var page = Render();
        await OpenDialogAsync(page);

        _dialogs.Find("[data-testid=field-user-name]").Input(userName);
        await _dialogs.ClickAsync("[data-testid=create-user]");

        await page.WaitForAssertionAsync(() => Assert.Equal(
            (Portal.Core.Identity.Accounts.GeneratePassword().Length, true),
            (page.Find("[data-testid=account-password]").TextContent.Length, page.Find("[data-testid=users-table]").TextContent.Contains(userName, StringComparison.Ordinal))));
    }

    [Fact]
    public async Task The_dialog_says_what_is_wrong_with_a_user_name_while_it_is_typed()
    {
        var page = Render();
        await OpenDialogAsync(page);

        _dialogs.Find("[data-testid=field-user-name]").Input("two words");

        await _dialogs.WaitForAssertionAsync(() => Assert.Contains("no spaces", Field("field-user-name"), StringComparison.Ordinal));
    }

    [Fact]
    public async Task A_locked_out_account_is_unlocked_from_its_menu()
    {
        var userName = Unique("locked");
        await ArrangeAsync(userName, async (_, _) =>
        {
            await using var scope = app.Services.CreateAsyncScope();
            var users = scope.ServiceProvider.GetRequiredService<Microsoft.AspNetCore.Identity.UserManager<Microsoft.AspNetCore.Identity.IdentityUser>>();
            var account = (await users.FindByNameAsync(userName))!;
            for (var i = 0; i < 5; i++)
                await users.AccessFailedAsync(account);
        });
        var page = Render();
        await page.WaitForElementAsync($"[data-testid=actions-{userName}] button");

        await page.ClickAsync($"[data-testid=actions-{userName}] button");
        // The menu's items open in the popover layer, outside the page.
        await _popovers.WaitForElementAsync($"[data-testid=unlock-{userName}]");
        await _popovers.ClickAsync($"[data-testid=unlock-{userName}]");

        // It keeps its one-time password; only the lockout is gone.
        await page.WaitForAssertionAsync(() =>
            Assert.Equal("One-time password", page.Find($"[data-testid=user-{userName}-state] .mud-chip").TextContent.Trim()));
    }
}
