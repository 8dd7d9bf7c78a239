namespace Portal.Web.Features.Clusters;

public partial class ClusterList
{
    // Cancels queries still running when the user navigates away or the circuit ends.
    private readonly CancellationTokenSource _disposed = new();
    private TenantAccess? _access;
    private IReadOnlyList<Cluster>? _clusters;
    private string? _error;
    private bool _noTenant;
    private string? _search;
    private ClusterPhase? _phase;
    private bool _showEnded;
    private DateTimeOffset _now;
    // Owners by name where they have signed in; the rows hold subjects.
    private IReadOnlyDictionary<string, KnownUser> _owners = new Dictionary<string, KnownUser>();
    private readonly CoalescedReload _reload;

    public ClusterList() => _reload = new(InvokeAsync, LoadAsync, StateHasChanged, _disposed.Token);

    /// <summary>Slug of the tenant shown; the header's current tenant when the URL names none.</summary>
    [Parameter]
    public string? Tenant { get; set; }

    private bool CanChange => _access?.Role >= TenantRole.Member;

    protected override void OnInitialized()
    {
        Changes.Changed += OnClustersChanged;
        Current.Changed += OnTenantChanged;
    }

    protected override async Task OnParametersSetAsync()
    {
        _clusters = null;
        await LoadAsync();
    }

    private async Task LoadAsync()
    {
        _error = null;
        try
        {
            var memberships = await Current.MembershipsAsync(_disposed.Token);
            if (Tenant is not null)
                Current.Select(Tenant);
            _access = memberships.FirstOrDefault(m => m.Tenant.Slug == Current.Slug);
            _noTenant = memberships.Count == 0;
            if (_access is null)
            {
                _clusters = [];
                if (!_noTenant)
                    _error = $"No tenant '{Current.Slug}' you are a member of.";
                return;
            }

            var result = await Clusters.ListAllAsync(_access.Tenant.Slug, _disposed.Token);
            _now = Time.GetUtcNow();
            if (result.Failure is { } failure)
            {
                _error = failure.Detail ?? failure.Title;
                return;
            }

            _owners = await Users.NamesAsync(result.Value!.Select(c => c.Owner).Distinct(), _disposed.Token);
            _clusters = result.Value;
        }
        catch (Exception exception) when (exception is not OperationCanceledException)
        {
            // Show the error state instead of tearing down the circuit; details go to the log, not the page.
            LoadFailed(Logger, exception, Current.Slug);
            _error = Portal.Web.Data.DatabaseOutage.Explain(exception, "The clusters could not be loaded. Try again in a moment.");
        }
    }

    /// <summary>Runs on the change loop's thread; see <see cref="CoalescedReload"/>.</summary>
    private void OnClustersChanged(ClusterChangeBatch batch)
    {
        if (_access is null || !batch.TenantIds.Contains(_access.Tenant.Id))
            return;
        _reload.Request();
    }

    private void OnTenantChanged()
    {
        if (Tenant is not null && Tenant != Current.Slug)
        {
            // The URL names a tenant; follow the header's choice to that tenant's address.
            _ = InvokeAsync(() => Navigation.NavigateTo($"tenants/{Uri.EscapeDataString(Current.Slug!)}/clusters"));
            return;
        }

        _ = InvokeAsync(async () =>
        {
            _clusters = null;
            StateHasChanged();
            await LoadAsync();
            StateHasChanged();
        });
    }

    private bool Matches(Cluster cluster)
    {
        if (!_showEnded && cluster.Status.Phase == ClusterPhase.Deleted)
            return false;
        if (_phase is { } phase && cluster.Status.Phase != phase)
            return false;
        return string.IsNullOrWhiteSpace(_search)
            || cluster.Name.Contains(_search, StringComparison.OrdinalIgnoreCase)
            || OwnerName(cluster).Contains(_search, StringComparison.OrdinalIgnoreCase);
    }

    private string OwnerName(Cluster cluster) => _owners.TryGetValue(cluster.Owner, out var user) ? user.DisplayName : cluster.Owner;

    // A Deleted cluster by its id: its name may by now mean a newer cluster.
    private string DetailHref(Cluster cluster) => cluster.Status.Phase == ClusterPhase.Deleted
        ? $"tenants/{Uri.EscapeDataString(_access!.Tenant.Slug)}/clusters/by-id/{cluster.Id}"
        : $"tenants/{Uri.EscapeDataString(_access!.Tenant.Slug)}/clusters/{Uri.EscapeDataString(cluster.Name)}";

    private void Open(Cluster? cluster)
    {
        if (cluster is not null)
            Navigation.NavigateTo(DetailHref(cluster));
    }

    private async Task NewClusterAsync()
    {
        if (_access is null || _clusters is null)
            return;
        var created = await NewClusterDialog.ShowAsync(Dialogs, _access, _clusters);
        if (created is not null)
            Navigation.NavigateTo(DetailHref(created));
    }

    public void Dispose()
    {
        Changes.Changed -= OnClustersChanged;
        Current.Changed -= OnTenantChanged;
        _disposed.Cancel();
        _disposed.Dispose();
    }

    [LoggerMessage(LogLevel.Error, "Failed to load clusters of tenant {Tenant}")]
    private static partial void LoadFailed(ILogger logger, Exception exception, string? tenant);
}
