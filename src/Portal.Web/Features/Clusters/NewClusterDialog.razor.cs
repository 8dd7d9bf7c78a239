using System.Globalization;
using Microsoft.AspNetCore.Components;
using MudBlazor;
using Portal.Core.Clusters;
using Portal.Core.Tenants;
using Portal.Web.Features.Usage;

namespace Portal.Web.Features.Clusters;

/// <summary>
/// Asks for a new cluster. Checks the request with the same <see cref="ClusterRequestValidator"/> the service runs and
/// against what is left of the quota before anything is sent; the service's own refusals land beside their field.
/// </summary>
public partial class NewClusterDialog
{
    private static readonly IFormatProvider Invariant = CultureInfo.InvariantCulture;

    // One key per opened dialog: a double click or a retry after a lost answer creates one cluster, not two.
    private readonly string _idempotencyKey = $"ui-{Guid.NewGuid():N}";
    private readonly List<ConfRow> _conf = [];
    private Dictionary<string, string> _serverErrors = new(StringComparer.Ordinal);
    private bool _submitted;
    private bool _sending;
    private string? _failure;

    private string? _name;
    private string? _image;
    private int _workers;
    private string? _workerCores;
    private string? _workerMemory;
    private double _hours;
    private bool _sparkConnect;

    [CascadingParameter]
    private IMudDialogInstance Dialog { get; set; } = default!;

    /// <summary>The tenant the cluster goes into, with the caller's role.</summary>
    [Parameter, EditorRequired]
    public TenantAccess Access { get; set; } = default!;

    /// <summary>The tenant's clusters, for what is left of the quota.</summary>
    [Parameter, EditorRequired]
    public IReadOnlyList<Cluster> Existing { get; set; } = [];

    internal TenantUsage Usage => TenantUsage.Of(Access.Tenant, Existing);

    private IReadOnlyList<SparkImage> Images => Options.Value.Catalogue;

    private SparkImage? SelectedImage => _image is null ? null : Options.Value.Find(_image);

    // Only what the chosen image can run: the switch is off and disabled for an image without Connect, and the
    // user's own choice comes back when they pick a Spark 4 image again.
    private bool ConnectOffered => SelectedImage?.SparkConnect == true;

    private bool SparkConnect => _sparkConnect && ConnectOffered;

    // Sized even before the name is valid: the figures help choose the size first.
    private (decimal Cpu, decimal Memory, int Pods) Demand =>
        ClusterRequestValidator.Resolve(Request() with { Name = "preview" }, Options.Value, Access.Tenant.Policy).Value is { } spec
            ? TenantUsage.Demand(spec)
            : default;

    // The tenant's own sizes (its policy keeps them within its worker limit).
    private IReadOnlyList<ClusterPreset> Presets => Access.Tenant.Policy.Presets;

    /// <summary>Opens the dialog; the created cluster, or null when cancelled.</summary>
    internal static async Task<Cluster?> ShowAsync(IDialogService dialogs, TenantAccess access, IReadOnlyList<Cluster> existing)
    {
        var parameters = new DialogParameters<NewClusterDialog>
        {
            { d => d.Access, access },
            { d => d.Existing, existing },
        };
        var options = new DialogOptions { MaxWidth = MaxWidth.Medium, FullWidth = true, CloseOnEscapeKey = true };
        var dialog = await dialogs.ShowAsync<NewClusterDialog>(null, parameters, options);
        var result = await dialog.Result;
        return result is { Canceled: false, Data: Cluster created } ? created : null;
    }

    protected override void OnInitialized()
    {
        var defaults = Options.Value.Defaults;
        _image = Options.Value.DefaultImage.Image;
        _workers = Math.Min(defaults.Workers, Access.Tenant.Policy.MaxWorkersPerCluster);
        _workerCores = defaults.WorkerCores;
        _workerMemory = defaults.WorkerMemory;
        _sparkConnect = defaults.SparkConnect;
        _hours = Access.Tenant.Policy.DefaultTimeToLive.TotalHours;
    }

    private void Apply(ClusterPreset preset)
    {
        _workers = preset.Workers;
        _workerCores = preset.WorkerCores;
        _workerMemory = preset.WorkerMemory;
    }

    internal CreateClusterRequest Request() => new()
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
    };

    private Outcome<ClusterSpec> Resolve() => ClusterRequestValidator.Resolve(Request(), Options.Value, Access.Tenant.Policy);

    /// <summary>
    /// Problems by request field name (camelCase, as the service keys them): the validator's, then what would not fit
    /// the quota, then the server's answer to the last attempt. Shown once the user has tried to create, or as they type
    /// in a field they touched after that.
    /// </summary>
    internal Dictionary<string, string> Problems()
    {
        var problems = new Dictionary<string, string>(StringComparer.Ordinal);
        var spec = Resolve();
        if (spec.Failure?.Errors is { } errors)
        {
            foreach (var (field, reasons) in errors)
                problems[field] = string.Join(" ", reasons);
        }
        else if (spec.Value is { } valid)
        {
            foreach (var (field, reason) in Usage.WhyNotFits(valid))
                problems.TryAdd(field, reason);
        }

        foreach (var (field, reason) in _serverErrors)
            problems.TryAdd(field, reason);
        return problems;
    }

    private string? ErrorOf(string field)
    {
        if (!_submitted)
            return null;
        var key = JsonName(field);
        return Problems().TryGetValue(key, out var problem) ? problem : null;
    }

    private string? ConfError(ConfRow row) =>
        row.Key is { } key && _submitted && Problems().TryGetValue($"sparkConf[{key.Trim()}]", out var problem) ? problem : null;

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

    private static string JsonName(string field) => field.Length == 0 ? field : char.ToLowerInvariant(field[0]) + field[1..];

    /// <summary>One editable spark-defaults.conf entry.</summary>
    private sealed class ConfRow
    {
        public string? Key { get; set; }

        public string? Value { get; set; }
    }

    [LoggerMessage(LogLevel.Error, "Failed to create a cluster in tenant {Tenant}")]
    private static partial void CreateFailed(ILogger logger, Exception exception, string tenant);
}
