using Portal.Web.Features.Usage;

namespace Portal.Web.Features.Clusters;

/// <summary>
/// Asks for a new cluster. Checks the request as it is typed with the same <see cref="ClusterRequestValidator"/> the
/// service runs, and against what is left of the quota, before anything is sent; the service's own refusals land beside
/// their field. A value is never changed behind the user's back: a wrong one stays as typed, with the reason beside it.
/// </summary>
public partial class NewClusterDialog
{
    private static readonly IFormatProvider Invariant = CultureInfo.InvariantCulture;

    // One key per opened dialog: a double click or a retry after a lost answer creates one cluster, not two.
    private readonly string _idempotencyKey = $"ui-{Guid.NewGuid():N}";
    private readonly List<ConfRow> _conf = [];
    private Dictionary<string, string> _serverErrors = new(StringComparer.Ordinal);
    // Fields the user has changed (request field names): their problems show as they type. The rest wait for Create,
    // so an empty name is not called wrong before the user got to it.
    private readonly HashSet<string> _touched = new(StringComparer.Ordinal);
    private bool _submitted;
    private bool _sending;
    private string? _failure;

    private string? _name;
    private string? _image;
    // Nullable: an emptied field is "Required.", not a silent default.
    private int? _workers;
    private string? _workerCores;
    private string? _workerMemory;
    private double _hours;
    private bool _sparkConnect;

    // Storage: the tenant's volumes and stores to pick from, and the choices. The select values for "none" and for an
    // event log's place are strings, as MudSelect compares them: "" is none, "volume:x" and "store:x" a place.
    private const string None = "";
    private const string VolumePrefix = "volume:";
    private const string StorePrefix = "store:";
    private IReadOnlyList<TenantVolume> _tenantVolumes = [];
    private IReadOnlyList<ObjectStore> _tenantStores = [];
    private readonly List<MountRow> _mounts = [];
    private string _objectStore = None;
    private string _eventLogOn = None;
    private string? _eventLogPath;
    private bool _storageLoaded;

    [CascadingParameter]
    private IMudDialogInstance Dialog { get; set; } = default!;

    /// <summary>The tenant the cluster goes into, with the caller's role.</summary>
    [Parameter, EditorRequired]
    public TenantAccess Access { get; set; } = default!;

    /// <summary>The tenant's clusters, for what is left of the quota.</summary>
    [Parameter, EditorRequired]
    public IReadOnlyList<Cluster> Existing { get; set; } = [];

    /// <summary>
    /// What the form starts with instead of the defaults ("Create again": <see cref="CreateClusterRequest.Repeating"/>);
    /// the fields the form doesn't show (master size, scratch) are sent as it has them.
    /// </summary>
    [Parameter]
    public CreateClusterRequest? Prefill { get; set; }

    internal TenantUsage Usage => TenantUsage.Of(Access.Tenant, Existing);

    private IReadOnlyList<SparkImage> Images => Options.Value.Catalogue;

    private SparkImage? SelectedImage => _image is null ? null : Options.Value.Find(_image);

    // Only what the chosen image can run: the switch is off and disabled for an image without Connect, and the
    // user's own choice comes back when they pick a Spark 4 image again.
    private bool ConnectOffered => SelectedImage?.SparkConnect == true;

    private bool SparkConnect => _sparkConnect && ConnectOffered;

    // What the request asks for as typed, valid or not (too many workers is still that many), counted by the rule
    // admission applies: the figures help choose the size before the rest is right.
    private ClusterSpec Sized => ClusterRequestValidator.Sized(Request() with { Workers = _workers ?? 0 }, Options.Value, Access.Tenant.Policy);

    internal ClusterDemand Demand => ClusterDemand.Of(Sized);

    // The tenant's own sizes (its policy keeps them within its worker limit).
    private IReadOnlyList<ClusterPreset> Presets => Access.Tenant.Policy.Presets;

    /// <summary>Opens the dialog; the created cluster, or null when cancelled.</summary>
    internal static async Task<Cluster?> ShowAsync(
        IDialogService dialogs, TenantAccess access, IReadOnlyList<Cluster> existing, CreateClusterRequest? prefill = null)
    {
        var parameters = new DialogParameters<NewClusterDialog>
        {
            { d => d.Access, access },
            { d => d.Existing, existing },
            { d => d.Prefill, prefill },
        };
        var options = new DialogOptions { MaxWidth = MaxWidth.Medium, FullWidth = true, CloseOnEscapeKey = true };
        var dialog = await dialogs.ShowAsync<NewClusterDialog>(null, parameters, options);
        var result = await dialog.Result;
        return result is { Canceled: false, Data: Cluster created } ? created : null;
    }

