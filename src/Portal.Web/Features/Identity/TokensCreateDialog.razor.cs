using Portal.Web.Features.Shell;

namespace Portal.Web.Features.Identity;

/// <summary>
/// Asks for a new personal access token and creates it under the same rules as POST /api/v1/tokens
/// (<see cref="TokenIssuer"/>); closes with the <see cref="CreatedTokenView"/>, whose secret the caller shows once.
/// </summary>
public sealed partial class TokensCreateDialog : FormDialog
{
    /// <summary>The select's value for "every tenant of mine" (a select can't hold null as a choice).</summary>
    private const string AllTenants = "";

    private string? _name;
    private int? _days;
    private string _tenant = AllTenants;
    private bool _readOnly;

    /// <summary>The tenants the token may be limited to: the caller's.</summary>
    [Parameter, EditorRequired]
    public IReadOnlyList<TenantAccess> Tenants { get; set; } = [];

    /// <summary>Opens the dialog; the created token with its secret, or null when cancelled.</summary>
    internal static Task<CreatedTokenView?> ShowAsync(IDialogService dialogs, IReadOnlyList<TenantAccess> tenants) =>
        OpenAsync<TokensCreateDialog, CreatedTokenView>(dialogs, new() { { d => d.Tenants, tenants } });

    protected override void OnInitialized() => _days = Limits.Value.DefaultLifetimeDays;

    private string? NameError => ErrorOf("name");

    private string? DaysError => ErrorOf("expiresInDays");

    private string? TenantError => ErrorOf("tenant");

    private Task SubmitAsync() => SendAsync(async () =>
    {
        var request = new CreateTokenRequest(_name, _days, _tenant == AllTenants ? null : _tenant, _readOnly);
        await using var db = await Contexts.CreateDbContextAsync();
        // A context per creation, not one per circuit: a circuit lives for hours and a context is not thread-safe.
        var tokens = new PersonalAccessTokens(db, Time, Limits);
        var prepared = await TokenIssuer.PrepareAsync(request, Caller, db, tokens, CancellationToken.None);
        switch (prepared.Failure)
        {
            case { Kind: FailureKind.Invalid, Errors: { } errors }:
                Errors = errors;
                return;
            case { } failure:
                // Only a tenant that went away (or a membership removed) since the dialog opened.
                Errors = new Dictionary<string, string[]> { ["tenant"] = [failure.Detail ?? failure.Title] };
                return;
        }

        var created = await tokens.CreateAsync(prepared.Value!, Caller.Subject, CancellationToken.None);
        Dialog.Close(DialogResult.Ok(new CreatedTokenView(TokenView.From(created.Token, request.Tenant), created.Plaintext)));
    }, exception =>
    {
        CreateFailed(Logger, exception);
        Problem = "The token could not be created. Try again in a moment.";
    });

    private void Cancel() => Dialog.Cancel();

    [LoggerMessage(LogLevel.Error, "Failed to create a personal access token")]
    private static partial void CreateFailed(ILogger logger, Exception exception);
}
