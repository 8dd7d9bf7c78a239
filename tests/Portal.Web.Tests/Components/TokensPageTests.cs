using System.Globalization;
using AngleSharp.Dom;
using Bunit;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Options;
using MudBlazor;
using Portal.Core.Identity;
using Portal.Core.Tenants;
using Portal.Web.Features.Identity;

namespace Portal.Web.Tests.Components;

/// <summary>The "My access tokens" page and its create dialog, rendered by bUnit on the real token service and PostgreSQL.</summary>
public sealed class TokensPageTests(PortalApp app) : IClassFixture<PortalApp>, IAsyncLifetime
{
    private readonly string _subject = $"user-{Guid.NewGuid():N}";
    private ComponentHost _host = null!;

    public async ValueTask InitializeAsync()
    {
        await app.CreateTenantAsync((_subject, TenantRole.Member));
        _host = new ComponentHost(app, _subject);
    }

    public ValueTask DisposeAsync() => _host.DisposeAsync();

    /// <summary>The page with a dialog provider beside it (as the layout has), and the dialog opened.</summary>
    private async Task<(IRenderedComponent<TokensPage> Page, IRenderedComponent<MudDialogProvider> Dialogs)> OpenDialogAsync()
    {
        var dialogs = _host.Context.Render<MudDialogProvider>();
        var page = _host.Context.Render<TokensPage>();
        await page.WaitForAssertionAsync(() => Assert.False(page.Find("[data-testid=new-token]").HasAttribute("disabled")));
        // Not awaited: the click's handler waits for the dialog to close.
        await page.StartClickAsync("[data-testid=new-token]");
        await dialogs.WaitForElementAsync("[data-testid=field-token-name]");
        return (page, dialogs);
    }

    private static async Task CreateAsync(IRenderedComponent<MudDialogProvider> dialogs) =>
        await dialogs.ClickAsync("[data-testid=create-token]");

    /// <summary>The text of the MudBlazor field around the input with <paramref name="testId"/>: its label, helper and error.</summary>
    private static string Field(IRenderedComponent<MudDialogProvider> dialogs, string testId) =>
        dialogs.Find($"[data-testid={testId}]").Closest(".mud-input-control")!.TextContent;

    private async Task<int> TokensOfSubjectAsync()
    {
        await using var db = app.Db();
        return await db.PersonalAccessTokens.CountAsync(t => t.Owner == _subject, Xunit.TestContext.Current.CancellationToken);
    }

    [Fact]
    public async Task A_new_token_is_shown_once_and_afterwards_only_its_prefix()
    {
        var (page, dialogs) = await OpenDialogAsync();
        dialogs.Find("[data-testid=field-token-name]").Input("laptop notebook");
        await CreateAsync(dialogs);
        var secret = (await page.WaitForElementAsync("[data-testid=token-secret]")).TextContent;

        await page.ClickAsync("[data-testid=token-secret-done]");

        var prefix = page.Find("[data-testid=token-prefix]").TextContent;
        Assert.Equal((false, true), (page.Markup.Contains(secret, StringComparison.Ordinal), secret.StartsWith(prefix, StringComparison.Ordinal)));
    }

    [Fact]
    public async Task The_new_token_is_offered_with_a_copy_button()
    {
        var (page, dialogs) = await OpenDialogAsync();
        dialogs.Find("[data-testid=field-token-name]").Input("ci");

        await CreateAsync(dialogs);

        await page.WaitForElementAsync("[data-testid=copy-token]");
    }

    [Fact]
    public async Task A_token_without_a_name_is_refused_beside_the_name_and_not_created()
    {
        var (_, dialogs) = await OpenDialogAsync();

        await CreateAsync(dialogs);

        Assert.Equal(
            (true, 0),
            (Field(dialogs, "field-token-name").Contains($"1 to {PersonalAccessTokens.MaxNameLength} characters", StringComparison.Ordinal),
             await TokensOfSubjectAsync()));
    }

    [Fact]
    public async Task A_lifetime_over_the_maximum_is_brought_down_to_the_maximum_before_sending()
    {
        var (_, dialogs) = await OpenDialogAsync();
        dialogs.Find("[data-testid=field-token-name]").Input("too long-lived");

        dialogs.Find("[data-testid=field-token-days]").Input("100000");

        var maximum = app.Services.GetRequiredService<IOptions<PersonalAccessTokenOptions>>().Value.MaxLifetimeDays;
        await dialogs.WaitForAssertionAsync(() => Assert.Equal(
            maximum.ToString(CultureInfo.InvariantCulture), dialogs.Find("[data-testid=field-token-days]").GetAttribute("value")));
    }

    [Fact]
    public async Task The_page_lists_the_callers_tokens_and_no_one_elses()
    {
        app.TokenFor(_subject, request: new TokenRequest(_subject, "mine"));
        app.TokenFor("someone-else", request: new TokenRequest("someone-else", "theirs"));

        var page = _host.Context.Render<TokensPage>();

        await page.WaitForAssertionAsync(() => Assert.Equal(["mine"], page.FindAll("[data-testid=tokens] tbody tr td[data-label=Name]").Select(c => c.TextContent)));
    }
}
