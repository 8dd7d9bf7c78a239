namespace Portal.Core.Storage;

/// <summary>
/// A tenant's S3-compatible object stores: members list them (without their keys) to use them, the tenant's admins
/// register, rotate and remove them. A secret key is protected before it is stored and is never returned; a rotation
/// updates the tenant's Secret and restarts the clusters that use the store, so they pick the new key up.
/// </summary>
public sealed class ObjectStoreService(
    IDbContextFactory<PortalDb> contexts, Caller caller, ObjectStoreSecrets secrets, TimeProvider time,
    TenantWrites tenantWrites, ClusterWrites clusterWrites)
{
    /// <summary>Default signing region.</summary>
    public const string DefaultRegion = "us-east-1";

    readonly StorageAudit _audit = new(contexts, caller);

    /// <summary>The tenant's object stores by name.</summary>
    public Task<Outcome<IReadOnlyList<ObjectStore>>> ListAsync(string tenant, CancellationToken ct) =>
        _audit.ReadAsync<IReadOnlyList<ObjectStore>>(tenant, async (db, access) =>
            await db.ObjectStores.AsNoTracking().Where(s => s.TenantId == access.Tenant.Id).OrderBy(s => s.Name).ToListAsync(ct), ct);

    /// <summary>One object store of the tenant.</summary>
    public Task<Outcome<ObjectStore>> GetAsync(string tenant, string name, CancellationToken ct) =>
        _audit.ReadAsync<ObjectStore>(tenant, async (db, access) =>
            await db.ObjectStores.AsNoTracking().SingleOrDefaultAsync(s => s.TenantId == access.Tenant.Id && s.Name == name, ct) is { } store
                ? store
                : NotFound(tenant, name), ct);

    /// <summary>Registers an object store; its Secret is created in the tenant's namespace right after.</summary>
    public async Task<Outcome<ObjectStore>> CreateAsync(string tenant, CreateObjectStoreRequest request, CancellationToken ct)
    {
        ArgumentNullException.ThrowIfNull(request);
        const string action = "objectstore.create";
        var target = StorageAudit.Target(tenant, "object-stores", request.Name);
        await using var db = await contexts.CreateDbContextAsync(ct);
        if (await _audit.AccessAsync(db, tenant, ct) is not { } access)
            return await _audit.RefusedAsync(action, null, target, StorageAudit.TenantNotFound(tenant), ct);
        if (access.Role is not TenantRole.Admin)
            return await _audit.RefusedAsync(action, access.Tenant.Id, target, StorageAudit.AdminsOnly(tenant, "object stores"), ct);

        var region = request.Region ?? DefaultRegion;
        var errors = new Dictionary<string, string[]>(StringComparer.Ordinal);
        void Add(string field, string? problem)
        {
            if (problem is not null)
                errors[field] = [problem];
        }

        Add("name", KubernetesNames.Problem(request.Name, VolumeRules.MaxNameLength));
        Add("endpoint", VolumeRules.EndpointProblem(request.Endpoint));
        Add("region", VolumeRules.TokenProblem(region, 64));
        Add("bucketPrefix", VolumeRules.BucketPrefixProblem(request.BucketPrefix));
        Add("accessKeyId", VolumeRules.TokenProblem(request.AccessKeyId, 128));
        Add("secretKey", VolumeRules.TokenProblem(request.SecretKey, 256));
        if (errors.Count > 0)
            return await _audit.RefusedAsync(action, access.Tenant.Id, target, Failure.Invalid(errors), ct);
        if (await db.ObjectStores.AnyAsync(s => s.TenantId == access.Tenant.Id && s.Name == request.Name, ct))
            return await _audit.RefusedAsync(action, access.Tenant.Id, target, NameTaken(tenant, request.Name!), ct);

        var store = new ObjectStore
        {
            TenantId = access.Tenant.Id,
            Name = request.Name!,
            Endpoint = request.Endpoint!.TrimEnd('/'),
            Region = region,
            BucketPrefix = request.BucketPrefix!,
            PathStyleAccess = request.PathStyleAccess ?? false,
            AccessKeyId = request.AccessKeyId!,
            ProtectedSecretKey = secrets.Protect(request.SecretKey!),
            CreatedBy = _audit.Subject,
        };
        db.ObjectStores.Add(store);
        _audit.Record(db, action, access.Tenant.Id, target, AuditOutcome.Succeeded,
            $"endpoint={store.Endpoint} bucketPrefix={store.BucketPrefix} accessKeyId={store.AccessKeyId}");
        try
        {
            await db.SaveChangesAsync(ct);
        }
        catch (DbUpdateException) when (!ct.IsCancellationRequested)
        {
            return await _audit.RefusedAsync(action, access.Tenant.Id, target, NameTaken(tenant, request.Name!), ct);
        }

        tenantWrites.Written(access.Tenant.Id);
        return store;
    }

    /// <summary>
    /// Replaces the store's key. With <paramref name="expectedVersion"/> (If-Match) only that version is changed. The
    /// tenant's Secret is updated and every cluster using the store rolls its pods onto the new key.
    /// </summary>
    public async Task<Outcome<ObjectStore>> RotateAsync(
        string tenant, string name, RotateObjectStoreKeyRequest request, long? expectedVersion, CancellationToken ct)
    {
        ArgumentNullException.ThrowIfNull(request);
        const string action = "objectstore.rotate";
        var target = StorageAudit.Target(tenant, "object-stores", name);
        await using var db = await contexts.CreateDbContextAsync(ct);
        if (await _audit.AccessAsync(db, tenant, ct) is not { } access)
            return await _audit.RefusedAsync(action, null, target, StorageAudit.TenantNotFound(tenant), ct);
        var store = await db.ObjectStores.SingleOrDefaultAsync(s => s.TenantId == access.Tenant.Id && s.Name == name, ct);
        if (store is null)
            return await _audit.RefusedAsync(action, access.Tenant.Id, target, NotFound(tenant, name), ct);
        if (access.Role is not TenantRole.Admin)
            return await _audit.RefusedAsync(action, access.Tenant.Id, target, StorageAudit.AdminsOnly(tenant, "object stores"), ct);

        var errors = new Dictionary<string, string[]>(StringComparer.Ordinal);
        if (request.AccessKeyId is not null && VolumeRules.TokenProblem(request.AccessKeyId, 128) is { } idProblem)
            errors["accessKeyId"] = [idProblem];
        if (VolumeRules.TokenProblem(request.SecretKey, 256) is { } keyProblem)
            errors["secretKey"] = [keyProblem];
        if (errors.Count > 0)
            return await _audit.RefusedAsync(action, access.Tenant.Id, target, Failure.Invalid(errors), ct);
        if (expectedVersion is { } expected && expected != store.Version)
            return await _audit.RefusedAsync(action, access.Tenant.Id, target, Stale(name, expected), ct);

        store.AccessKeyId = request.AccessKeyId ?? store.AccessKeyId;
        store.ProtectedSecretKey = secrets.Protect(request.SecretKey!);
        store.KeyVersion++;
        store.RotatedAt = time.GetUtcNow();
        if (expectedVersion is { } version)
            db.ExpectVersion(store, version);
        _audit.Record(db, action, access.Tenant.Id, target, AuditOutcome.Succeeded,
            $"keyVersion={store.KeyVersion} accessKeyId={store.AccessKeyId}");
        try
        {
            await db.SaveChangesAsync(ct);
        }
        catch (DbUpdateConcurrencyException)
        {
            return await _audit.RefusedAsync(action, access.Tenant.Id, target, Stale(name, expectedVersion ?? store.Version), ct);
        }

        tenantWrites.Written(access.Tenant.Id);
        var users = await db.Clusters.AsNoTracking()
            .Where(c => c.TenantId == access.Tenant.Id && c.Status.Phase != ClusterPhase.Deleted && c.Spec.ObjectStore == name)
            .Select(c => c.Id).ToListAsync(ct);
        foreach (var cluster in users)
            clusterWrites.Written(cluster);
        return store;
    }

    /// <summary>Removes the store and its Secret; refused while a cluster that is not yet Deleted uses it.</summary>
    public Task<Outcome<ObjectStore>> DeleteAsync(string tenant, string name, CancellationToken ct) =>
        _audit.DeleteAsync(tenant, new StorageDeletion<ObjectStore>(
            Action: "objectstore.delete",
            Kind: "object-stores",
            What: "object stores",
            Name: name,
            FindAsync: (db, tenantId, token) => db.ObjectStores.SingleOrDefaultAsync(s => s.TenantId == tenantId && s.Name == name, token),
            NotFound: NotFound(tenant, name),
            UsedByCluster: spec => spec.ObjectStore == name,
            ReadByHistoryServer: h => h.Source.ObjectStore == name,
            InUseByClusters: users => InUse($"Object store '{name}' is used by cluster(s) {users}; delete them first."),
            InUseByHistoryServer: InUse($"The history server of tenant '{tenant}' reads object store '{name}'; stop it first."),
            Detail: _ => null), tenantWrites, ct);

    static Failure NotFound(string tenant, string name) =>
        new(FailureKind.NotFound, "Object store not found.", $"Tenant '{tenant}' has no object store '{name}'.");

    static Failure NameTaken(string tenant, string name) =>
        new(FailureKind.Conflict, "An object store with this name exists.", $"Tenant '{tenant}' already has an object store '{name}'.", Code: "name.taken");

    static Failure InUse(string detail) => new(FailureKind.Conflict, "The object store is in use.", detail, Code: "objectstore.in-use");

    static Failure Stale(string name, long expected) =>
        new(FailureKind.PreconditionFailed, "The object store has changed since you read it.",
            $"Object store '{name}' is no longer at version {expected}; read it again and retry.");
}
