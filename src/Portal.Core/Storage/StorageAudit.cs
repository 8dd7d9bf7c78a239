using System.Linq.Expressions;
using Microsoft.EntityFrameworkCore.Storage;

namespace Portal.Core.Storage;

/// <summary>
/// What the volume, object-store and history-server services share: who may change a tenant's storage, how their
/// actions and refusals reach the audit log, changes under the tenant's lock, and the delete of a volume or store.
/// </summary>
internal sealed class StorageAudit(IDbContextFactory<PortalDb> contexts, Caller caller)
{
    /// <summary>The caller's view of <paramref name="tenant"/>, or null when they are no member of it.</summary>
    public Task<TenantAccess?> AccessAsync(PortalDb db, string tenant, CancellationToken ct) =>
        TenantAccess.ForMemberAsync(db, caller, tenant, ct);

    /// <summary>
    /// Runs <paramref name="read"/> with the caller's view of <paramref name="tenant"/>; the same NotFound for a tenant
    /// that doesn't exist and one they aren't in. Reads are not audited.
    /// </summary>
    public async Task<Outcome<T>> ReadAsync<T>(string tenant, Func<PortalDb, TenantAccess, Task<Outcome<T>>> read, CancellationToken ct)
    {
        await using var db = await contexts.CreateDbContextAsync(ct);
        return await AccessAsync(db, tenant, ct) is { } access ? await read(db, access) : TenantNotFound(tenant);
    }

    /// <summary>The subject acting.</summary>
    public string Subject => caller.Subject;

    /// <summary>Adds an audit entry of this caller's to <paramref name="db"/>, saved with the change it describes.</summary>
    public void Record(PortalDb db, string action, Guid? tenantId, string target, AuditOutcome outcome, string? detail) =>
        db.Record(caller.Subject, action, outcome, tenantId, target, detail);

    /// <summary>Records <paramref name="failure"/> on its own connection and returns it.</summary>
    public Task<Failure> RefusedAsync(string action, Guid? tenantId, string target, Failure failure, CancellationToken ct) =>
        contexts.RecordRefusalAsync(caller.Subject, action, tenantId, target, failure, ct);

    /// <summary>Same answer for a tenant that doesn't exist and one the caller isn't in.</summary>
    public static Failure TenantNotFound(string tenant) =>
        new(FailureKind.NotFound, "Tenant not found.", $"No tenant '{tenant}' you are a member of.");

    /// <summary>Storage is given by the tenant's admins.</summary>
    public static Failure AdminsOnly(string tenant, string what) =>
        new(FailureKind.Forbidden, $"Only tenant admins may change {what}.", $"Your role in tenant '{tenant}' is not Admin.", Code: "storage.admins-only");

    /// <summary>Names of the live clusters (not yet Deleted) of the tenant for which <paramref name="uses"/> holds.</summary>
    public static async Task<List<string>> LiveClustersUsingAsync(PortalDb db, Guid tenantId, Func<ClusterSpec, bool> uses, CancellationToken ct)
    {
        // The spec's storage is JSON; a tenant has few live clusters, so they are filtered here rather than in SQL.
        var live = await db.Clusters.AsNoTracking()
            .Where(c => c.TenantId == tenantId && c.Status.Phase != ClusterPhase.Deleted)
            .ToListAsync(ct);
        return [.. live.Where(c => uses(c.Spec)).Select(c => c.Name).Order(StringComparer.Ordinal)];
    }

    /// <summary>
    /// Begins a change under the tenant's lock (a transaction); dispose it. Its refusals roll the change back before
    /// they are audited.
    /// </summary>
    public async Task<LockedChange> LockAsync(PortalDb db, string action, Guid tenantId, string target, CancellationToken ct)
    {
        var transaction = await db.Database.BeginTransactionAsync(ct);
        try
        {
            await db.LockTenantAsync(tenantId, ct);
        }
        catch
        {
            await transaction.DisposeAsync();
            throw;
        }

        return new LockedChange(this, transaction, action, tenantId, target, ct);
    }