    protected override async Task OnInitializedAsync()
    {
        Initialize();
        // What the tenant has to mount; a refusal (a viewer, a tenant gone meanwhile) leaves the lists empty and the
        // service says why on Create.
        try
        {
            _tenantVolumes = (await Volumes.ListAsync(Access.Tenant.Slug, CancellationToken.None)).Value ?? [];
            _tenantStores = (await ObjectStores.ListAsync(Access.Tenant.Slug, CancellationToken.None)).Value ?? [];
        }
        catch (Exception exception) when (exception is not OperationCanceledException)
        {
            StorageLoadFailed(Logger, exception, Access.Tenant.Slug);
        }
        finally
        {
            _storageLoaded = true;
        }
    }

    private void Initialize()
    {
        var defaults = Options.Value.Defaults;
        _image = Options.Value.DefaultImage.Image;
        _workers = Math.Min(defaults.Workers, Access.Tenant.Policy.MaxWorkersPerCluster);
        _workerCores = defaults.WorkerCores;
        _workerMemory = defaults.WorkerMemory;
        _sparkConnect = defaults.SparkConnect;
        _hours = Access.Tenant.Policy.DefaultTimeToLive.TotalHours;
        if (Prefill is { } prefill)
        {
            _name = prefill.Name;
            _image = prefill.Image ?? _image;
            _workers = prefill.Workers ?? _workers;
            _workerCores = prefill.WorkerCores ?? _workerCores;
            _workerMemory = prefill.WorkerMemory ?? _workerMemory;
            _sparkConnect = prefill.SparkConnect ?? _sparkConnect;
            _hours = prefill.TimeToLive?.TotalHours ?? _hours;
            _conf.AddRange((prefill.SparkConf ?? []).Select(e => new ConfRow { Key = e.Key, Value = e.Value }));
            _mounts.AddRange((prefill.Volumes ?? []).OfType<VolumeMountRequest>()
                .Select(m => new MountRow { Volume = m.Volume, Path = m.Path == m.Volume ? null : m.Path, ReadOnly = m.ReadOnly ?? false }));
            _objectStore = prefill.ObjectStore ?? None;
            if (prefill.EventLog is { } log)
            {
                _eventLogOn = log.Volume is { } volume ? VolumePrefix + volume : log.ObjectStore is { } store ? StorePrefix + store : None;
                _eventLogPath = log.Path;
            }
        }
    }

    private bool StorageAsked => _mounts.Count > 0 || _objectStore != None || _eventLogOn != None;

    private string StorageTitle =>
        $"Storage ({(_mounts.Count == 1 ? "1 volume" : $"{_mounts.Count} volumes")}{(_objectStore == None ? "" : ", object store")}{(_eventLogOn == None ? "" : ", event logs")})";

    private bool EventLogOnStore => _eventLogOn.StartsWith(StorePrefix, StringComparison.Ordinal);

    private string? EventLogError => StorageError("eventLog.path") ?? StorageError("eventLog.volume") ?? StorageError("eventLog.objectStore");

    private void AddMount()
    {
        var next = _tenantVolumes.FirstOrDefault(v => _mounts.All(m => m.Volume != v.Name));
        // A ReadOnlyMany volume can only be mounted read-only: start it so.
        _mounts.Add(new MountRow { Volume = next?.Name, ReadOnly = next?.AccessMode == VolumeAccessMode.ReadOnlyMany });
        TouchStorage();
    }

    private void RemoveMount(MountRow row)
    {
        _mounts.Remove(row);
        TouchStorage();
    }

    // A storage change may make any storage problem stale (an index moves, a volume leaves the event log's list).
    private void TouchStorage()
    {
        _touched.Add("storage");
        foreach (var key in _serverErrors.Keys.Where(IsStorageKey).ToList())
            _serverErrors.Remove(key);
        if (_eventLogOn.StartsWith(VolumePrefix, StringComparison.Ordinal)
            && !_mounts.Any(m => VolumePrefix + m.Volume == _eventLogOn && !m.ReadOnly))
            _eventLogOn = None;
        if (EventLogOnStore && StorePrefix + _objectStore != _eventLogOn)
            _eventLogOn = None;
    }

