namespace Portal.Web.Features.Admin;

/// <summary>
/// Platform admins' overview of every tenant, with its members, usage against quota, and dialogs to create one or
/// change its name, quota and policy. Everyone else is told the page is for platform admins, as on the audit log.
/// </summary>
public partial class TenantsPage
{
    private static readonly IFormatProvider Invariant = CultureInfo.InvariantCulture;

    // Cancels queries still running when the user navigates away or the circuit ends.
    private readonly CancellationTokenSource _disposed = new();
    private TenantsOverview _overview = default!;
    private IReadOnlyList<TenantsOverviewRow>? _rows;
    private string? _error;
    private string? _search;

    protected override async Task OnInitializedAsync()
    {
        // Built here rather than registered: it needs nothing but the circuit's caller and the database.
        _overview = new TenantsOverview(Contexts, Caller);
        if (Caller.IsPlatformAdmin)
            await LoadAsync();
    }

    private async Task LoadAsync()
    {
        _error = null;
        try
        {
            var result = await _overview.ListAsync(_disposed.Token);
            if (result.Failure is { } failure)
            {
                _error = failure.Detail ?? failure.Title;
                return;
            }

            _rows = result.Value;
        }
        catch (Exception exception) when (exception is not OperationCanceledException)
        {
            // Show the error state instead of tearing down the circuit; details go to the log, not the page.
            LoadFailed(Logger, exception);
            _error = Portal.Web.Data.DatabaseOutage.Explain(exception, "The tenants could not be loaded. Try again in a moment.");
        }
    }

    private bool Matches(TenantsOverviewRow row) =>
        string.IsNullOrWhiteSpace(_search)
        || row.Tenant.Slug.Contains(_search.Trim(), StringComparison.OrdinalIgnoreCase)
        || row.Tenant.DisplayName.Contains(_search.Trim(), StringComparison.OrdinalIgnoreCase)
        || row.Tenant.Namespace.Contains(_search.Trim(), StringComparison.OrdinalIgnoreCase);

    private async Task NewTenantAsync()
    {
        if (await TenantDialog.ShowAsync(Dialogs, existing: null) is not { } created)
            return;
        Snackbar.Add($"Created tenant {created.Slug} with namespace {created.Namespace}.", Severity.Success);
        await LoadAsync();
    }

    private async Task EditAsync(TenantsOverviewRow row)
    {
        if (await TenantDialog.ShowAsync(Dialogs, row.Tenant) is not { } changed)
            return;
        Snackbar.Add($"Saved tenant {changed.Slug}.", Severity.Success);
        await LoadAsync();
    }

    public void Dispose()
    {
        _disposed.Cancel();
        _disposed.Dispose();
    }

    [LoggerMessage(LogLevel.Error, "Failed to load the tenants overview")]
    private static partial void LoadFailed(ILogger logger, Exception exception);
}
