namespace Portal.Web.Features.Shell;

/// <summary>
/// A dialog that sends one form: it opens at the portal's form size, shows problems with a field beside that field
/// (<see cref="ErrorOf"/>) and anything else above its buttons (<see cref="Problem"/>), and disables its button while
/// a send runs (<see cref="Sending"/>). What is sent, and how a refusal splits, stays with the dialog.
/// </summary>
public abstract class FormDialog : ComponentBase
{
    private static readonly DialogOptions Options = new() { MaxWidth = MaxWidth.Small, FullWidth = true, CloseOnEscapeKey = true };

    [CascadingParameter]
    private protected IMudDialogInstance Dialog { get; set; } = default!;

    /// <summary>A send runs: the submit button is disabled and says so.</summary>
    protected bool Sending { get; private set; }

    /// <summary>A problem that is no one field's, shown above the buttons.</summary>
    protected string? Problem { get; set; }

    /// <summary>Reasons keyed by the request's field name, shown beside their fields.</summary>
    protected IReadOnlyDictionary<string, string[]> Errors { get; set; } = new Dictionary<string, string[]>();

    protected string? ErrorOf(string field) => Errors.TryGetValue(field, out var reasons) ? string.Join(" ", reasons) : null;

    /// <summary>Opens <typeparamref name="TDialog"/>; what it closed with, or null when cancelled.</summary>
    private protected static async Task<TResult?> OpenAsync<TDialog, TResult>(IDialogService dialogs, DialogParameters<TDialog> parameters)
        where TDialog : FormDialog
        where TResult : class
    {
        var dialog = await dialogs.ShowAsync<TDialog>(null, parameters, Options);
        return await dialog.Result is { Canceled: false, Data: TResult result } ? result : null;
    }

    /// <summary>
    /// Runs <paramref name="send"/> once, after forgetting the last answer's problems; an exception other than a
    /// cancellation goes to <paramref name="failed"/> instead of tearing down the circuit.
    /// </summary>
    protected async Task SendAsync(Func<Task> send, Action<Exception> failed)
    {
        Problem = null;
        Errors = new Dictionary<string, string[]>();
        Sending = true;
        try
        {
            await send();
        }
        catch (Exception exception) when (exception is not OperationCanceledException)
        {
            failed(exception);
        }
        finally
        {
            Sending = false;
        }
    }
}
