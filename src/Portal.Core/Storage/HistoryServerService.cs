using Microsoft.Extensions.Options;

namespace Portal.Core.Storage;

/// <summary>A running history server a caller may open, and where it runs.</summary>
/// <param name="Server">The history server, Running.</param>
/// <param name="Tenant">The tenant's slug.</param>
/// <param name="Namespace">The tenant's namespace.</param>
public sealed record HistoryDoor(HistoryServer Server, string Tenant, string Namespace);

/// <summary>
/// The tenant's history server: any member or admin starts and stops it, anyone of the tenant opens it; it reads a
/// tenant volume or object store. Every start and stop appends to the audit log; the reconciler stops it when idle.
/// </summary>
public sealed class HistoryServerService(
    IDbContextFactory<PortalDb> contexts, Caller caller, IOptions<ClusterOptions> clusters, TimeProvider time, TenantWrites writes)
{
    /// <summary>Shortest idle timeout.</summary>
    public static readonly TimeSpan MinIdleTimeout = TimeSpan.FromMinutes(5);

    /// <summary>Longest idle timeout.</summary>
    public static readonly TimeSpan MaxIdleTimeout = TimeSpan.FromHours(24);

    /// <summary>Idle timeout of a start that names none.</summary>
    public static readonly TimeSpan DefaultIdleTimeout = TimeSpan.FromHours(1);

    /// <summary>How stale the last-opened time may get before an open writes it again: one write a minute at most.</summary>
    static readonly TimeSpan OpenedResolution = TimeSpan.FromMinutes(1);

    readonly StorageAudit _audit = new(contexts, caller);

    /// <summary>The tenant's history server; NotFound when none runs.</summary>
    public Task<Outcome<HistoryServer>> GetAsync(string tenant, CancellationToken ct) =>
        _audit.ReadAsync<HistoryServer>(tenant, async (db, access) =>
            await db.HistoryServers.AsNoTracking().SingleOrDefaultAsync(h => h.TenantId == access.Tenant.Id, ct) is { } server
                ? server
                : NotRunning(tenant), ct);

    /// <summary>
    /// Starts the tenant's history server; one already started is a conflict (stop it first to read elsewhere), and so
    /// is one whose pod the tenant's quota has no room for beside its clusters.
    /// </summary>
    public async Task<Outcome<HistoryServer>> StartAsync(string tenant, StartHistoryServerRequest request, CancellationToken ct)
    {
        ArgumentNullException.ThrowIfNull(request);
        const string action = "historyserver.start";
        var target = StorageAudit.Target(tenant, "history-server", null).TrimEnd('/');
        await using var db = await contexts.CreateDbContextAsync(ct);
        if (await _audit.AccessAsync(db, tenant, ct) is not { } access)
            return await _audit.RefusedAsync(action, null, target, StorageAudit.TenantNotFound(tenant), ct);
        if (access.Role is not >= TenantRole.Member)
            return await _audit.RefusedAsync(action, access.Tenant.Id, target,
                new Failure(FailureKind.Forbidden, "Viewers may not start the history server.", $"Your role in tenant '{tenant}' is Viewer."), ct);

        var errors = new Dictionary<string, string[]>(StringComparer.Ordinal);
        var source = Source(request, errors);
        var idle = request.IdleTimeout ?? DefaultIdleTimeout;
        if (idle < MinIdleTimeout || idle > MaxIdleTimeout)
            errors["idleTimeout"] = [$"Must be from {MinIdleTimeout:c} to {MaxIdleTimeout:c}."];
        if (source is not null)
        {
            var volumes = await db.Volumes.AsNoTracking().Where(v => v.TenantId == access.Tenant.Id).ToListAsync(ct);
            var stores = await db.ObjectStores.AsNoTracking().Where(s => s.TenantId == access.Tenant.Id).ToListAsync(ct);
            if (source.Volume is { } volume && volumes.All(v => v.Name != volume))
                errors["volume"] = [$"Tenant '{tenant}' has no volume '{volume}'."];
            if (source.ObjectStore is { } name && stores.FirstOrDefault(s => s.Name == name) is var store)
            {
                if (store is null)
                    errors["objectStore"] = [$"Tenant '{tenant}' has no object store '{name}'."];
                else if (!VolumeRules.IsUnder(source.Path, store.BucketPrefix))
                    errors["path"] = [$"Must be under the object store's bucket prefix '{store.BucketPrefix}'."];
            }
        }

        if (errors.Count > 0)
            return await _audit.RefusedAsync(action, access.Tenant.Id, target, Failure.Invalid(errors), ct);

        // Under the tenant's lock, as cluster admission: its pod counts in the quota the clusters share.
        await using var change = await _audit.LockAsync(db, action, access.Tenant.Id, target, ct);

        if (await db.HistoryServers.AnyAsync(h => h.TenantId == access.Tenant.Id, ct))
            return await change.RefuseAsync(AlreadyRunning(tenant));

        var now = time.GetUtcNow();
        var server = new HistoryServer
        {
            TenantId = access.Tenant.Id,
            Source = source!,
            Image = clusters.Value.DefaultImage.Image,
            IdleTimeout = idle,
            StartedBy = _audit.Subject,
            StartedAt = now,
            LastOpenedAt = now,
        };
        var row = await db.Tenants.AsNoTracking().SingleAsync(t => t.Id == access.Tenant.Id, ct);
        var live = await db.Clusters.AsNoTracking()
            .Where(c => c.TenantId == access.Tenant.Id && c.Status.Phase != ClusterPhase.Deleted)
            .ToListAsync(ct);
        if (ClusterAdmission.CheckHistoryServer(row, live, server) is { } full)
            return await change.RefuseAsync(full);

        db.HistoryServers.Add(server);
        _audit.Record(db, action, access.Tenant.Id, target, AuditOutcome.Succeeded,
            $"{(source!.Volume is { } v ? $"volume={v}" : $"objectStore={source.ObjectStore}")} path={source.Path} idleTimeout={idle:c}");
        try
        {
            await db.SaveChangesAsync(ct);
            await change.CommitAsync();
        }
        catch (DbUpdateException) when (!ct.IsCancellationRequested)
        {
            // The unique index on the tenant: another start got there first.
            return await change.RefuseAsync(AlreadyRunning(tenant));
        }

        writes.Written(access.Tenant.Id);
        return server;
    }

    /// <summary>Stops the tenant's history server; its event logs stay where they are.</summary>
    public async Task<Outcome<HistoryServer>> StopAsync(string tenant, CancellationToken ct)
    {
        const string action = "historyserver.stop";
        var target = StorageAudit.Target(tenant, "history-server", null).TrimEnd('/');
        await using var db = await contexts.CreateDbContextAsync(ct);
        if (await _audit.AccessAsync(db, tenant, ct) is not { } access)
            return await _audit.RefusedAsync(action, null, target, StorageAudit.TenantNotFound(tenant), ct);
        var server = await db.HistoryServers.SingleOrDefaultAsync(h => h.TenantId == access.Tenant.Id, ct);
        if (server is null)
            return await _audit.RefusedAsync(action, access.Tenant.Id, target, NotRunning(tenant), ct);
        if (access.Role is not >= TenantRole.Member)
            return await _audit.RefusedAsync(action, access.Tenant.Id, target,
                new Failure(FailureKind.Forbidden, "Viewers may not stop the history server.", $"Your role in tenant '{tenant}' is Viewer."), ct);

        db.HistoryServers.Remove(server);
        _audit.Record(db, action, access.Tenant.Id, target, AuditOutcome.Succeeded, null);
        await db.SaveChangesAsync(ct);
        writes.Written(access.Tenant.Id);
        return server;
    }

    /// <summary>
    /// The running history server of <paramref name="tenant"/> for any of its members (viewers too: it only shows what
    /// ran), marking it opened. NotFound for another tenant's as for none; Conflict naming the phase while it isn't Running.
    /// </summary>
    public async Task<Outcome<HistoryDoor>> OpenAsync(string tenant, CancellationToken ct)
    {
        await using var db = await contexts.CreateDbContextAsync(ct);
        if (await _audit.AccessAsync(db, tenant, ct) is not { } access)
            return StorageAudit.TenantNotFound(tenant);
        var server = await db.HistoryServers.SingleOrDefaultAsync(h => h.TenantId == access.Tenant.Id, ct);
        if (server is null)
            return NotRunning(tenant);
        if (server.Phase != HistoryServerPhase.Running)
            return new Failure(FailureKind.Conflict, $"The history server is {server.Phase}, not Running.",
                server.Message ?? $"Tenant '{tenant}''s history server is {server.Phase}; try again in a moment.", Code: "history.not-running");

        var now = time.GetUtcNow();
        if (now - server.LastOpenedAt >= OpenedResolution)
        {
            server.LastOpenedAt = now;
            try
            {
                await db.SaveChangesAsync(ct);
            }
            catch (DbUpdateConcurrencyException)
            {
                // The reconciler wrote its phase meanwhile; the next open records the time.
            }
        }

        return new HistoryDoor(server, tenant, access.Tenant.Namespace);
    }

    static EventLogSpec? Source(StartHistoryServerRequest request, Dictionary<string, string[]> errors)
    {
        if ((request.Volume is null) == (request.ObjectStore is null))
        {
            errors["volume"] = ["Name exactly one of volume and objectStore."];
            return null;
        }

        if (request.Volume is { } volume)
        {
            var path = request.Path ?? ClusterStorageRules.DefaultEventLogPath;
            var problem = KubernetesNames.Problem(volume, VolumeRules.MaxNameLength) ?? null;
            if (problem is not null)
                errors["volume"] = [problem];
            if (VolumeRules.PathProblem(path) is { } pathProblem)
                errors["path"] = [pathProblem];
            return errors.Count > 0 ? null : new EventLogSpec(volume, null, path);
        }

        if (KubernetesNames.Problem(request.ObjectStore, VolumeRules.MaxNameLength) is { } storeProblem)
            errors["objectStore"] = [storeProblem];
        if (VolumeRules.BucketPrefixProblem(request.Path) is { } bucketProblem)
            errors["path"] = [bucketProblem];
        return errors.Count > 0 ? null : new EventLogSpec(null, request.ObjectStore, request.Path!);
    }

    static Failure NotRunning(string tenant) =>
        new(FailureKind.NotFound, "No history server runs.", $"Tenant '{tenant}' has no history server; start one.");

    static Failure AlreadyRunning(string tenant) =>
        new(FailureKind.Conflict, "The history server runs already.", $"Tenant '{tenant}' has a history server; stop it to start one that reads elsewhere.",
            Code: "history.running");
}