    private static bool IsStorageKey(string key) =>
        key.StartsWith("volumes", StringComparison.Ordinal) || key.StartsWith("objectStore", StringComparison.Ordinal)
        || key.StartsWith("eventLog", StringComparison.Ordinal);

    private string? StorageError(string key) =>
        (_submitted || _touched.Contains("storage") || _serverErrors.ContainsKey(key)) && Problems().TryGetValue(key, out var problem) ? problem : null;

    private string? MountError(int index, string field) => StorageError($"volumes[{index}].{field}");

    private EventLogRequest? EventLogRequested()
    {
        var path = string.IsNullOrWhiteSpace(_eventLogPath) ? null : _eventLogPath.Trim();
        if (_eventLogOn.StartsWith(VolumePrefix, StringComparison.Ordinal))
            return new EventLogRequest { Volume = _eventLogOn[VolumePrefix.Length..], Path = path };
        if (EventLogOnStore)
            return new EventLogRequest { ObjectStore = _eventLogOn[StorePrefix.Length..], Path = path };
        return null;
    }

    private void Apply(ClusterPreset preset)
    {
        Touch(nameof(CreateClusterRequest.Workers), nameof(CreateClusterRequest.WorkerCores), nameof(CreateClusterRequest.WorkerMemory));
        _workers = preset.Workers;
        _workerCores = preset.WorkerCores;
        _workerMemory = preset.WorkerMemory;
    }

    internal CreateClusterRequest Request() => (Prefill ?? new()) with
    {
        Name = string.IsNullOrWhiteSpace(_name) ? null : _name.Trim(),
        Image = _image,
        Workers = _workers,
        WorkerCores = _workerCores?.Trim(),
        WorkerMemory = _workerMemory?.Trim(),
        SparkConnect = SparkConnect,
        TimeToLive = TimeSpan.FromMinutes(Math.Round(_hours * 60)),
        SparkConf = _conf.Count == 0 ? null
            : _conf.Where(r => !string.IsNullOrWhiteSpace(r.Key))
                .GroupBy(r => r.Key!.Trim(), StringComparer.Ordinal)
                .ToDictionary(g => g.Key, g => (string?)g.Last().Value, StringComparer.Ordinal),
        Volumes = _mounts.Count == 0 ? null
            : [.. _mounts.Select(m => (VolumeMountRequest?)new VolumeMountRequest
            {
                Volume = m.Volume,
                Path = string.IsNullOrWhiteSpace(m.Path) ? null : m.Path.Trim(),
                ReadOnly = m.ReadOnly,
            })],
        ObjectStore = _objectStore == None ? null : _objectStore,
        EventLog = EventLogRequested(),
    };

    // Lifetimes in the field's unit: the validator's messages say "at most 168 hours", not the API's 7.00:00:00.
    private Outcome<ClusterSpec> Resolve() =>
        ClusterRequestValidator.Resolve(Request(), Options.Value, Access.Tenant.Policy, Hours);

    /// <summary>
    /// Problems by request field name (camelCase, as the service keys them): the validator's (an emptied worker count
    /// too, which the request would otherwise fill with the default), then what would not fit the quota, then the
    /// server's answer to the last attempt.
    /// </summary>
    internal Dictionary<string, string> Problems()
    {
        var problems = new Dictionary<string, string>(StringComparer.Ordinal);
        if (_workers is null)
            problems["workers"] = ClusterRequestValidator.WorkersProblem(null, Access.Tenant.Policy)!;
        var spec = Resolve();
        if (spec.Failure?.Errors is { } errors)
        {
            foreach (var (field, reasons) in errors)
                problems.TryAdd(field, string.Join(" ", reasons));
        }
        else if (spec.Value is { } valid)
        {
            // Against what the tenant has, by the service's own rule, so a read-write mount of a ReadOnlyMany volume
            // is called out before Create.
            foreach (var (field, reasons) in ClusterStorageRules.Check(valid.Volumes, valid.ObjectStore, valid.EventLog,
                         [.. _tenantVolumes], [.. _tenantStores], Access.Tenant.Slug))
                problems.TryAdd(field, string.Join(" ", reasons));
            foreach (var (field, reason) in Usage.WhyNotFits(valid))
                problems.TryAdd(field, reason);
        }

        foreach (var (field, reason) in _serverErrors)
            problems.TryAdd(field, reason);
        return problems;
    }

