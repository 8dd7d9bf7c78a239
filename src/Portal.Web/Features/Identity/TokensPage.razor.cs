using Portal.Web.Features.Shell;

namespace Portal.Web.Features.Identity;

/// <summary>
/// The signed-in user's own personal access tokens: list, create (the secret shown once) and revoke. Calls the same
/// services as /api/v1/tokens, each with its own database context.
/// </summary>
public sealed partial class TokensPage
{
    private List<TokenView>? _tokens;
    private CreatedTokenView? _created;
    private string? _error;
    private bool _busy;
    private DateTimeOffset _now;

    protected override Task OnInitializedAsync() => LoadAsync();

    private async Task LoadAsync()
    {
        try
        {
            await using var db = await Contexts.CreateDbContextAsync();
            _tokens = await TokenView.OwnedByAsync(Caller.Subject, Tokens(db), db, CancellationToken.None);
            _now = Time.GetUtcNow();
            _error = null;
        }
        catch (Exception exception) when (exception is not OperationCanceledException)
        {
            LoadFailed(Logger, exception);
            _error = Portal.Web.Data.DatabaseOutage.Explain(exception, "Your tokens could not be loaded. Try again in a moment.");
        }
    }

    private PersonalAccessTokens Tokens(PortalDb db) => new(db, Time, Limits);

    private async Task CreateAsync()
    {
        var tenants = await Current.MembershipsAsync(CancellationToken.None);
        if (await TokensCreateDialog.ShowAsync(Dialogs, tenants) is not { } created)
            return;
        _created = created;
        await LoadAsync();
    }

    /// <summary>Forgets the secret: from here on the page shows only the token's prefix.</summary>
    private void Dismiss() => _created = null;

    private async Task RevokeAsync(TokenView token)
    {
        if (!await ConfirmDialog.AskAsync(Dialogs, $"Revoke {token.Name}?",
                "Scripts and notebooks using it stop working at once. This can't be undone.", yesText: "Revoke"))
            return;

        _busy = true;
        try
        {
            await using var db = await Contexts.CreateDbContextAsync();
            // Owner is always the caller here, platform admins included: this page is about one's own tokens.
            if (await Tokens(db).RevokeAsync(token.Id, Caller.Subject, Caller.Subject, CancellationToken.None))
                Snackbar.Add($"Revoked {token.Name}", Severity.Success);
            else
                Snackbar.Add($"{token.Name} is no longer there.", Severity.Warning);
            if (_created?.Token.Id == token.Id)
                _created = null;
            await LoadAsync();
        }
        catch (Exception exception) when (exception is not OperationCanceledException)
        {
            RevokeFailed(Logger, exception, token.Id);
            Snackbar.Add("The token could not be revoked. Try again in a moment.", Severity.Error);
        }
        finally
        {
            _busy = false;
        }
    }

    [LoggerMessage(LogLevel.Error, "Failed to load the caller's personal access tokens")]
    private static partial void LoadFailed(ILogger logger, Exception exception);

    [LoggerMessage(LogLevel.Error, "Failed to revoke personal access token {TokenId}")]
    private static partial void RevokeFailed(ILogger logger, Exception exception, Guid tokenId);
}
