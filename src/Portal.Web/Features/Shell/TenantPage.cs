namespace Portal.Web.Features.Shell;

/// <summary>
/// A page about the header's current tenant that changes it in place (storage, members): it loads when opened and
/// again when the header switches tenant, runs each change the same way (ChangeAsync), and knows people by name.
/// What the tenant's rows are and how a change is asked stay with the page; the services decide who may do what.
/// </summary>
public abstract partial class TenantPage : ComponentBase, IDisposable
{
    private readonly CancellationTokenSource _disposed = new();
    private ILogger? _logger;

    [Inject]
    private protected CurrentTenant Current { get; set; } = default!;

    [Inject]
    private protected Caller Caller { get; set; } = default!;

    [Inject]
    private protected UserDirectory Users { get; set; } = default!;

    [Inject]
    private protected ISnackbar Snackbar { get; set; } = default!;

    [Inject]
    private ILoggerFactory Loggers { get; set; } = default!;

    /// <summary>The page's own log category (its type's name), as an injected ILogger of the page would have.</summary>
    protected ILogger Logger => _logger ??= Loggers.CreateLogger(GetType());

    /// <summary>Cancelled when the page goes away (navigation or the circuit's end).</summary>
    protected CancellationToken Stopping => _disposed.Token;

    /// <summary>The current tenant and the caller's role in it; null when the caller belongs to none.</summary>
    protected TenantAccess? Access { get; private set; }

    protected bool Loading { get; private set; } = true;

    /// <summary>A change runs: its buttons are disabled until it and the reload after it are done.</summary>
    protected bool Busy { get; private set; }

    /// <summary>A refusal or load problem, shown above the tabs until closed.</summary>
    protected string? Message { get; set; }

    protected bool MayAdminister => Access is { Role: TenantRole.Admin } || Caller.IsPlatformAdmin;

    /// <summary>What the page shows of the tenant, in its messages and log: "storage", "members".</summary>
    protected abstract string Contents { get; }

    /// <summary>Subject → who it is, for the people the page has shown (it holds subjects).</summary>
    protected Dictionary<string, KnownUser> People { get; } = new(StringComparer.Ordinal);

    /// <summary>Forgets the rows and loads them again for <see cref="Access"/> (set just before; may be null).</summary>
    protected abstract Task LoadRowsAsync();

    /// <summary>Shows empty lists, beside a <see cref="Message"/> that says why.</summary>
    protected abstract void ShowNoRows();

    /// <summary>Forgets what was typed or refused for the tenant the header switched away from.</summary>
    protected virtual void ForgetInput()
    {
    }

    protected override async Task OnInitializedAsync()
    {
        Current.Changed += OnTenantChanged;
        await LoadAsync();
    }

    private void OnTenantChanged() => _ = InvokeAsync(async () =>
    {
        Message = null;
        ForgetInput();
        await LoadAsync();
        StateHasChanged();
    });

    private async Task LoadAsync()
    {
        try
        {
            Access = await Current.AccessAsync(Stopping);
            await LoadRowsAsync();
        }
        catch (Exception exception) when (exception is not OperationCanceledException)
        {
            LoadFailed(Logger, exception, Contents, Current.Slug);
            Message = Portal.Web.Data.DatabaseOutage.Explain(exception, $"The tenant's {Contents} could not be loaded. Try again in a moment.");
            ShowNoRows();
        }
        finally
        {
            Loading = false;
        }
    }

    /// <summary>A refusal while loading: said above the tabs, beside empty lists.</summary>
    protected void LoadRefused(Failure failure)
    {
        Message = failure.Detail ?? failure.Title;
        ShowNoRows();
    }

    /// <summary>
    /// Runs one change and reloads, so every row shows what the database holds (a refused role change snaps back).
    /// A refusal is shown once, above the tabs, where it stays until closed; an exception as a friendly toast,
    /// details to the log.
    /// </summary>
    protected async Task ChangeAsync(string action, Func<string, CancellationToken, Task<Failure?>> change)
    {
        if (Access is null)
            return;
        Busy = true;
        Message = null;
        try
        {
            if (await change(Access.Tenant.Slug, Stopping) is { } failure)
                Message = failure.Detail ?? failure.Title;

            await LoadAsync();
        }
        catch (Exception exception) when (exception is not OperationCanceledException)
        {
            ChangeFailed(Logger, exception, action, Access.Tenant.Slug);
            Snackbar.Add($"Could not {action}. Try again in a moment.", Severity.Error);
        }
        finally
        {
            Busy = false;
        }
    }

    /// <summary>
    /// ChangeAsync for a change that either happens or is refused: on success it says
    /// <paramref name="done"/> in a toast.
    /// </summary>
    protected Task ChangeAsync<T>(string action, Func<string, CancellationToken, Task<Outcome<T>>> change, string done) =>
        ChangeAsync(action, async (slug, ct) =>
        {
            var outcome = await change(slug, ct);
            if (outcome.Failure is null)
                Snackbar.Add(done, Severity.Success);
            return outcome.Failure;
        });

    /// <summary>Learns the names of <paramref name="subjects"/>, for those who have signed in.</summary>
    protected async Task LearnNamesAsync(IEnumerable<string> subjects)
    {
        foreach (var (subject, user) in await Users.NamesAsync(subjects, Stopping))
            People[subject] = user;
    }

    /// <summary>A subject's display name, or the subject itself for someone who has not signed in.</summary>
    protected string Name(string subject) => People.TryGetValue(subject, out var user) ? user.DisplayName : subject;

    public void Dispose()
    {
        Current.Changed -= OnTenantChanged;
        _disposed.Cancel();
        _disposed.Dispose();
        GC.SuppressFinalize(this);
    }

    [LoggerMessage(LogLevel.Error, "Failed to load the {Contents} of tenant {Tenant}")]
    private static partial void LoadFailed(ILogger logger, Exception exception, string contents, string? tenant);

    [LoggerMessage(LogLevel.Error, "Failed to {Action} in tenant {Tenant}")]
    private static partial void ChangeFailed(ILogger logger, Exception exception, string action, string tenant);
}
