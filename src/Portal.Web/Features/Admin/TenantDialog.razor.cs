namespace Portal.Web.Features.Admin;

/// <summary>
/// Creates a tenant, or changes one's display name, quota and policy, through <see cref="TenantService"/> exactly as
/// POST and PATCH /api/v1/tenants do. The service's refusals land beside the field they concern; an edit carries the
/// version the dialog was filled from, so a change made meanwhile by someone else is refused rather than overwritten.
/// A quota lowered below what the tenant's clusters hold now is saved only after the admin has read what that means.
/// </summary>
public partial class TenantDialog
{
    // Request field paths as the service keys its errors (camelCase JSON names, "quota.cpu" for nested ones).
    private static readonly string Slug = Key(nameof(CreateTenantRequest.Slug));
    private static readonly string DisplayName = Key(nameof(CreateTenantRequest.DisplayName));
    private static readonly string QuotaCpu = Key(nameof(CreateTenantRequest.Quota), nameof(TenantQuota.Cpu));
    private static readonly string QuotaMemory = Key(nameof(CreateTenantRequest.Quota), nameof(TenantQuota.Memory));
    private static readonly string QuotaEphemeralStorage = Key(nameof(CreateTenantRequest.Quota), nameof(TenantQuota.EphemeralStorage));
    private static readonly string QuotaMaxPods = Key(nameof(CreateTenantRequest.Quota), nameof(TenantQuota.MaxPods));
    private static readonly string QuotaMaxClusters = Key(nameof(CreateTenantRequest.Quota), nameof(TenantQuota.MaxClusters));
    private static readonly string PolicyDefaultTimeToLive = Key(nameof(CreateTenantRequest.Policy), nameof(TenantPolicy.DefaultTimeToLive));
    private static readonly string PolicyMaxTimeToLive = Key(nameof(CreateTenantRequest.Policy), nameof(TenantPolicy.MaxTimeToLive));
    private static readonly string PolicyIdleTimeout = Key(nameof(CreateTenantRequest.Policy), nameof(TenantPolicy.IdleTimeout));
    private static readonly string PolicyMaxWorkersPerCluster = Key(nameof(CreateTenantRequest.Policy), nameof(TenantPolicy.MaxWorkersPerCluster));
    private static readonly string PolicyPresets = Key(nameof(CreateTenantRequest.Policy), nameof(TenantPolicy.Presets));

    private static readonly HashSet<string> ShownFields =
    [
        Slug, DisplayName, QuotaCpu, QuotaMemory, QuotaEphemeralStorage, QuotaMaxPods, QuotaMaxClusters,
        PolicyDefaultTimeToLive, PolicyMaxTimeToLive, PolicyIdleTimeout, PolicyMaxWorkersPerCluster, PolicyPresets,
    ];

    private Dictionary<string, string> _errors = new(StringComparer.Ordinal);
    private bool _sending;
    private bool _stale;

    // A quota below what is in use is allowed (running clusters keep running), but not silently: the first save shows
    // what it means for the quota as it then was, and "Save anyway" confirms exactly that quota.
    private IReadOnlyList<QuotaOverrun> _overruns = [];
    private TenantQuota? _warnedFor;
    private TenantQuota? _confirmed;

    // What the fields were filled from: an edit is refused if the tenant has moved on since that version, and a quota
    // or policy setting this form has no field for keeps its value (the service replaces quota and policy whole).
    private long _version;
    private TenantQuota _quota = new();
    private TenantPolicy _policy = new();
    private string? _slug;
    private string? _displayName;
    private int _maxClusters;
    private int _maxPods;
    private string? _cpu;
    private string? _memory;
    private string? _ephemeralStorage;
    private double _defaultTtlHours;
    private double _maxTtlHours;
    private double? _idleHours;
    private int _maxWorkers;
    private List<PresetRow> _presets = [];

    /// <summary>One editable preset; the service checks it when the form is saved.</summary>
    private sealed class PresetRow
    {
        public string? Name { get; set; }
        public int Workers { get; set; }
        public string? Cores { get; set; }
        public string? Memory { get; set; }
    }

    [CascadingParameter]
    private IMudDialogInstance Dialog { get; set; } = default!;

    /// <summary>The tenant to change, as read for the table; null to create one.</summary>
    [Parameter]
    public Tenant? Existing { get; set; }

    private bool IsNew => Existing is null;

