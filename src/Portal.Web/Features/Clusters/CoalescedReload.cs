namespace Portal.Web.Features.Clusters;

/// <summary>
/// Reloads a page when the change loop says its clusters changed. Requests arrive on the change loop's thread; the
/// reload runs on the component's renderer, and requests arriving while one runs fold into one more reload rather
/// than queueing one each.
/// </summary>
/// <param name="invokeAsync">The component's InvokeAsync, to hop onto its renderer.</param>
/// <param name="load">Loads the page's data.</param>
/// <param name="render">Re-renders the page after each load (the component's StateHasChanged).</param>
/// <param name="stopping">Cancelled when the component goes away.</param>
internal sealed class CoalescedReload(Func<Func<Task>, Task> invokeAsync, Func<Task> load, Action render, CancellationToken stopping)
{
    private int _pending;

    public void Request()
    {
        if (Interlocked.Increment(ref _pending) > 1)
            return;
        _ = invokeAsync(async () =>
        {
            do
            {
                Volatile.Write(ref _pending, 1);
                await load();
                render();
            }
            while (Interlocked.Decrement(ref _pending) > 0 && !stopping.IsCancellationRequested);
        });
    }
}
