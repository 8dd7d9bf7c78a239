using Portal.Web.Features.Shell;

namespace Portal.Web.Features.Storage;

/// <summary>
/// The current tenant's volumes, object stores and history server. <see cref="VolumeService"/>,
/// <see cref="ObjectStoreService"/> and <see cref="HistoryServerService"/> decide who may do what; this page only hides
/// controls a caller could not use, and never holds a secret key longer than the dialog that sends it.
/// </summary>
public sealed partial class StoragePage : TenantPage
{
    /// <summary>The directory on a volume a history server reads when none is named (as the service defaults).</summary>
    private const string DefaultVolumePath = ClusterStorageRules.DefaultEventLogPath;

    /// <summary>How often a Starting history server is looked at again: the reconciler's own pace is seconds.</summary>
    private static readonly TimeSpan PollInterval = TimeSpan.FromSeconds(3);

    private static readonly TimeSpan[] IdleChoices =
    [
        TimeSpan.FromMinutes(15), TimeSpan.FromMinutes(30), HistoryServerService.DefaultIdleTimeout, TimeSpan.FromHours(2),
        TimeSpan.FromHours(4), TimeSpan.FromHours(8), HistoryServerService.MaxIdleTimeout,
    ];

    private IReadOnlyList<VolumeView>? _volumes;
    private IReadOnlyList<ObjectStoreView>? _stores;
    private HistoryServer? _history;
    private bool _polling;

    // The start form: the source, its directory and how long the server may idle.
    private bool _fromStore;
    private string? _historyVolume;
    private string? _historyStore;
    private string? _historyPath;
    private TimeSpan _idleTimeout = HistoryServerService.DefaultIdleTimeout;
    private IReadOnlyDictionary<string, string[]> _errors = new Dictionary<string, string[]>();

    // Viewers only look: the service refuses them a start or stop, so the controls are not offered.
    private bool MayRunHistory => Access is { Role: TenantRole.Admin or TenantRole.Member } || Caller.IsPlatformAdmin;

    private string HistoryUrl => Gateway.GatewayLinks.HistoryPath(Access?.Tenant.Slug ?? "");

    protected override string Contents => "storage";

    protected override void ForgetInput()
    {
        _errors = new Dictionary<string, string[]>();
        _historyVolume = _historyStore = _historyPath = null;
    }

    protected override async Task LoadRowsAsync()
    {
        _volumes = null;
        _stores = null;
        _history = null;
        if (Access is null)
            return;

        var slug = Access.Tenant.Slug;
        var volumes = await Volumes.ListAsync(slug, Stopping);
        var mounts = await Volumes.MountsAsync(slug, Stopping);
        var stores = await Stores.ListAsync(slug, Stopping);
        var history = await Histories.GetAsync(slug, Stopping);
        // NotFound from the history server is "none runs", the start form's cue, not a refusal.
        var failure = volumes.Failure ?? stores.Failure ?? (history.Failure is { Kind: not FailureKind.NotFound } h ? h : null);
        if (failure is not null)
        {
            LoadRefused(failure);
            return;
        }

        _volumes = [.. volumes.Value!.Select(v => VolumeView.From(v, mounts))];
        _stores = [.. stores.Value!.Select(ObjectStoreView.From)];
        _history = history.Value;
        await LearnNamesAsync(_volumes.Select(v => v.CreatedBy).Concat(_history is { } running ? [running.StartedBy] : []).Distinct());
        _historyVolume ??= _volumes.FirstOrDefault()?.Name;
        if (_historyStore is null && _stores.FirstOrDefault() is { } first)
            _historyStore = first.Name;
        PollWhileStarting();
    }

    protected override void ShowNoRows()
    {
        _volumes = [];
        _stores = [];
    }

    /// <summary>Looks at a Starting history server again every few seconds until it runs, fails or goes away.</summary>
    private void PollWhileStarting()
    {
        if (_polling || _history is not { Phase: HistoryServerPhase.Starting })
            return;
        _polling = true;
        _ = PollAsync(Stopping);
    }

    private async Task PollAsync(CancellationToken ct)
    {
        try
        {
            using var timer = new PeriodicTimer(PollInterval, Time);
            while (await timer.WaitForNextTickAsync(ct))
            {
                var starting = true;
                await InvokeAsync(async () =>
                {
                    // The page may have gone while the tick was queued.
                    if (ct.IsCancellationRequested || Access is null)
                    {
                        starting = _polling = false;
                        return;
                    }

                    var outcome = await Histories.GetAsync(Access.Tenant.Slug, ct);
                    _history = outcome.Value;
                    starting = _history is { Phase: HistoryServerPhase.Starting };
                    // Cleared here, on the renderer's thread, so a start right after sees it and polls again.
                    _polling = starting;
                    StateHasChanged();
                });
                if (!starting)
                    break;
            }
        }
        catch (OperationCanceledException)
        {
            // The page was closed.
        }
        catch (Exception exception)
        {
            // A poll that fails is not worth an alert: the next load (or a reload of the page) shows the state, and
            // polls again.
            PollFailed(Logger, exception, Current.Slug);
            _polling = false;
        }
    }

