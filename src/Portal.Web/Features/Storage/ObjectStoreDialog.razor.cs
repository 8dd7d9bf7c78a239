namespace Portal.Web.Features.Storage;

/// <summary>
/// Asks for an S3-compatible object store and registers it with <see cref="ObjectStoreService"/> (the rules of POST
/// /api/v1/tenants/{tenant}/object-stores). The secret key lives in this dialog only between typing and sending.
/// </summary>
public sealed partial class ObjectStoreDialog : StorageDialog
{
    private string? _name;
    private string? _endpoint;
    private string? _region = ObjectStoreService.DefaultRegion;
    private string? _bucketPrefix;
    private bool _pathStyle;
    private string? _accessKeyId;
    private string? _secretKey;

    /// <summary>Slug of the tenant the store is for.</summary>
    [Parameter, EditorRequired]
    public string Tenant { get; set; } = "";

    /// <summary>Opens the dialog; the registered store, or null when cancelled.</summary>
    internal static Task<ObjectStore?> ShowAsync(IDialogService dialogs, string tenant) =>
        OpenAsync<ObjectStoreDialog, ObjectStore>(dialogs, new() { { d => d.Tenant, tenant } });

    private Task SubmitAsync()
    {
        var request = new CreateObjectStoreRequest
        {
            Name = _name?.Trim(),
            Endpoint = _endpoint?.Trim(),
            Region = string.IsNullOrWhiteSpace(_region) ? null : _region.Trim(),
            BucketPrefix = _bucketPrefix?.Trim(),
            PathStyleAccess = _pathStyle,
            AccessKeyId = _accessKeyId?.Trim(),
            SecretKey = _secretKey,
        };
        // Before the call, so no answer, refusal or exception leaves the key in the rendered field.
        _secretKey = null;
        return SendAsync(() => Stores.CreateAsync(Tenant, request, CancellationToken.None),
            "The object store could not be registered. Try again in a moment.", exception => RegisterFailed(Logger, exception, Tenant));
    }

    [LoggerMessage(LogLevel.Error, "Failed to register an object store in tenant {Tenant}")]
    private static partial void RegisterFailed(ILogger logger, Exception exception, string tenant);
}