    // A quota problem shows at once wherever it lands: it is about the whole size, which any sizing field changes.
    private bool Shown(string key) =>
        _submitted || _touched.Contains(key) || _serverErrors.ContainsKey(key) || IsQuotaProblem(key);

    private bool IsQuotaProblem(string key) =>
        _workers is not null && Resolve().Value is { } valid && Usage.WhyNotFits(valid).ContainsKey(key);

    private string? ErrorOf(string field)
    {
        var key = JsonName(field);
        return Shown(key) && Problems().TryGetValue(key, out var problem) ? problem : null;
    }

    private string? ConfError(ConfRow row) =>
        row.Key is { } key && Problems().TryGetValue($"sparkConf[{key.Trim()}]", out var problem) && (_submitted || _touched.Contains("sparkConf"))
            ? problem
            : null;

    private void Touch(params string[] fields)
    {
        foreach (var field in fields)
        {
            var key = JsonName(field);
            _touched.Add(key);
            // The server's answer was about the value before this change.
            _serverErrors.Remove(key);
        }
    }

    private async Task SubmitAsync()
    {
        _submitted = true;
        _failure = null;
        _serverErrors = new Dictionary<string, string>(StringComparer.Ordinal);
        if (Problems().Count > 0)
            return;

        _sending = true;
        try
        {
            var outcome = await Clusters.CreateAsync(Access.Tenant.Slug, Request(), _idempotencyKey, CancellationToken.None);
            if (outcome.Value is { } created)
            {
                Dialog.Close(DialogResult.Ok(created.Cluster));
                return;
            }

            ShowFailure(outcome.Failure!);
        }
        catch (Exception exception) when (exception is not OperationCanceledException)
        {
            CreateFailed(Logger, exception, Access.Tenant.Slug);
            _failure = "The cluster could not be created. Try again in a moment.";
        }
        finally
        {
            _sending = false;
        }
    }

    /// <summary>Puts the service's refusal beside the field it concerns, or above the buttons when it concerns none.</summary>
    private void ShowFailure(Failure failure)
    {
        switch (failure)
        {
            case { Kind: FailureKind.Invalid, Errors: { } errors }:
                foreach (var (field, reasons) in errors)
                    _serverErrors[field] = string.Join(" ", reasons);
                break;
            case { Code: "name.taken" }:
                _serverErrors["name"] = failure.Detail ?? failure.Title;
                break;
            case { Quota: not null }:
                _serverErrors["quota"] = failure.Detail ?? failure.Title;
                break;
            default:
                _failure = failure.Detail ?? failure.Title;
                break;
        }
    }

    private void Cancel() => Dialog.Cancel();

    /// <summary>A lifetime as the time-to-live field takes it: "168 hours"; "0.17 hours (10 minutes)" when not whole.</summary>
    internal static string Hours(TimeSpan span)
    {
        var hours = span.TotalHours;
        if (hours == Math.Floor(hours))
            return hours == 1 ? "1 hour" : $"{hours.ToString("0", Invariant)} hours";
        return $"{hours.ToString("0.##", Invariant)} hours ({span.TotalMinutes.ToString("0", Invariant)} minutes)";
    }

    private static string JsonName(string field) => field.Length == 0 ? field : char.ToLowerInvariant(field[0]) + field[1..];

    /// <summary>One volume the cluster mounts, as the form edits it.</summary>
    private sealed class MountRow
    {
        public string? Volume { get; set; }

        // Empty: at the volume's name.
        public string? Path { get; set; }

        public bool ReadOnly { get; set; }
    }

    /// <summary>One editable spark-defaults.conf entry.</summary>
    private sealed class ConfRow
    {
        public string? Key { get; set; }

        public string? Value { get; set; }
    }

    [LoggerMessage(LogLevel.Warning, "Failed to list the volumes and object stores of tenant {Tenant}")]
    private static partial void StorageLoadFailed(ILogger logger, Exception exception, string tenant);

    [LoggerMessage(LogLevel.Error, "Failed to create a cluster in tenant {Tenant}")]
    private static partial void CreateFailed(ILogger logger, Exception exception, string tenant);
}
