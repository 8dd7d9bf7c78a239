namespace Portal.Web.Features.Storage;

/// <summary>
/// Asks for an S3-compatible object store and registers it with <see cref="ObjectStoreService"/> (the rules of POST
/// /api/v1/tenants/{tenant}/object-stores). The secret key lives in this dialog only between typing and sending.
/// </summary>
public sealed partial class ObjectStoreDialog
{
    private string? _name;
    private string? _endpoint;
    private string? _region = ObjectStoreService.DefaultRegion;
    private string? _bucketPrefix;
    private bool _pathStyle;
    private string? _accessKeyId;
    private string? _secretKey;
    private bool _sending;
    private string? _failure;
    private IReadOnlyDictionary<string, string[]> _errors = new Dictionary<string, string[]>();

    [CascadingParameter]
    private IMudDialogInstance Dialog { get; set; } = default!;

    /// <summary>Slug of the tenant the store is for.</summary>
    [Parameter, EditorRequired]
    public string Tenant { get; set; } = "";

    /// <summary>Opens the dialog; the registered store, or null when cancelled.</summary>
    internal static async Task<ObjectStore?> ShowAsync(IDialogService dialogs, string tenant)
    {
        var parameters = new DialogParameters<ObjectStoreDialog> { { d => d.Tenant, tenant } };
        var options = new DialogOptions { MaxWidth = MaxWidth.Small, FullWidth = true, CloseOnEscapeKey = true };
        var dialog = await dialogs.ShowAsync<ObjectStoreDialog>(null, parameters, options);
        return await dialog.Result is { Canceled: false, Data: ObjectStore created } ? created : null;
    }

    private string? ErrorOf(string field) => _errors.TryGetValue(field, out var reasons) ? string.Join(" ", reasons) : null;

    private async Task SubmitAsync()
    {
        _failure = null;
        _errors = new Dictionary<string, string[]>();
        _sending = true;
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
        try
        {
            var outcome = await Stores.CreateAsync(Tenant, request, CancellationToken.None);
            if (outcome.Failure is { } failure)
            {
                (_errors, _failure) = Refusals.Split(failure);
                return;
            }

            Dialog.Close(DialogResult.Ok(outcome.Value!));
        }
        catch (Exception exception) when (exception is not OperationCanceledException)
        {
            RegisterFailed(Logger, exception, Tenant);
            Snackbar.Add(Portal.Web.Data.DatabaseOutage.Explain(exception, "The object store could not be registered. Try again in a moment."), Severity.Error);
        }
        finally
        {
            _sending = false;
        }
    }

    [LoggerMessage(LogLevel.Error, "Failed to register an object store in tenant {Tenant}")]
    private static partial void RegisterFailed(ILogger logger, Exception exception, string tenant);
}