    /// <summary>
    /// Deletes a volume or object store of <paramref name="tenant"/> as <paramref name="deletion"/> describes it.
    /// Under the tenant's lock, so a cluster created meanwhile is either seen here or refused for the missing object;
    /// refused for a missing object, a caller who is no tenant admin, and while a cluster that is not yet Deleted or
    /// the tenant's history server uses it.
    /// </summary>
    public async Task<Outcome<T>> DeleteAsync<T>(string tenant, StorageDeletion<T> deletion, TenantWrites writes, CancellationToken ct)
        where T : class
    {
        var action = deletion.Action;
        var target = Target(tenant, deletion.Kind, deletion.Name);
        await using var db = await contexts.CreateDbContextAsync(ct);
        if (await AccessAsync(db, tenant, ct) is not { } access)
            return await RefusedAsync(action, null, target, TenantNotFound(tenant), ct);

        await using var change = await LockAsync(db, action, access.Tenant.Id, target, ct);
        var item = await deletion.FindAsync(db, access.Tenant.Id, ct);
        if (item is null)
            return await change.RefuseAsync(deletion.NotFound);
        if (access.Role is not TenantRole.Admin)
            return await change.RefuseAsync(AdminsOnly(tenant, deletion.What));
        var users = await LiveClustersUsingAsync(db, access.Tenant.Id, deletion.UsedByCluster, ct);
        if (users.Count > 0)
            return await change.RefuseAsync(deletion.InUseByClusters(string.Join(", ", users)));
        if (await db.HistoryServers.Where(h => h.TenantId == access.Tenant.Id).AnyAsync(deletion.ReadByHistoryServer, ct))
            return await change.RefuseAsync(deletion.InUseByHistoryServer);

        db.Remove(item);
        Record(db, action, access.Tenant.Id, target, AuditOutcome.Succeeded, deletion.Detail(item));
        await db.SaveChangesAsync(ct);
        await change.CommitAsync();
        writes.Written(access.Tenant.Id);
        return item;
    }

    /// <summary>The audit target of a tenant's storage object.</summary>
    public static string Target(string tenant, string kind, string? name) => $"tenants/{tenant}/{kind}/{name}";
}

/// <summary>
/// A change of a tenant's storage under the tenant's lock (<see cref="StorageAudit.LockAsync"/>): commit it, or
/// refuse it, which rolls it back and audits the refusal on a connection of its own.
/// </summary>
internal sealed class LockedChange(
    StorageAudit audit, IDbContextTransaction transaction, string action, Guid tenantId, string target, CancellationToken ct)
    : IAsyncDisposable
{
    /// <summary>Rolls the change back, records <paramref name="failure"/> and returns it.</summary>
    public async Task<Failure> RefuseAsync(Failure failure)
    {
        await transaction.RollbackAsync(ct);
        return await audit.RefusedAsync(action, tenantId, target, failure, ct);
    }

    /// <summary>Commits what was saved and releases the tenant's lock.</summary>
    public Task CommitAsync() => transaction.CommitAsync(ct);

    /// <inheritdoc />
    public ValueTask DisposeAsync() => transaction.DisposeAsync();
}

/// <summary>What <see cref="StorageAudit.DeleteAsync"/> needs to know to delete one volume or object store.</summary>
/// <typeparam name="T">The row deleted.</typeparam>
/// <param name="Action">The audit action ("volume.delete").</param>
/// <param name="Kind">The kind in the audit target ("volumes").</param>
/// <param name="What">What only tenant admins may change, as a refusal says it ("volumes").</param>
/// <param name="Name">The object's name.</param>
/// <param name="FindAsync">The tenant's object of that name, tracked, or null.</param>
/// <param name="NotFound">The refusal when there is none.</param>
/// <param name="UsedByCluster">Whether a cluster's spec uses the object.</param>
/// <param name="ReadByHistoryServer">Whether the tenant's history server reads the object.</param>
/// <param name="InUseByClusters">The refusal naming the clusters (", "-separated) that use it.</param>
/// <param name="InUseByHistoryServer">The refusal while the history server reads it.</param>
/// <param name="Detail">The audit entry's detail of the deletion.</param>
internal sealed record StorageDeletion<T>(
    string Action,
    string Kind,
    string What,
    string Name,
    Func<PortalDb, Guid, CancellationToken, Task<T?>> FindAsync,
    Failure NotFound,
    Func<ClusterSpec, bool> UsedByCluster,
    Expression<Func<HistoryServer, bool>> ReadByHistoryServer,
    Func<string, Failure> InUseByClusters,
    Failure InUseByHistoryServer,
    Func<T, string?> Detail)
    where T : class;
