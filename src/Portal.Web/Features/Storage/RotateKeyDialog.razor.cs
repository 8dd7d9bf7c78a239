namespace Portal.Web.Features.Storage;

/// <summary>
/// Asks for an object store's new key and rotates it with <see cref="ObjectStoreService.RotateAsync"/> at the version
/// the page showed, so a rotation made meanwhile by someone else is refused rather than overwritten.
/// </summary>
public sealed partial class RotateKeyDialog : StorageDialog
{
    private string? _secretKey;
    private string? _accessKeyId;

    /// <summary>Slug of the store's tenant.</summary>
    [Parameter, EditorRequired]
    public string Tenant { get; set; } = "";

    /// <summary>The store's name.</summary>
    [Parameter, EditorRequired]
    public string Name { get; set; } = "";

    /// <summary>The Secret that holds its key.</summary>
    [Parameter, EditorRequired]
    public string SecretName { get; set; } = "";

    /// <summary>Its current access key id, kept when no new one is given.</summary>
    [Parameter, EditorRequired]
    public string AccessKeyId { get; set; } = "";

    /// <summary>Its version as the page showed it: the rotation's precondition.</summary>
    [Parameter, EditorRequired]
    public long Version { get; set; }

    /// <summary>Opens the dialog; the rotated store, or null when cancelled.</summary>
    internal static Task<ObjectStore?> ShowAsync(IDialogService dialogs, string tenant, ObjectStoreView store) =>
        OpenAsync<RotateKeyDialog, ObjectStore>(dialogs, new()
        {
            { d => d.Tenant, tenant }, { d => d.Name, store.Name }, { d => d.SecretName, store.SecretName },
            { d => d.AccessKeyId, store.AccessKeyId }, { d => d.Version, store.Version },
        });

    private Task SubmitAsync()
    {
        var request = new RotateObjectStoreKeyRequest
        {
            SecretKey = _secretKey,
            AccessKeyId = string.IsNullOrWhiteSpace(_accessKeyId) ? null : _accessKeyId.Trim(),
        };
        // Before the call, so no answer, refusal or exception leaves the key in the rendered field.
        _secretKey = null;
        // Stale (PreconditionFailed) says to read it again: closing and reopening from the page does.
        return SendAsync(() => Stores.RotateAsync(Tenant, Name, request, Version, CancellationToken.None),
            "The key could not be rotated. Try again in a moment.", exception => RotateFailed(Logger, exception, Name, Tenant));
    }

    [LoggerMessage(LogLevel.Error, "Failed to rotate the key of object store {Store} in tenant {Tenant}")]
    private static partial void RotateFailed(ILogger logger, Exception exception, string store, string tenant);
}
