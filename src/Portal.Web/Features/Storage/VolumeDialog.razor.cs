namespace Portal.Web.Features.Storage;

/// <summary>
/// Asks for a new tenant volume and creates it with <see cref="VolumeService"/> (the rules of POST
/// /api/v1/tenants/{tenant}/volumes); field problems are shown beside their fields, and it closes with the volume.
/// </summary>
public sealed partial class VolumeDialog
{
    private string? _name;
    private string? _size;
    private string? _storageClass;
    private VolumeAccessMode _accessMode = VolumeAccessMode.ReadWriteMany;
    private bool _sending;
    private string? _failure;
    private IReadOnlyDictionary<string, string[]> _errors = new Dictionary<string, string[]>();

    [CascadingParameter]
    private IMudDialogInstance Dialog { get; set; } = default!;

    /// <summary>Slug of the tenant the volume is for.</summary>
    [Parameter, EditorRequired]
    public string Tenant { get; set; } = "";

    /// <summary>Opens the dialog; the created volume, or null when cancelled.</summary>
    internal static async Task<TenantVolume?> ShowAsync(IDialogService dialogs, string tenant)
    {
        var parameters = new DialogParameters<VolumeDialog> { { d => d.Tenant, tenant } };
        var options = new DialogOptions { MaxWidth = MaxWidth.Small, FullWidth = true, CloseOnEscapeKey = true };
        var dialog = await dialogs.ShowAsync<VolumeDialog>(null, parameters, options);
        return await dialog.Result is { Canceled: false, Data: TenantVolume created } ? created : null;
    }

    protected override void OnInitialized() => _storageClass = Options.Value.AllowedClasses[0];

    private string? ErrorOf(string field) => _errors.TryGetValue(field, out var reasons) ? string.Join(" ", reasons) : null;

    private static string AccessModeHelp(VolumeAccessMode mode) => mode switch
    {
        VolumeAccessMode.ReadWriteMany => "Every pod of a cluster reads and writes it, on any node",
        VolumeAccessMode.ReadWriteOnce => "Read-write from one node only: all pods that mount it must share that node",
        _ => "Read-only, from any number of nodes",
    };

    private async Task SubmitAsync()
    {
        _failure = null;
        _errors = new Dictionary<string, string[]>();
        _sending = true;
        try
        {
            var request = new CreateVolumeRequest
            {
                Name = _name?.Trim(), Size = _size?.Trim(), StorageClass = _storageClass, AccessMode = _accessMode,
            };
            var outcome = await Volumes.CreateAsync(Tenant, request, CancellationToken.None);
            // A quota with no room, or a role or tenant that changed since the page loaded, goes above the buttons.
            if (outcome.Failure is { } failure)
            {
                (_errors, _failure) = Refusals.Split(failure);
                return;
            }

            Dialog.Close(DialogResult.Ok(outcome.Value!));
        }
        catch (Exception exception) when (exception is not OperationCanceledException)
        {
            CreateFailed(Logger, exception, Tenant);
            Snackbar.Add(Portal.Web.Data.DatabaseOutage.Explain(exception, "The volume could not be created. Try again in a moment."), Severity.Error);
        }
        finally
        {
            _sending = false;
        }
    }

    [LoggerMessage(LogLevel.Error, "Failed to create a volume in tenant {Tenant}")]
    private static partial void CreateFailed(ILogger logger, Exception exception, string tenant);
}
