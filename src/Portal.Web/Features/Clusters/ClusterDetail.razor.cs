using Portal.Web.Features.Shell;

namespace Portal.Web.Features.Clusters;

public partial class ClusterDetail
{
    // Who asked for the cluster, by name, when they have signed in (the row holds their subject).
    private KnownUser? _owner;
    private readonly CancellationTokenSource _disposed = new();
    private ClusterDetails? _details;
    private IReadOnlyList<PodView>? _pods;
    private IReadOnlyList<KubeEventView>? _events;
    private IReadOnlyList<ApplicationView>? _applications;
    private EventLogView? _eventLog;
    private string? _error;
    private string? _kubeError;
    private string? _scaleError;
    private int _workers;
    private bool _busy;
    private DateTimeOffset _now;
    private readonly CoalescedReload _reload;

    public ClusterDetail() => _reload = new(InvokeAsync, LoadAsync, StateHasChanged, _disposed.Token);

    [Parameter]
    public string Tenant { get; set; } = "";

    /// <summary>The cluster's name, on the page's address by name.</summary>
    [Parameter]
    public string Name { get; set; } = "";

    /// <summary>The cluster's id, on the page's address by id.</summary>
    [Parameter]
    public Guid? Id { get; set; }

    // On the address by id the name is known once the cluster is loaded.
    private string ClusterName => _details?.Cluster.Name ?? Name;

    // Members and admins may ask for a cluster; one that ended (Deleted) or never got going (Failed) is what users
    // ask for again. The dialog lets them rename it while the old name is taken.
    private bool CanCreateAgain =>
        _details is { Access.Role: >= TenantRole.Member, Cluster.Status.Phase: ClusterPhase.Deleted or ClusterPhase.Failed };

    private List<BreadcrumbItem> Breadcrumbs =>
    [
        new("Clusters", $"tenants/{Uri.EscapeDataString(Tenant)}/clusters"),
        new(ClusterName, null, disabled: true),
    ];

    public override Task SetParametersAsync(ParameterView parameters)
    {
        // The router keeps this page between its two addresses and sets only the parameters of the new one: without
        // this, going from a cluster by id to one by name would keep showing the first.
        Name = "";
        Id = null;
        return base.SetParametersAsync(parameters);
    }

    protected override void OnInitialized() => Changes.Changed += OnClustersChanged;

    protected override async Task OnParametersSetAsync()
    {
        Current.Select(Tenant);
        _details = null;
        await LoadAsync();
        if (_details is not null)
            _workers = _details.Cluster.Spec.Workers;
    }

    private async Task LoadAsync()
    {
        try
        {
            var details = Id is { } id
                ? await Insight.GetAsync(Tenant, id, _disposed.Token)
                : await Insight.GetAsync(Tenant, Name, _disposed.Token);
            _now = Time.GetUtcNow();
            if (details.Failure is { } failure)
            {
                _error = failure.Detail ?? failure.Title;
                return;
            }

            _error = null;
            _details = details.Value;
            _owner = (await Users.NamesAsync([_details!.Cluster.Owner], _disposed.Token)).GetValueOrDefault(_details.Cluster.Owner);
            _eventLog = await Insight.EventLogAsync(_details, _disposed.Token);
        }
        catch (Exception exception) when (exception is not OperationCanceledException)
        {
            LoadFailed(Logger, exception, Tenant, ClusterName);
            _error = Portal.Web.Data.DatabaseOutage.Explain(exception, "The cluster could not be loaded. Try again in a moment.");
            return;
        }

        try
        {
            _pods = await Insight.PodsAsync(_details!, _disposed.Token);
            _events = await Insight.EventsAsync(_details!, _disposed.Token);
            _applications = await Insight.ApplicationsAsync(_details!, _disposed.Token);
            _kubeError = null;
        }
        catch (Exception exception) when (exception is not OperationCanceledException)
        {
            // The portal keeps serving while Kubernetes is unreachable; the DB-backed parts of the page still show.
            KubernetesReadFailed(Logger, exception, Tenant, ClusterName);
            _pods = [];
            _events = [];
            _applications = [];
            _kubeError = "Kubernetes could not be reached; pods and events are unavailable.";
        }
    }

    private void OnClustersChanged(ClusterChangeBatch batch)
    {
        if (_details is null || !batch.ClusterIds.Contains(_details.Cluster.Id))
            return;
        _reload.Request();
    }

    private static bool HasStorage(Cluster cluster) =>
        cluster.Spec.Volumes.Count > 0 || cluster.Spec.ObjectStore is not null || cluster.Spec.EventLog is not null;

    private static bool Ending(Cluster cluster) => cluster.IsDeleting || cluster.Status.Phase is ClusterPhase.Deleted;

    private Portal.Web.Features.Gateway.ConnectView? Connect(Cluster cluster) =>
        Links.Connect(cluster, _details!.Access.Tenant.Slug, new Uri(Navigation.BaseUri));