    private Task NewVolumeAsync() => AfterDialogAsync(
        slug => VolumeDialog.ShowAsync(Dialogs, slug), created => $"Created volume {created.Name} ({created.Size})");

    private async Task DeleteVolumeAsync(VolumeView volume)
    {
        if (!await ConfirmDialog.AskAsync(Dialogs, $"Delete volume {volume.Name}?",
                $"Its claim and all {volume.Size} of its data are deleted. This can't be undone.", yesText: "Delete"))
            return;
        await ChangeAsync("delete volume", (slug, ct) => Volumes.DeleteAsync(slug, volume.Name, ct), $"Deleted volume {volume.Name}");
    }

    private Task NewStoreAsync() => AfterDialogAsync(
        slug => ObjectStoreDialog.ShowAsync(Dialogs, slug), created => $"Registered object store {created.Name}");

    private Task RotateAsync(ObjectStoreView store) => AfterDialogAsync(
        slug => RotateKeyDialog.ShowAsync(Dialogs, slug, store),
        rotated => $"Rotated the key of {rotated.Name} (version {rotated.KeyVersion}); clusters using it restart");

    private async Task DeleteStoreAsync(ObjectStoreView store)
    {
        if (!await ConfirmDialog.AskAsync(Dialogs, $"Remove object store {store.Name}?",
                $"Its Secret {store.SecretName} is deleted; the data in the store stays.", yesText: "Remove"))
            return;
        await ChangeAsync("remove object store", (slug, ct) => Stores.DeleteAsync(slug, store.Name, ct), $"Removed object store {store.Name}");
    }

    private async Task StartHistoryAsync()
    {
        _errors = new Dictionary<string, string[]>();
        var path = string.IsNullOrWhiteSpace(_historyPath) ? null : _historyPath.Trim();
        var request = _fromStore
            ? new StartHistoryServerRequest { ObjectStore = _historyStore, Path = path, IdleTimeout = _idleTimeout }
            : new StartHistoryServerRequest { Volume = _historyVolume, Path = path, IdleTimeout = _idleTimeout };
        await ChangeAsync("start the history server", async (slug, ct) =>
        {
            var outcome = await Histories.StartAsync(slug, request, ct);
            switch (outcome.Failure)
            {
                case { Kind: FailureKind.Invalid, Errors: { } errors }:
                    _errors = errors;
                    return null;
                case { } failure:
                    return failure;
            }

            Snackbar.Add("Starting the history server", Severity.Success);
            return null;
        });
    }

    private async Task StopHistoryAsync()
    {
        if (!await ConfirmDialog.AskAsync(Dialogs, "Stop the history server?",
                "Whoever has it open loses it; the event logs stay, and it can be started again.", yesText: "Stop"))
            return;
        await ChangeAsync("stop the history server", Histories.StopAsync, "Stopped the history server");
    }

    /// <summary>
    /// Opens a dialog that makes a change itself; unless it was cancelled, says what it made and reloads, as every
    /// change here does.
    /// </summary>
    private async Task AfterDialogAsync<T>(Func<string, Task<T?>> show, Func<T, string> done)
        where T : class
    {
        if (Access is null || await show(Access.Tenant.Slug) is not { } made)
            return;
        Snackbar.Add(done(made), Severity.Success);
        await ChangeAsync("reload the storage", (_, _) => Task.FromResult<Failure?>(null));
    }

    private string? ErrorOf(string field) => _errors.TryGetValue(field, out var reasons) ? string.Join(" ", reasons) : null;

    private static string SourceText(EventLogSpec source) =>
        source.Volume is { } volume ? $"Volume {volume}, directory {source.Path}" : $"Object store {source.ObjectStore}, s3a://{source.Path}";

    private static string IdleText(TimeSpan idle) =>
        idle.TotalHours >= 1 && idle.Minutes == 0 ? $"{idle.TotalHours:0} h" : $"{idle.TotalMinutes:0} min";

    private static Color PhaseColor(HistoryServerPhase phase) => phase switch
    {
        HistoryServerPhase.Running => Color.Success,
        HistoryServerPhase.Failed => Color.Error,
        _ => Color.Info,
    };

    [LoggerMessage(LogLevel.Warning, "Failed to poll the history server of tenant {Tenant}")]
    private static partial void PollFailed(ILogger logger, Exception exception, string? tenant);
}