    /// <summary>Opens the dialog; the created or changed tenant, or null when cancelled.</summary>
    internal static async Task<Tenant?> ShowAsync(IDialogService dialogs, Tenant? existing)
    {
        var parameters = new DialogParameters<TenantDialog> { { d => d.Existing, existing } };
        var options = new DialogOptions { MaxWidth = MaxWidth.Medium, FullWidth = true, CloseOnEscapeKey = true };
        var dialog = await dialogs.ShowAsync<TenantDialog>(null, parameters, options);
        var result = await dialog.Result;
        return result is { Canceled: false, Data: Tenant tenant } ? tenant : null;
    }

    protected override void OnInitialized()
    {
        if (Existing is { } tenant)
        {
            Fill(tenant);
            return;
        }

        // The defaults the API applies when a request leaves quota or policy out, so "Create" as offered equals a bare POST.
        Fill(new TenantQuota(), new TenantPolicy());
    }

    private void Fill(Tenant tenant)
    {
        _version = tenant.Version;
        _slug = tenant.Slug;
        _displayName = tenant.DisplayName;
        Fill(tenant.Quota, tenant.Policy);
    }

    private void Fill(TenantQuota quota, TenantPolicy policy)
    {
        _quota = quota;
        _policy = policy;
        _maxClusters = quota.MaxClusters;
        _maxPods = quota.MaxPods;
        _cpu = quota.Cpu;
        _memory = quota.Memory;
        _ephemeralStorage = quota.EphemeralStorage;
        _defaultTtlHours = policy.DefaultTimeToLive.TotalHours;
        _maxTtlHours = policy.MaxTimeToLive.TotalHours;
        _idleHours = policy.IdleTimeout?.TotalHours;
        _maxWorkers = policy.MaxWorkersPerCluster;
        _presets = policy.Presets
            .Select(p => new PresetRow { Name = p.Name, Workers = p.Workers, Cores = p.WorkerCores, Memory = p.WorkerMemory })
            .ToList();
    }

    private void AddPreset() => _presets.Add(new PresetRow { Workers = Math.Min(2, Math.Max(1, _maxWorkers)), Cores = "1", Memory = "2Gi" });

    // The service keys preset problems by position, so errors of the rows after the removed one would point at the
    // wrong rows: they are cleared, and the next save says again what is still wrong.
    private void RemovePreset(int index)
    {
        _presets.RemoveAt(index);
        foreach (var field in _errors.Keys.Where(k => k.StartsWith(PolicyPresets, StringComparison.Ordinal)).ToList())
            _errors.Remove(field);
    }

    internal CreateTenantRequest CreateRequest() => new()
    {
        Slug = Trimmed(_slug),
        DisplayName = Trimmed(_displayName),
        Quota = Quota(),
        Policy = Policy(),
    };

    // An emptied display name is sent as "", not left out: left out means "unchanged", and the user asked for a change.
    internal UpdateTenantRequest UpdateRequest() => new()
    {
        DisplayName = Trimmed(_displayName) ?? string.Empty,
        Quota = Quota(),
        Policy = Policy(),
    };

    private TenantQuota Quota() => _quota with
    {
        Cpu = _cpu?.Trim() ?? string.Empty,
        Memory = _memory?.Trim() ?? string.Empty,
        EphemeralStorage = _ephemeralStorage?.Trim() ?? string.Empty,
        MaxPods = _maxPods,
        MaxClusters = _maxClusters,
    };

    private TenantPolicy Policy() => _policy with
    {
        DefaultTimeToLive = Hours(_defaultTtlHours),
        MaxTimeToLive = Hours(_maxTtlHours),
        IdleTimeout = _idleHours is { } idle ? Hours(idle) : null,
        MaxWorkersPerCluster = _maxWorkers,
        Presets = _presets
            .Select(p => new ClusterPreset(p.Name?.Trim() ?? string.Empty, p.Workers, p.Cores?.Trim() ?? string.Empty, p.Memory?.Trim() ?? string.Empty))
            .ToList(),
    };

    private string? ErrorOf(string field) => _errors.GetValueOrDefault(field);

