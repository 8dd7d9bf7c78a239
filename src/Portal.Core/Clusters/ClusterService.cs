using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;
using Portal.Core.Storage;

namespace Portal.Core.Clusters;

/// <summary>A cluster just asked for, or the one an earlier request with the same Idempotency-Key created.</summary>
/// <param name="Cluster">The cluster.</param>
/// <param name="Replayed">True when nothing was created because the key had been used for this request before.</param>
public sealed record ClusterCreated(Cluster Cluster, bool Replayed);

/// <summary>What a caller reaches a running cluster through the portal for.</summary>
public enum ClusterEntry
{
    /// <summary>The master's, workers' and applications' web UIs.</summary>
    SparkUi,

    /// <summary>A Spark Connect session: running code on the cluster.</summary>
    SparkConnect,
}

/// <summary>A running cluster the caller may reach, and where it runs.</summary>
/// <param name="Cluster">The cluster, Running.</param>
/// <param name="Tenant">The tenant's slug.</param>
/// <param name="TenantId">The tenant's id.</param>
/// <param name="Namespace">The tenant's Kubernetes namespace.</param>
public sealed record ClusterDoor(Cluster Cluster, string Tenant, Guid TenantId, string Namespace);

/// <summary>
/// Everything a caller may do with clusters, for the REST API and the Blazor pages alike. Every operation is scoped
/// to a tenant the <see cref="Caller"/> belongs to and appends to the audit log, whether it succeeds or not.
/// </summary>
/// <remarks>
/// Uses a short-lived <see cref="PortalDb"/> per operation from the factory, so one instance can serve a
/// long-lived Blazor circuit as well as a request. Writes only the desired state (spec, deletion request) and the
/// phase a request implies (Requested, Deleting); the reconciler owns the rest of <see cref="ClusterStatus"/>.
/// Every committed change is announced on <see cref="ClusterWrites"/>, so the provisioning leader in this process
/// starts on it at once rather than at its next database poll.
/// </remarks>
public sealed partial class ClusterService(
    IDbContextFactory<PortalDb> contexts,
    Caller caller,
    IOptions<ClusterOptions> options,
    TimeProvider time,
    ClusterWrites writes,
    ILogger<ClusterService> logger)
{
    /// <summary>Longest Idempotency-Key accepted; the column is 128 characters.</summary>
    public const int MaxIdempotencyKeyLength = 128;

    /// <summary>Largest page number; beyond it paging arithmetic would overflow long before anyone gets there.</summary>
    public const int MaxPage = 100_000;

    /// <summary>A page of the tenant's clusters, ordered by name, optionally only those in one phase.</summary>
    public async Task<Outcome<ClusterPage>> ListAsync(string tenant, ClusterQuery query, CancellationToken ct)
    {
        ArgumentNullException.ThrowIfNull(query);
        if (query.Page is < 1 or > MaxPage)
            return Failure.Invalid("page", $"Must be from 1 to {MaxPage}.");
        if (query.PageSize is < 1 or > ClusterQuery.MaxPageSize)
            return Failure.Invalid("pageSize", $"Must be from 1 to {ClusterQuery.MaxPageSize}.");

        await using var db = await contexts.CreateDbContextAsync(ct);
        if (await TenantAccess.ForMemberAsync(db, caller, tenant, ct) is not { } access)
            return TenantNotFound(tenant);

        var clusters = db.Clusters.AsNoTracking().Where(c => c.TenantId == access.Tenant.Id);
        if (query.Phase is { } phase)
            clusters = clusters.Where(c => c.Status.Phase == phase);

        var total = await clusters.CountAsync(ct);
        var items = await clusters
            .OrderBy(c => c.Name)
            .Skip((query.Page - 1) * query.PageSize)
            .Take(query.PageSize)
            .ToListAsync(ct);
        return new ClusterPage(items, query.Page, query.PageSize, total);
    }

    /// <summary>One cluster of the tenant, including one being or already deleted.</summary>
    public Task<Outcome<Cluster>> GetAsync(string tenant, string name, CancellationToken ct) =>
        GetAsync(tenant, (clusters, tenantId) => Named(clusters, tenantId, name), () => ClusterNotFound(tenant, name), ct);

    /// <summary>
    /// One cluster of the tenant by its id, which stays the cluster's for good: the way to a Deleted cluster whose
    /// name a newer cluster took.
    /// </summary>
    public Task<Outcome<Cluster>> GetAsync(string tenant, Guid id, CancellationToken ct) =>
        GetAsync(tenant, (clusters, tenantId) => WithId(clusters, tenantId, id), () => ClusterNotFound(tenant, id), ct);

    private async Task<Outcome<Cluster>> GetAsync(
        string tenant, Func<IQueryable<Cluster>, Guid, IQueryable<Cluster>> find, Func<Failure> notFound, CancellationToken ct)
    {
        await using var db = await contexts.CreateDbContextAsync(ct);
        if (await TenantAccess.ForMemberAsync(db, caller, tenant, ct) is not { } access)
            return TenantNotFound(tenant);

        var cluster = await find(db.Clusters.AsNoTracking(), access.Tenant.Id).FirstOrDefaultAsync(ct);
        return cluster is null ? notFound() : cluster;
    }

    /// <summary>
    /// The running cluster a caller may reach through the portal: its Spark UIs (any member) or its Spark Connect
    /// server (members and tenant admins: a session runs code as the cluster's service account). NotFound for another
    /// tenant's cluster as for a missing one; Forbidden for a viewer's Connect session; Conflict with code
    /// <c>cluster.not-running</c> (naming the phase) or <c>cluster.no-connect</c> while there is nothing to reach.
    /// </summary>
    public async Task<Outcome<ClusterDoor>> OpenAsync(string tenant, string name, ClusterEntry entry, CancellationToken ct)
    {
        await using var db = await contexts.CreateDbContextAsync(ct);
        if (await TenantAccess.ForMemberAsync(db, caller, tenant, ct) is not { } access)
            return TenantNotFound(tenant);
        var cluster = await Named(db.Clusters.AsNoTracking(), access.Tenant.Id, name).FirstOrDefaultAsync(ct);
        if (cluster is null || cluster.Status.Phase == ClusterPhase.Deleted)
            return ClusterNotFound(tenant, name);
        if (entry == ClusterEntry.SparkConnect && access.Role is not >= TenantRole.Member)
            return new Failure(FailureKind.Forbidden, "Viewers may not run Spark.",
                $"Your role in tenant '{tenant}' is Viewer; Spark Connect sessions need Member or Admin.", Code: "connect.viewer");
        if (entry == ClusterEntry.SparkConnect && !cluster.Spec.SparkConnect)
            return new Failure(FailureKind.Conflict, "The cluster has no Spark Connect server.",
                $"Cluster '{name}' was created without sparkConnect; create one with \"sparkConnect\": true.", Code: "cluster.no-connect");
        if (cluster.Status.Phase != ClusterPhase.Running)
            return new Failure(FailureKind.Conflict, $"The cluster is {cluster.Status.Phase}, not Running.",
                $"Cluster '{name}' is {cluster.Status.Phase}; try again once it is Running.", Code: "cluster.not-running");
        return new ClusterDoor(cluster, tenant, access.Tenant.Id, access.Tenant.Namespace);
    }

    /// <summary>Audits a new Spark Connect session through the gateway: who opened it, on which cluster.</summary>
    public Task RecordSessionAsync(ClusterDoor door, string sessionId, CancellationToken ct)
    {
        ArgumentNullException.ThrowIfNull(door);
        return RecordAsync("cluster.connect", door.TenantId, Target(door.Tenant, door.Cluster.Name), AuditOutcome.Succeeded,
            $"Spark Connect session {UserText.ForStorage(sessionId, 64)}", ct);
    }

    /// <summary>
    /// Records a new cluster in phase <see cref="ClusterPhase.Requested"/> for the reconciler to build. With an
    /// <paramref name="idempotencyKey"/> already used in the tenant, returns that cluster instead (a retried call
    /// must never make a second one), or fails with <see cref="FailureKind.IdempotencyKeyReused"/> when the request differs.
    /// </summary>
    public Task<Outcome<ClusterCreated>> CreateAsync(
        string tenant, CreateClusterRequest request, string? idempotencyKey, CancellationToken ct) =>
        CreateAsync(tenant, request, idempotencyKey, origin: null, ct);

    /// <summary>
    /// "Create again": asks for a new cluster with the spec of the tenant's cluster <paramref name="source"/> (the
    /// live cluster of that name, else the latest deleted one, as <see cref="GetAsync(string, string, CancellationToken)"/>
    /// finds it), named <paramref name="name"/> or else like the source, which needs that name to be free. The rest is
    /// <see cref="CreateAsync(string, CreateClusterRequest, string?, CancellationToken)"/>: the same role check,
    /// admission, quota, policy, Idempotency-Key and audit.
    /// </summary>
    public Task<Outcome<ClusterCreated>> CreateAgainAsync(
        string tenant, string source, string? name, string? idempotencyKey, CancellationToken ct) =>
        CreateAgainAsync(tenant, Target(tenant, source), (clusters, tenantId) => Named(clusters, tenantId, source),
            () => ClusterNotFound(tenant, source), name, idempotencyKey, ct);

    /// <summary>"Create again" from the cluster with id <paramref name="source"/>, Deleted or not; as the overload by name.</summary>
    public Task<Outcome<ClusterCreated>> CreateAgainAsync(
        string tenant, Guid source, string? name, string? idempotencyKey, CancellationToken ct) =>
        CreateAgainAsync(tenant, Target(tenant, $"by-id/{source}"), (clusters, tenantId) => WithId(clusters, tenantId, source),
            () => ClusterNotFound(tenant, source), name, idempotencyKey, ct);

    private async Task<Outcome<ClusterCreated>> CreateAgainAsync(
        string tenant, string sourceTarget, Func<IQueryable<Cluster>, Guid, IQueryable<Cluster>> find, Func<Failure> notFound,
        string? name, string? idempotencyKey, CancellationToken ct)
    {
        Cluster? source;
        await using (var db = await contexts.CreateDbContextAsync(ct))
        {
            // Another tenant's cluster is not found through this tenant, whatever the caller may see elsewhere.
            if (await TenantAccess.ForMemberAsync(db, caller, tenant, ct) is not { } access)
                return await RefusedAsync("cluster.create", null, sourceTarget, TenantNotFound(tenant), ct);
            source = await find(db.Clusters.AsNoTracking(), access.Tenant.Id).FirstOrDefaultAsync(ct);
            if (source is null)
                return await RefusedAsync("cluster.create", access.Tenant, sourceTarget, notFound(), ct);
        }

        return await CreateAsync(tenant, CreateClusterRequest.Repeating(source, name), idempotencyKey, source, ct);
    }

    private async Task<Outcome<ClusterCreated>> CreateAsync(
        string tenant, CreateClusterRequest request, string? idempotencyKey, Cluster? origin, CancellationToken ct)
    {
        ArgumentNullException.ThrowIfNull(request);
        var target = Target(tenant, request.Name);
        await using var db = await contexts.CreateDbContextAsync(ct);
        if (await TenantAccess.ForMemberAsync(db, caller, tenant, ct) is not { } access)
            return await RefusedAsync("cluster.create", null, target, TenantNotFound(tenant), ct);
        if (access.Role is not >= TenantRole.Member)
            return await RefusedAsync("cluster.create", access.Tenant, target, ViewerMayNotChange(tenant), ct);
        if (idempotencyKey is not null && IdempotencyKeyProblem(idempotencyKey) is { } keyProblem)
            return await RefusedAsync("cluster.create", access.Tenant, target, Failure.Invalid("Idempotency-Key", keyProblem), ct);

        var spec = ClusterRequestValidator.Resolve(request, options.Value, access.Tenant.Policy);

        // The key is checked before the request's validity: a retry must get the original answer even if the
        // defaults or the tenant's policy changed in between.
        if (idempotencyKey is not null && await ReplayAsync(db, access.Tenant, request, spec.Value, idempotencyKey, ct) is { } replay)
            return replay;

        if (spec.Failure is { } invalid)
            return await RefusedAsync("cluster.create", access.Tenant, target, invalid, ct);
        if (await NameTakenAsync(db, access.Tenant.Id, request.Name!, ct))
        {
            // A concurrent first attempt with this key may have committed since the check above.
            if (idempotencyKey is not null && await ReplayAsync(db, access.Tenant, request, spec.Value, idempotencyKey, ct) is { } late)
                return late;
            return await RefusedAsync("cluster.create", access.Tenant, target, NameTaken(tenant, request.Name!), ct);
        }

        // Admission and the insert under the tenant's lock, so concurrent creates on any replica are counted one
        // after another: the count and demand a create sees include every cluster committed before it.
        await using var transaction = await db.Database.BeginTransactionAsync(ct);
        await db.LockTenantAsync(access.Tenant.Id, ct);
        if (await AdmitAsync(db, access.Tenant.Id, spec.Value!, replacing: null, ct) is { } full)
        {
            await transaction.RollbackAsync(ct);
            return await RefusedAsync("cluster.create", access.Tenant, target, full, ct);
        }

        // Under the lock too: a volume deleted meanwhile is either seen missing here or sees this cluster mount it.
        if (await StorageProblemAsync(db, access.Tenant, spec.Value!, ct) is { } unknown)
        {
            await transaction.RollbackAsync(ct);
            return await RefusedAsync("cluster.create", access.Tenant, target, unknown, ct);
        }

        var now = Now();
        var cluster = new Cluster
        {
            TenantId = access.Tenant.Id,
            Name = request.Name!,
            Owner = caller.Subject,
            Spec = spec.Value!,
            CreatedAt = now,
            ExpiresAt = now + spec.Value!.TimeToLive,
            IdempotencyKey = idempotencyKey,
            Status = new ClusterStatus { Phase = ClusterPhase.Requested, PhaseChangedAt = now },
        };
        db.Clusters.Add(cluster);
        db.ClusterEvents.Add(new ClusterEvent
        {
            ClusterId = cluster.Id,
            At = now,
            Phase = ClusterPhase.Requested,
            Reason = "Requested",
            Message = origin is null ? $"Requested by {caller.Subject}" : $"Requested by {caller.Subject} again from {Describe(origin)}",
        });
        Audit(db, "cluster.create", access.Tenant.Id, target, AuditOutcome.Succeeded,
            $"workers={cluster.Spec.Workers} image={cluster.Spec.Image}{(origin is null ? "" : $" again from {Describe(origin)}")}");

        try
        {
            await db.SaveChangesAsync(ct);
            await transaction.CommitAsync(ct);
        }
        catch (DbUpdateException) when (!ct.IsCancellationRequested)
        {
            await transaction.RollbackAsync(ct);
            // A concurrent create won the unique index on (tenant, name) or (tenant, idempotency key): answer as if
            // this request had arrived second, which it effectively did.
            await using var again = await contexts.CreateDbContextAsync(ct);
            if (idempotencyKey is not null && await ReplayAsync(again, access.Tenant, request, spec.Value, idempotencyKey, ct) is { } winner)
                return winner;

            if (await NameTakenAsync(again, access.Tenant.Id, cluster.Name, ct))
                return await RefusedAsync("cluster.create", access.Tenant, target, NameTaken(tenant, cluster.Name), ct);
            throw;
        }

        writes.Written(cluster.Id);
        ClusterRequested(logger, tenant, cluster.Name, cluster.Id, cluster.Spec.Workers, caller.Subject);
        return new ClusterCreated(cluster, Replayed: false);
    }

    /// <summary>
    /// Sets the worker count. With <paramref name="expectedVersion"/> (If-Match) the change applies only to that
    /// version of the cluster. Asking for the current count changes nothing.
    /// </summary>
    public async Task<Outcome<Cluster>> ScaleAsync(
        string tenant, string name, ScaleClusterRequest request, long? expectedVersion, CancellationToken ct)
    {
        ArgumentNullException.ThrowIfNull(request);
        return await ChangeAsync("cluster.scale", tenant, name, expectedVersion, async (db, cluster, access) =>
        {
            if (ClusterRequestValidator.WorkersProblem(request.Workers, access.Tenant.Policy) is { } problem)
                return Failure.Invalid("workers", problem);
            if (cluster.IsDeleting)
                return new Failure(FailureKind.Conflict, "The cluster is being deleted.",
                    $"Cluster '{name}' is being deleted and can no longer be scaled.");
            if (cluster.Spec.Workers != request.Workers)
            {
                var scaled = cluster.Spec with { Workers = request.Workers!.Value };
                if (await AdmitAsync(db, access.Tenant.Id, scaled, cluster, ct) is { } full)
                    return full;
                cluster.Spec = scaled;
                cluster.Generation++;
            }

            return null;
        }, _ => $"workers={request.Workers}", ct);
    }

    /// <summary>
    /// Moves the cluster's expiry later by <paramref name="by"/>, within its tenant's maximum lifetime counted from
    /// its creation; the reconciler moves its wake-up to the new expiry. Who may, and If-Match, as for scale.
    /// </summary>
    public async Task<Outcome<Cluster>> ExtendAsync(string tenant, string name, TimeSpan by, long? expectedVersion, CancellationToken ct) =>
        await ChangeAsync("cluster.extend", tenant, name, expectedVersion, (_, cluster, access) =>
        {
            var change = ClusterExpiry.Decide(cluster, access.Tenant.Policy, by, Now());
            if (!change.Succeeded)
                return Task.FromResult<Failure?>(ClusterExpiry.Explain(change));
            cluster.ExpiresAt = change.ExpiresAt;
            return Task.FromResult<Failure?>(null);
        }, cluster => $"by={by:c} expiresAt={cluster.ExpiresAt:O}", ct);

    /// <summary>
    /// Asks for the cluster to be deleted: its phase becomes <see cref="ClusterPhase.Deleting"/> and the reconciler
    /// removes its objects; the row stays for history. Deleting a cluster already being deleted changes nothing.
    /// </summary>
    public async Task<Outcome<Cluster>> DeleteAsync(string tenant, string name, long? expectedVersion, CancellationToken ct) =>
        await ChangeAsync("cluster.delete", tenant, name, expectedVersion, (db, cluster, _) =>
        {
            if (cluster.IsDeleting)
                return Task.FromResult<Failure?>(null);

            var now = Now();
            var message = $"Deletion requested by {caller.Subject}";
            cluster.DeletionRequestedAt = now;
            cluster.Status = cluster.Status with
            {
                Phase = ClusterPhase.Deleting,
                Reason = "DeletionRequested",
                Message = message,
                PhaseChangedAt = now,
                TerminationReason = ClusterTermination.Deleted,
            };
            db.ClusterEvents.Add(new ClusterEvent
            {
                ClusterId = cluster.Id,
                At = now,
                Phase = ClusterPhase.Deleting,
                Reason = "DeletionRequested",
                Message = message,
            });
            return Task.FromResult<Failure?>(null);
        }, detail: _ => null, ct);

    /// <summary>
    /// Loads the cluster for a change by a member, applies <paramref name="change"/> (which edits the tracked cluster
    /// and returns null, or returns why it can't) and saves it with the audit entry, turning a lost race into a failure.
    /// </summary>
    private async Task<Outcome<Cluster>> ChangeAsync(
        string action, string tenant, string name, long? expectedVersion,
        Func<PortalDb, Cluster, TenantAccess, Task<Failure?>> change, Func<Cluster, string?> detail, CancellationToken ct, int attempt = 1)
    {
        var target = Target(tenant, name);
        await using var db = await contexts.CreateDbContextAsync(ct);
        if (await TenantAccess.ForMemberAsync(db, caller, tenant, ct) is not { } access)
            return await RefusedAsync(action, null, target, TenantNotFound(tenant), ct);

        // Under the tenant's lock, like a create, so a scale-up is admitted against what every replica committed.
        // Every way out before the commit rolls back first: the refusal's audit entry and a retry use connections
        // of their own, which must not wait on this transaction's lock (on SQLite, the single writer's).
        await using var transaction = await db.Database.BeginTransactionAsync(ct);
        await db.LockTenantAsync(access.Tenant.Id, ct);

        async Task<Failure> Refuse(Failure failure)
        {
            await transaction.RollbackAsync(ct);
            return await RefusedAsync(action, access.Tenant, target, failure, ct);
        }

        var cluster = await Named(db.Clusters, access.Tenant.Id, name).FirstOrDefaultAsync(ct);
        if (cluster is null)
            return await Refuse(ClusterNotFound(tenant, name));
        if (access.Role is not >= TenantRole.Member)
            return await Refuse(ViewerMayNotChange(tenant));
        if (access.Role is TenantRole.Member && cluster.Owner != caller.Subject)
            return await Refuse(NotYourCluster(tenant, name));
        if (expectedVersion is { } expected && expected != cluster.Version)
            return await Refuse(Stale(name, expected, cluster.Version));
        if (await change(db, cluster, access) is { } refused)
            return await Refuse(refused);

        if (expectedVersion is { } version)
            db.ExpectVersion(cluster, version);
        Audit(db, action, access.Tenant.Id, target, AuditOutcome.Succeeded, detail(cluster));
        try
        {
            await db.SaveChangesAsync(ct);
            await transaction.CommitAsync(ct);
        }
        catch (DbUpdateConcurrencyException) when (expectedVersion is null && attempt < MaxUnconditionalAttempts)
        {
            // Without If-Match the caller asked for the change whatever the cluster's version: the reconciler's
            // status writes race with it constantly, so apply it again to the fresh row instead of refusing.
            await transaction.RollbackAsync(ct);
            return await ChangeAsync(action, tenant, name, expectedVersion, change, detail, ct, attempt + 1);
        }
        catch (DbUpdateConcurrencyException)
        {
            // Someone else wrote the cluster between our read and write. With If-Match that is exactly a stale
            // precondition; without one, we retried and still lost, and the caller may retry.
            return await Refuse(expectedVersion is { } stale
                ? Stale(name, stale, current: null)
                : new Failure(FailureKind.Conflict, "The cluster changed concurrently.",
                    $"Cluster '{name}' was changed by another request at the same time; retry."));
        }

        writes.Written(cluster.Id);
        ClusterChanged(logger, action, tenant, name, cluster.Id, caller.Subject);
        return cluster;
    }

    /// <summary>
    /// <see cref="ClusterAdmission.Check"/> against the tenant's quota and clusters as committed now; call holding
    /// the tenant's lock.
    /// </summary>
    private static async Task<Failure?> AdmitAsync(PortalDb db, Guid tenantId, ClusterSpec asked, Cluster? replacing, CancellationToken ct)
    {
        // Read again under the lock: the quota may have changed since the caller's access was checked.
        var tenant = await db.Tenants.AsNoTracking().SingleAsync(t => t.Id == tenantId, ct);
        var live = await db.Clusters.AsNoTracking()
            .Where(c => c.TenantId == tenantId && c.Status.Phase != ClusterPhase.Deleted)
            .ToListAsync(ct);
        var history = await db.HistoryServers.AsNoTracking().SingleOrDefaultAsync(h => h.TenantId == tenantId, ct);
        var refused = ClusterAdmission.Check(tenant, live, asked, replacing, history);
        if (refused is not null)
            PortalTelemetry.AdmissionRefusals.Add(1, new(PortalTelemetry.TenantTag, tenant.Slug), new(PortalTelemetry.ReasonTag, refused.Code));
        return refused;
    }

    /// <summary>The volumes and object store <paramref name="spec"/> names that the tenant lacks, as a field failure; or null.</summary>
    private static async Task<Failure?> StorageProblemAsync(PortalDb db, Tenant tenant, ClusterSpec spec, CancellationToken ct)
    {
        if (spec.Volumes.Count == 0 && spec.ObjectStore is null)
            return null;
        var volumes = await db.Volumes.AsNoTracking().Where(v => v.TenantId == tenant.Id).ToListAsync(ct);
        var stores = await db.ObjectStores.AsNoTracking().Where(s => s.TenantId == tenant.Id).ToListAsync(ct);
        var errors = ClusterStorageRules.Check(spec.Volumes, spec.ObjectStore, spec.EventLog, volumes, stores, tenant.Slug);
        return errors.Count == 0 ? null : Failure.Invalid(errors);
    }

    /// <summary>
    /// The answer for a create whose <paramref name="key"/> already made a cluster: that cluster when the request is
    /// the same, a <see cref="FailureKind.IdempotencyKeyReused"/> failure when not; null when the key is unused.
    /// </summary>
    private async Task<Outcome<ClusterCreated>?> ReplayAsync(
        PortalDb db, Tenant tenant, CreateClusterRequest request, ClusterSpec? spec, string key, CancellationToken ct)
    {
        if (await FindByIdempotencyKeyAsync(db, tenant.Id, key, ct) is not { } earlier)
            return null;
        var target = Target(tenant.Slug, request.Name);
        if (!IsSameRequest(earlier, request, spec))
            return await RefusedAsync("cluster.create", tenant, target, KeyReused(key, earlier), ct);

        await RecordAsync("cluster.create", tenant, target, AuditOutcome.Succeeded, "Replayed for a reused Idempotency-Key; nothing created", ct);
        return new ClusterCreated(earlier, Replayed: true);
    }

    private static async Task<Cluster?> FindByIdempotencyKeyAsync(PortalDb db, Guid tenantId, string key, CancellationToken ct) =>
        await db.Clusters.AsNoTracking().SingleOrDefaultAsync(c => c.TenantId == tenantId && c.IdempotencyKey == key, ct);

    private static Task<bool> NameTakenAsync(PortalDb db, Guid tenantId, string name, CancellationToken ct) =>
        db.Clusters.AnyAsync(c => c.TenantId == tenantId && c.Name == name && c.Status.Phase != ClusterPhase.Deleted, ct);

    /// <summary>
    /// The cluster a name means: the live one, else the most recently deleted (names are free again once Deleted,
    /// so several deleted rows may share one).
    /// </summary>
    private static IQueryable<Cluster> Named(IQueryable<Cluster> clusters, Guid tenantId, string name) =>
        clusters.Where(c => c.TenantId == tenantId && c.Name == name)
            .OrderBy(c => c.Status.Phase == ClusterPhase.Deleted ? 1 : 0)
            .ThenByDescending(c => c.CreatedAt);

    private static IQueryable<Cluster> WithId(IQueryable<Cluster> clusters, Guid tenantId, Guid id) =>
        clusters.Where(c => c.TenantId == tenantId && c.Id == id);

    // By id as well as name: the name alone may by now mean a newer cluster.
    private static string Describe(Cluster cluster) => $"cluster {cluster.Name} ({cluster.Id})";

    /// <summary>
    /// Whether a retried create asks for what the earlier one created. Once the cluster has been changed since
    /// (scaled), its spec no longer shows the original request, so only the name is compared then.
    /// </summary>
    private static bool IsSameRequest(Cluster earlier, CreateClusterRequest request, ClusterSpec? spec)
    {
        if (earlier.Name != request.Name || spec is null)
            return false;
        if (earlier.Generation > 1)
            return true;

        return earlier.Spec.SameAs(spec);
    }

    /// <summary>Why an Idempotency-Key header value is unusable, or null.</summary>
    private static string? IdempotencyKeyProblem(string key)
    {
        if (key.Length is 0 or > MaxIdempotencyKeyLength)
            return $"Must be 1 to {MaxIdempotencyKeyLength} characters.";
        return key.All(c => c is >= '!' and <= '~') ? null : "Must be printable ASCII without spaces.";
    }

    private async Task<Failure> RefusedAsync(string action, Tenant? tenant, string target, Failure failure, CancellationToken ct)
    {
        await RecordAsync(action, tenant, target, AuditWriter.OutcomeOf(failure), failure.Title, ct);
        return failure;
    }

    /// <summary>Appends an audit entry on its own, for calls that change nothing else.</summary>
    private Task RecordAsync(string action, Tenant? tenant, string target, AuditOutcome outcome, string detail, CancellationToken ct) =>
        RecordAsync(action, tenant?.Id, target, outcome, detail, ct);

    private async Task RecordAsync(string action, Guid? tenantId, string target, AuditOutcome outcome, string detail, CancellationToken ct)
    {
        // A separate context: the calling operation's context may hold changes that must not be saved.
        await using var db = await contexts.CreateDbContextAsync(ct);
        Audit(db, action, tenantId, target, outcome, detail);
        await db.SaveChangesAsync(ct);
    }

    private void Audit(PortalDb db, string action, Guid? tenantId, string target, AuditOutcome outcome, string? detail) =>
        db.Record(caller.Subject, action, outcome, tenantId, target, detail);

    /// <summary>
    /// The current time at the precision PostgreSQL stores (microseconds), so the answer to a create is the same,
    /// to the tick, as every later read of the row; an idempotent retry then returns exactly the first body.
    /// </summary>
    private DateTimeOffset Now()
    {
        var now = time.GetUtcNow();
        return now.AddTicks(-(now.Ticks % 10));
    }

    private static string Target(string tenant, string? name) => $"tenants/{tenant}/clusters/{name}";

    private static Failure TenantNotFound(string tenant) =>
        // Same answer whether the tenant doesn't exist or the caller isn't a member: don't reveal other tenants.
        new(FailureKind.NotFound, "Tenant not found.", $"No tenant '{tenant}' you are a member of.");

    private static Failure ClusterNotFound(string tenant, string name) =>
        new(FailureKind.NotFound, "Cluster not found.", $"Tenant '{tenant}' has no cluster '{name}'.");

    private static Failure ClusterNotFound(string tenant, Guid id) =>
        new(FailureKind.NotFound, "Cluster not found.", $"Tenant '{tenant}' has no cluster with id '{id}'.");

    private static Failure ViewerMayNotChange(string tenant) =>
        new(FailureKind.Forbidden, "Viewers may not change clusters.", $"Your role in tenant '{tenant}' is Viewer.");

    /// <summary>How often an unconditional change is re-applied after losing a race to another writer.</summary>
    private const int MaxUnconditionalAttempts = 3;

    private static Failure NotYourCluster(string tenant, string name) =>
        new(FailureKind.Forbidden, "Members may change only their own clusters.",
            $"Cluster '{name}' belongs to another member of tenant '{tenant}'; ask its owner or a tenant admin.");

    private static Failure NameTaken(string tenant, string name) =>
        new(FailureKind.Conflict, "A cluster with this name exists.",
            $"Tenant '{tenant}' already has a cluster '{name}'; the name is free again once that cluster is Deleted.",
            Code: "name.taken");

    private static Failure KeyReused(string key, Cluster earlier) =>
        new(FailureKind.IdempotencyKeyReused, "The Idempotency-Key was used for a different request.",
            $"Idempotency-Key '{key}' created cluster '{earlier.Name}' from a different request; use a new key.");

    private static Failure Stale(string name, long expected, long? current) =>
        new(FailureKind.PreconditionFailed, "The cluster has changed since you read it.",
            current is null
                ? $"Cluster '{name}' is no longer at version {expected}; read it again and retry."
                : $"Cluster '{name}' is at version {current}, not {expected}; read it again and retry.");

    [LoggerMessage(LogLevel.Information, "Requested cluster {Tenant}/{Cluster} ({ClusterId}) with {Workers} workers for {Subject}")]
    private static partial void ClusterRequested(ILogger logger, string tenant, string cluster, Guid clusterId, int workers, string subject);

    [LoggerMessage(LogLevel.Information, "Applied {Action} to cluster {Tenant}/{Cluster} ({ClusterId}) for {Subject}")]
    private static partial void ClusterChanged(ILogger logger, string action, string tenant, string cluster, Guid clusterId, string subject);
}
