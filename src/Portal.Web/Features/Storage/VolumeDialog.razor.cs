namespace Portal.Web.Features.Storage;

/// <summary>
/// Asks for a new tenant volume and creates it with <see cref="VolumeService"/> (the rules of POST
/// /api/v1/tenants/{tenant}/volumes); field problems are shown beside their fields, and it closes with the volume.
/// </summary>
public sealed partial class VolumeDialog : StorageDialog
{
    private string? _name;
    private string? _size;
    private string? _storageClass;
    private VolumeAccessMode _accessMode = VolumeAccessMode.ReadWriteMany;

    /// <summary>Slug of the tenant the volume is for.</summary>
    [Parameter, EditorRequired]
    public string Tenant { get; set; } = "";

    /// <summary>Opens the dialog; the created volume, or null when cancelled.</summary>
    internal static Task<TenantVolume?> ShowAsync(IDialogService dialogs, string tenant) =>
        OpenAsync<VolumeDialog, TenantVolume>(dialogs, new() { { d => d.Tenant, tenant } });

    protected override void OnInitialized() => _storageClass = Options.Value.AllowedClasses[0];

    private static string AccessModeHelp(VolumeAccessMode mode) => mode switch
    {
        VolumeAccessMode.ReadWriteMany => "Every pod of a cluster reads and writes it, on any node",
        VolumeAccessMode.ReadWriteOnce => "Read-write from one node only: all pods that mount it must share that node",
        _ => "Read-only, from any number of nodes",
    };

    private Task SubmitAsync()
    {
        var request = new CreateVolumeRequest
        {
            Name = _name?.Trim(), Size = _size?.Trim(), StorageClass = _storageClass, AccessMode = _accessMode,
        };
        // A quota with no room, or a role or tenant that changed since the page loaded, goes above the buttons.
        return SendAsync(() => Volumes.CreateAsync(Tenant, request, CancellationToken.None),
            "The volume could not be created. Try again in a moment.", exception => CreateFailed(Logger, exception, Tenant));
    }

    [LoggerMessage(LogLevel.Error, "Failed to create a volume in tenant {Tenant}")]
    private static partial void CreateFailed(ILogger logger, Exception exception, string tenant);
}
