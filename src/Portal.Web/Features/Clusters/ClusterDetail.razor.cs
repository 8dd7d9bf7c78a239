using Microsoft.AspNetCore.Components;
using MudBlazor;
using Portal.Core.Clusters;
using Portal.Core.Identity;

namespace Portal.Web.Features.Clusters;

public partial class ClusterDetail
{
    // Who asked for the cluster, by name, when they have signed in (the row holds their subject).
    private KnownUser? _owner;
    private readonly CancellationTokenSource _disposed = new();
    private ClusterDetails? _details;
    private IReadOnlyList<PodView>? _pods;
    private IReadOnlyList<KubeEventView>? _events;
    private string? _error;
    private string? _kubeError;
    private string? _scaleError;
    private int _workers;
    private bool _busy;
    private DateTimeOffset _now;
    private readonly CoalescedReload _reload;

    public ClusterDetail() => _reload = new(InvokeAsync, ReloadAsync, _disposed.Token);

    private async Task ReloadAsync()
    {
        await LoadAsync();
        StateHasChanged();
    }

    [Parameter]
    public string Tenant { get; set; } = "";

    [Parameter]
    public string Name { get; set; } = "";

    private List<BreadcrumbItem> Breadcrumbs =>
    [
        new("Clusters", $"tenants/{Uri.EscapeDataString(Tenant)}/clusters"),
        new(Name, null, disabled: true),
    ];

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
            var details = await Insight.GetAsync(Tenant, Name, _disposed.Token);
            _now = Time.GetUtcNow();
            if (details.Failure is { } failure)
            {
                _error = failure.Detail ?? failure.Title;
                return;
            }

            _error = null;
            _details = details.Value;
            _owner = (await Users.NamesAsync([_details!.Cluster.Owner], _disposed.Token)).GetValueOrDefault(_details.Cluster.Owner);
        }
        catch (Exception exception) when (exception is not OperationCanceledException)
        {
            LoadFailed(Logger, exception, Tenant, Name);
            _error = Portal.Web.Data.DatabaseOutage.Explain(exception, "The cluster could not be loaded. Try again in a moment.");
            return;
        }

        try
        {
            _pods = await Insight.PodsAsync(_details!, _disposed.Token);
            _events = await Insight.EventsAsync(_details!, _disposed.Token);
            _kubeError = null;
        }
        catch (Exception exception) when (exception is not OperationCanceledException)
        {
            // The portal keeps serving while Kubernetes is unreachable; the DB-backed parts of the page still show.
            KubernetesReadFailed(Logger, exception, Tenant, Name);
            _pods = [];
            _events = [];
            _kubeError = "Kubernetes could not be reached; pods and events are unavailable.";
        }
    }

    private void OnClustersChanged(ClusterChangeBatch batch)
    {
        if (_details is null || !batch.ClusterIds.Contains(_details.Cluster.Id))
            return;
        _reload.Request();
    }

    private static IEnumerable<(string What, string Url)> Endpoints(Cluster cluster)
    {
        if (cluster.Status.ConnectUrl is { } connect)
            yield return ("Connect URL", connect);
        if (cluster.Status.MasterUrl is { } master)
            yield return ("Master URL", master);
        if (cluster.Status.MasterUiUrl is { } ui)
            yield return ("Master UI", ui);
    }

    private async Task ScaleAsync()
    {
        _scaleError = null;
        await RunAsync("scale", async ct =>
        {
            var outcome = await Clusters.ScaleAsync(Tenant, Name, new ScaleClusterRequest { Workers = _workers }, _details!.Cluster.Version, ct);
            if (outcome.Failure is { Kind: FailureKind.Invalid, Errors: { } errors } && errors.TryGetValue("workers", out var reasons))
            {
                _scaleError = string.Join(" ", reasons);
                return null;
            }

            return outcome.Failure ?? Done($"Scaling {Name} to {_workers} workers");
        });
    }

    private async Task ExtendAsync(TimeSpan by) =>
        await RunAsync("extend", async ct =>
        {
            var outcome = await Insight.ExtendAsync(Tenant, Name, by, ct);
            return outcome.Failure ?? Done($"{Name} now lives until {ClusterFormat.Timestamp(outcome.Value!.ExpiresAt!.Value)}");
        });

    private async Task DeleteAsync()
    {
        var confirmed = await Dialogs.ShowMessageBoxAsync(
            $"Delete {Name}?",
            "Its pods stop at once and whatever they hold in memory is lost. This can't be undone.",
            yesText: "Delete", cancelText: "Cancel");
        if (confirmed != true)
            return;
        await RunAsync("delete", async ct =>
        {
            var outcome = await Clusters.DeleteAsync(Tenant, Name, expectedVersion: null, ct);
            return outcome.Failure ?? Done($"Deleting {Name}");
        });
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
            ChangeFailed(Logger, exception, action, Tenant, Name);
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
