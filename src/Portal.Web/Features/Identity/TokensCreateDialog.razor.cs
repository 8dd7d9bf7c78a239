namespace Portal.Web.Features.Identity;

/// <summary>
/// Asks for a new personal access token and creates it under the same rules as POST /api/v1/tokens
/// (<see cref="TokenIssuer"/>); closes with the <see cref="CreatedTokenView"/>, whose secret the caller shows once.
/// </summary>
public sealed partial class TokensCreateDialog
{
    /// <summary>The select's value for "every tenant of mine" (a select can't hold null as a choice).</summary>
    private const string AllTenants = "";

    private string? _name;
    private int? _days;
    private string _tenant = AllTenants;
    private bool _readOnly;
    private bool _sending;
    private string? _failure;
    private IReadOnlyDictionary<string, string[]> _errors = new Dictionary<string, string[]>();

    [CascadingParameter]
    private IMudDialogInstance Dialog { get; set; } = default!;

    /// <summary>The tenants the token may be limited to: the caller's.</summary>
    [Parameter, EditorRequired]
    public IReadOnlyList<TenantAccess> Tenants { get; set; } = [];

    /// <summary>Opens the dialog; the created token with its secret, or null when cancelled.</summary>
    internal static async Task<CreatedTokenView?> ShowAsync(IDialogService dialogs, IReadOnlyList<TenantAccess> tenants)
    {
        var parameters = new DialogParameters<TokensCreateDialog> { { d => d.Tenants, tenants } };
        var options = new DialogOptions { MaxWidth = MaxWidth.Small, FullWidth = true, CloseOnEscapeKey = true };
        var dialog = await dialogs.ShowAsync<TokensCreateDialog>(null, parameters, options);
        var result = await dialog.Result;
        return result is { Canceled: false, Data: CreatedTokenView created } ? created : null;
    }

    protected override void OnInitialized() => _days = Limits.Value.DefaultLifetimeDays;

    private string? NameError => ErrorOf("name");

    private string? DaysError => ErrorOf("expiresInDays");

    private string? TenantError => ErrorOf("tenant");

    private string? ErrorOf(string field) => _errors.TryGetValue(field, out var reasons) ? string.Join(" ", reasons) : null;

    private async Task SubmitAsync()
    {
        _failure = null;
        _errors = new Dictionary<string, string[]>();
        _sending = true;
        try
        {
            var request = new CreateTokenRequest(_name, _days, _tenant == AllTenants ? null : _tenant, _readOnly);
            await using var db = await Contexts.CreateDbContextAsync();
            // A context per creation, not one per circuit: a circuit lives for hours and a context is not thread-safe.
            var tokens = new PersonalAccessTokens(db, Time, Limits);
            var prepared = await TokenIssuer.PrepareAsync(request, Caller, db, tokens, CancellationToken.None);
            switch (prepared.Failure)
            {
                case { Kind: FailureKind.Invalid, Errors: { } errors }:
                    _errors = errors;
                    return;
                case { } failure:
                    // Only a tenant that went away (or a membership removed) since the dialog opened.
                    _errors = new Dictionary<string, string[]> { ["tenant"] = [failure.Detail ?? failure.Title] };
                    return;
            }

            var created = await tokens.CreateAsync(prepared.Value!, Caller.Subject, CancellationToken.None);
            Dialog.Close(DialogResult.Ok(new CreatedTokenView(TokenView.From(created.Token, request.Tenant), created.Plaintext)));
        }
        catch (Exception exception) when (exception is not OperationCanceledException)
        {
            CreateFailed(Logger, exception);
            _failure = "The token could not be created. Try again in a moment.";
        }
        finally
        {
            _sending = false;
        }
    }

    private void Cancel() => Dialog.Cancel();

    [LoggerMessage(LogLevel.Error, "Failed to create a personal access token")]
    private static partial void CreateFailed(ILogger logger, Exception exception);
}
