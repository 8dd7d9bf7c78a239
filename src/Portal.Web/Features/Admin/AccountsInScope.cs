namespace Portal.Web.Features.Admin;

/// <summary>
/// Runs one <see cref="Accounts"/> operation in a scope of its own, for the Users page and its dialog: a circuit lives
/// for hours, and Identity's store in the circuit's scope would hand back accounts it read long ago (a lockout set by a
/// sign-in since would go unseen).
/// </summary>
internal sealed class AccountsInScope(IServiceScopeFactory scopes)
{
    public async Task<T> RunAsync<T>(Func<Accounts, Task<T>> operation)
    {
        ArgumentNullException.ThrowIfNull(operation);
        await using var scope = scopes.CreateAsyncScope();
        return await operation(scope.ServiceProvider.GetRequiredService<Accounts>());
    }
}