    private async Task SubmitAsync()
    {
        _errors = new Dictionary<string, string>(StringComparer.Ordinal);
        _sending = true;
        try
        {
            if (Existing is null)
            {
                var created = await Tenants.CreateAsync(CreateRequest(), CancellationToken.None);
                if (created.Value is { } tenant)
                    Dialog.Close(DialogResult.Ok(tenant));
                else
                    ShowFailure(created.Failure!);
            }
            else
            {
                var quota = Quota();
                if (quota != _confirmed)
                {
                    // A failure here (the tenant is gone, the caller no longer an admin) is the update's too: it says so.
                    var overruns = await Tenants.QuotaOverrunsAsync(Existing.Slug, quota, CancellationToken.None);
                    if (overruns.Value is { Count: > 0 } found)
                    {
                        (_overruns, _warnedFor) = (found, quota);
                        return;
                    }
                }

                var updated = await Tenants.UpdateAsync(Existing.Slug, UpdateRequest(), _version, CancellationToken.None);
                if (updated.Value is { } access)
                    Dialog.Close(DialogResult.Ok(access.Tenant));
                else
                    ShowFailure(updated.Failure!);
            }
        }
        catch (Exception exception) when (exception is not OperationCanceledException)
        {
            SaveFailed(Logger, exception, _slug);
            Snackbar.Add("The tenant could not be saved. Try again in a moment.", Severity.Error);
        }
        finally
        {
            _sending = false;
        }
    }

    private bool Warned => _overruns.Count > 0 && _warnedFor == Quota();

    private async Task SaveAnywayAsync()
    {
        _confirmed = _warnedFor;
        _overruns = [];
        await SubmitAsync();
    }

    private void KeepEditing() => _overruns = [];

    /// <summary>Puts the service's refusal beside the field it concerns; a stale edit gets its own notice; the rest a toast.</summary>
    private void ShowFailure(Failure failure)
    {
        switch (failure)
        {
            case { Kind: FailureKind.Invalid, Errors: { } errors }:
                foreach (var (field, reasons) in errors)
                    _errors[field] = string.Join(" ", reasons);
                // A field this form has no input for (a newer service rule) must not vanish silently.
                var elsewhere = errors.Where(e => !ShownFields.Contains(e.Key) && !e.Key.StartsWith(PolicyPresets + "[", StringComparison.Ordinal)).Select(e => $"{e.Key}: {string.Join(" ", e.Value)}").ToList();
                if (elsewhere.Count > 0)
                    Snackbar.Add(string.Join(" ", elsewhere), Severity.Error);
                break;
            case { Kind: FailureKind.Conflict }:
                // The only conflict creating a tenant has: its slug, or the namespace derived from it, is taken.
                _errors[Slug] = failure.Detail ?? failure.Title;
                break;
            case { Kind: FailureKind.PreconditionFailed }:
                _stale = true;
                break;
            default:
                Snackbar.Add(failure.Detail ?? failure.Title, Severity.Error);
                break;
        }
    }

    /// <summary>After a stale edit: refills the form with the tenant as it is now, and its version.</summary>
    private async Task ReloadAsync()
    {
        if (Existing is null)
            return;
        _sending = true;
        try
        {
            var current = await Tenants.GetAsync(Existing.Slug, CancellationToken.None);
            if (current.Value is { } access)
            {
                Fill(access.Tenant);
                _errors = new Dictionary<string, string>(StringComparer.Ordinal);
                _stale = false;
            }
            else
            {
                Snackbar.Add(current.Failure!.Detail ?? current.Failure.Title, Severity.Error);
            }
        }
        catch (Exception exception) when (exception is not OperationCanceledException)
        {
            ReloadFailed(Logger, exception, Existing.Slug);
            Snackbar.Add("The tenant could not be reloaded. Try again in a moment.", Severity.Error);
        }
        finally
        {
            _sending = false;
        }
    }

    private void Cancel() => Dialog.Cancel();

    private static string? Trimmed(string? value) => string.IsNullOrWhiteSpace(value) ? null : value.Trim();

    private static TimeSpan Hours(double hours) =>
        double.IsFinite(hours) ? TimeSpan.FromMinutes(Math.Round(Math.Clamp(hours, -1e6, 1e6) * 60)) : TimeSpan.Zero;

    private static string PresetKey(int index, string field) => $"{PolicyPresets}[{index}].{Key(field)}";

    private static string Key(params string[] path) =>
        string.Join('.', path.Select(p => char.ToLowerInvariant(p[0]) + p[1..]));

    [LoggerMessage(LogLevel.Error, "Failed to save tenant {Tenant}")]
    private static partial void SaveFailed(ILogger logger, Exception exception, string? tenant);

    [LoggerMessage(LogLevel.Error, "Failed to reload tenant {Tenant}")]
    private static partial void ReloadFailed(ILogger logger, Exception exception, string? tenant);
}
