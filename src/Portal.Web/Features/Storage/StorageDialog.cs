using Portal.Web.Features.Shell;

namespace Portal.Web.Features.Storage;

/// <summary>
/// A storage dialog that sends one request to a storage service: it closes with what the service made, shows a
/// refusal as <see cref="Refusals"/> splits it, and an exception as a toast (details to the dialog's log).
/// </summary>
public abstract class StorageDialog : FormDialog
{
    [Inject]
    private ISnackbar Snackbar { get; set; } = default!;

    /// <param name="send">The service call.</param>
    /// <param name="failedText">The toast for an exception, unless the database is known to be down.</param>
    /// <param name="logFailure">Logs the exception with what the dialog was doing.</param>
    protected Task SendAsync<T>(Func<Task<Outcome<T>>> send, string failedText, Action<Exception> logFailure) =>
        SendAsync(async () =>
        {
            var outcome = await send();
            if (outcome.Failure is { } failure)
            {
                (Errors, Problem) = Refusals.Split(failure);
                return;
            }

            Dialog.Close(DialogResult.Ok(outcome.Value!));
        }, exception =>
        {
            logFailure(exception);
            Snackbar.Add(Portal.Web.Data.DatabaseOutage.Explain(exception, failedText), Severity.Error);
        });
}