    /// <summary>
    /// The gateway's connection string first (with a token placeholder) and the PySpark to install; the Services'
    /// own addresses only as what they are: reachable from a pod inside the tenant's namespace, nowhere else.
    /// </summary>
    private static IEnumerable<(string What, string Url)> Endpoints(Cluster cluster, Portal.Web.Features.Gateway.ConnectView? gateway)
    {
        if (gateway is not null)
        {
            yield return ("Connect URL", gateway.Url);
            yield return ("PySpark", $"pip install \"pyspark[connect]=={gateway.PysparkVersion}\"");
        }

        if (cluster.Status.ConnectUrl is { } connect)
            yield return ("Connect URL in the namespace", connect);
        if (cluster.Status.MasterUrl is { } master)
            yield return ("Master URL in the namespace", master);
    }

    private async Task ScaleAsync()
    {
        _scaleError = null;
        await RunAsync("scale", async ct =>
        {
            var outcome = await Clusters.ScaleAsync(Tenant, ClusterName, new ScaleClusterRequest { Workers = _workers }, _details!.Cluster.Version, ct);
            if (outcome.Failure is { Kind: FailureKind.Invalid, Errors: { } errors } && errors.TryGetValue("workers", out var reasons))
            {
                _scaleError = string.Join(" ", reasons);
                return null;
            }

            return outcome.Failure ?? Done($"Scaling {ClusterName} to {_workers} workers");
        });
    }

    private async Task ExtendAsync(TimeSpan by) =>
        await RunAsync("extend", async ct =>
        {
            var outcome = await Clusters.ExtendAsync(Tenant, ClusterName, by, expectedVersion: null, ct);
            return outcome.Failure ?? Done($"{ClusterName} now lives until {ClusterFormat.Timestamp(outcome.Value!.ExpiresAt)}");
        });

    private async Task DeleteAsync()
    {
        if (!await ConfirmDialog.AskAsync(Dialogs, $"Delete {ClusterName}?",
                "Its pods stop at once and whatever they hold in memory is lost. This can't be undone.", yesText: "Delete"))
            return;
        await RunAsync("delete", async ct =>
        {
            var outcome = await Clusters.DeleteAsync(Tenant, ClusterName, expectedVersion: null, ct);
            return outcome.Failure ?? Done($"Deleting {ClusterName}");
        });
    }

    /// <summary>
    /// Opens the new-cluster dialog filled with this cluster's spec and name, so the user can rename or resize it
    /// before the same create as anywhere else; then goes to the new cluster.
    /// </summary>
    private async Task CreateAgainAsync()
    {
        var details = _details!;
        IReadOnlyList<Cluster> existing;
        _busy = true;
        try
        {
            // The tenant's clusters, for what is left of the quota, as the clusters page gives the dialog.
            var all = await Clusters.ListAllAsync(details.Access.Tenant.Slug, _disposed.Token);
            if (all.Failure is { } failure)
            {
                Snackbar.Add(failure.Detail ?? failure.Title, Severity.Error);
                return;
            }

            existing = all.Value!;
        }
        catch (Exception exception) when (exception is not OperationCanceledException)
        {
            ChangeFailed(Logger, exception, "create again", Tenant, ClusterName);
            Snackbar.Add("The clusters could not be loaded. Try again in a moment.", Severity.Error);
            return;
        }
        finally
        {
            _busy = false;
        }

        var created = await NewClusterDialog.ShowAsync(Dialogs, details.Access, existing, CreateClusterRequest.Repeating(details.Cluster));
        if (created is not null)
            Navigation.NavigateTo($"tenants/{Uri.EscapeDataString(details.Access.Tenant.Slug)}/clusters/{Uri.EscapeDataString(created.Name)}");
    }

    /// <summary>Runs one change; a refusal becomes an error toast, an exception a friendly one (details to the log).</summary>
    private async Task RunAsync(string action, Func<CancellationToken, Task<Failure?>> change)
    {
        _busy = true;
        try
        {
            if (await change(_disposed.Token) is { } failure)
                Snackbar.Add(failure.Detail ?? failure.Title, Severity.Error);
            await LoadAsync();
        }
        catch (Exception exception) when (exception is not OperationCanceledException)
        {
            ChangeFailed(Logger, exception, action, Tenant, ClusterName);
            Snackbar.Add($"The {action} did not go through. Try again in a moment.", Severity.Error);
        }
        finally
        {
            _busy = false;
        }
    }

    private Failure? Done(string message)
    {
        Snackbar.Add(message, Severity.Success);
        return null;
    }

    public void Dispose()
    {
        Changes.Changed -= OnClustersChanged;
        _disposed.Cancel();
        _disposed.Dispose();
    }

    [LoggerMessage(LogLevel.Error, "Failed to load cluster {Tenant}/{Cluster}")]
    private static partial void LoadFailed(ILogger logger, Exception exception, string tenant, string cluster);

    [LoggerMessage(LogLevel.Warning, "Failed to read pods and events of cluster {Tenant}/{Cluster} from Kubernetes")]
    private static partial void KubernetesReadFailed(ILogger logger, Exception exception, string tenant, string cluster);

    [LoggerMessage(LogLevel.Error, "Failed to {Action} cluster {Tenant}/{Cluster}")]
    private static partial void ChangeFailed(ILogger logger, Exception exception, string action, string tenant, string cluster);
}
