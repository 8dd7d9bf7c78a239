using Portal.Web.Features.Shell;

namespace Portal.Web.Features.Admin;

/// <summary>
/// Platform admins' list of everyone who can sign in: built-in accounts, which they create, reset, disable, enable and
/// unlock here through <see cref="Accounts"/> (as the API does), and the single sign-on users the directory has seen.
/// </summary>
public partial class UsersPage
{
    private readonly CancellationTokenSource _disposed = new();
    private IReadOnlyList<Account>? _accounts;
    private AccountCredential? _credential;
    private string? _error;
    private string? _search;
    private AccountState? _state;
    private bool _busy;

    internal enum AccountChange { Enable, Unlock }

    protected override async Task OnInitializedAsync()
    {
        if (Caller.IsPlatformAdmin)
            await LoadAsync();
    }

    private Task<T> WithAccountsAsync<T>(Func<Accounts, Task<T>> work) => InScope.RunAsync(work);

    private async Task LoadAsync()
    {
        try
        {
            var outcome = await WithAccountsAsync(a => a.ListAsync(Caller, null, _disposed.Token));
            _error = outcome.Failure is { } failure ? failure.Detail ?? failure.Title : null;
            _accounts = outcome.Value ?? [];
        }
        catch (Exception exception) when (exception is not OperationCanceledException && !Portal.Web.Data.DatabaseOutage.IsOutage(exception))
        {
            LoadFailed(Logger, exception);
            _error = "The users could not be loaded. Try again in a moment.";
            _accounts = [];
        }
    }

    private bool Matches(Account account) =>
        (_state is null || account.State == _state)
        && (string.IsNullOrWhiteSpace(_search)
            || account.DisplayName.Contains(_search.Trim(), StringComparison.OrdinalIgnoreCase)
            || account.UserName.Contains(_search.Trim(), StringComparison.OrdinalIgnoreCase)
            || (account.Email?.Contains(_search.Trim(), StringComparison.OrdinalIgnoreCase) ?? false));

    private async Task NewUserAsync()
    {
        if (await NewAccountDialog.ShowAsync(Dialogs) is { } created)
        {
            _credential = created;
            await LoadAsync();
        }
    }

    private async Task ResetAsync(Account account, bool invite)
    {
        var outcome = await RunAsync(() => WithAccountsAsync(a => a.ResetPasswordAsync(Caller, account.UserName, invite, _disposed.Token)));
        if (outcome?.Value is { } credential)
            _credential = credential;
    }

    private async Task DisableAsync(Account account)
    {
        if (await ConfirmDialog.AskAsync(Dialogs, $"Disable {account.DisplayName}?",
                $"{account.UserName} can no longer sign in, their open sessions end within a minute, and their access tokens stop working until the account is enabled again.",
                yesText: "Disable"))
            await RunAsync(() => WithAccountsAsync(a => a.DisableAsync(Caller, account.UserName, _disposed.Token)));
    }

    private Task ChangeAsync(Account account, AccountChange change) => RunAsync(() => WithAccountsAsync(a => change == AccountChange.Enable
        ? a.EnableAsync(Caller, account.UserName, _disposed.Token)
        : a.UnlockAsync(Caller, account.UserName, _disposed.Token)));

    // One change at a time; its refusal is said once, as a toast, and the list is read again either way.
    private async Task<Outcome<T>?> RunAsync<T>(Func<Task<Outcome<T>>> change)
    {
        _busy = true;
        try
        {
            var outcome = await change();
            if (outcome.Failure is { } failure)
                Snackbar.Add(failure.Detail ?? failure.Title, Severity.Error);
            await LoadAsync();
            return outcome;
        }
        finally
        {
            _busy = false;
        }
    }

    private string? InvitationUrl(AccountCredential credential) =>
        credential.InvitationPath is { } path ? Navigation.BaseUri.TrimEnd('/') + path : null;

    private void Dismiss() => _credential = null;

    internal static string StateLabel(AccountState state) => state switch
    {
        AccountState.PasswordChangeRequired => "One-time password",
        AccountState.Invited => "Invited",
        AccountState.InvitationExpired => "Invitation expired",
        AccountState.LockedOut => "Locked out",
        AccountState.Disabled => "Disabled",
        _ => "Active",
    };

    private static Color StateColor(AccountState state) => state switch
    {
        AccountState.Active => Color.Success,
        AccountState.LockedOut or AccountState.InvitationExpired => Color.Warning,
        AccountState.Disabled => Color.Error,
        _ => Color.Info,
    };

    public void Dispose()
    {
        _disposed.Cancel();
        _disposed.Dispose();
    }

    [LoggerMessage(LogLevel.Error, "Failed to load the users page")]
    private static partial void LoadFailed(ILogger logger, Exception exception);
}
