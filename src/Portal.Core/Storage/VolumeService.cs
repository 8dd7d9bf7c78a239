using Microsoft.Extensions.Options;

namespace Portal.Core.Storage;

/// <summary>
/// A tenant's volumes, for the API and the pages alike: members list them to mount them, the tenant's admins (and
/// platform admins) create and delete them within the tenant's storage quota. A volume outlives every cluster; one
/// that a live cluster mounts can't be deleted. Every change and refusal appends to the audit log.
/// </summary>
public sealed class VolumeService(
    IDbContextFactory<PortalDb> contexts, Caller caller, IOptions<StorageOptions> options, TenantWrites writes)
{
    readonly StorageAudit _audit = new(contexts, caller);

    /// <summary>The tenant's volumes by name.</summary>
    public Task<Outcome<IReadOnlyList<TenantVolume>>> ListAsync(string tenant, CancellationToken ct) =>
        _audit.ReadAsync<IReadOnlyList<TenantVolume>>(tenant, async (db, access) =>
            await db.Volumes.AsNoTracking().Where(v => v.TenantId == access.Tenant.Id).OrderBy(v => v.Name).ToListAsync(ct), ct);

    /// <summary>One volume of the tenant.</summary>
    public Task<Outcome<TenantVolume>> GetAsync(string tenant, string name, CancellationToken ct) =>
        _audit.ReadAsync<TenantVolume>(tenant, async (db, access) =>
            await db.Volumes.AsNoTracking().SingleOrDefaultAsync(v => v.TenantId == access.Tenant.Id && v.Name == name, ct) is { } volume
                ? volume
                : NotFound(tenant, name), ct);

    /// <summary>
    /// For each of the tenant's volumes that a cluster not yet Deleted mounts, those clusters' names; empty for a tenant
    /// the caller isn't in (the list and get calls beside it answer that).
    /// </summary>
    public async Task<IReadOnlyDictionary<string, string[]>> MountsAsync(string tenant, CancellationToken ct)
    {
        await using var db = await contexts.CreateDbContextAsync(ct);
        if (await _audit.AccessAsync(db, tenant, ct) is not { } access)
            return new Dictionary<string, string[]>();
        var live = await db.Clusters.AsNoTracking()
            .Where(c => c.TenantId == access.Tenant.Id && c.Status.Phase != ClusterPhase.Deleted)
            .ToListAsync(ct);
        return live.SelectMany(c => c.Spec.Volumes.Select(m => (m.Volume, c.Name)))
            .GroupBy(m => m.Volume, m => m.Name)
            .ToDictionary(g => g.Key, g => g.Order(StringComparer.Ordinal).ToArray(), StringComparer.Ordinal);
    }

    /// <summary>Gives the tenant a new volume; its claim is created in the tenant's namespace right after.</summary>
    public async Task<Outcome<TenantVolume>> CreateAsync(string tenant, CreateVolumeRequest request, CancellationToken ct)
    {
        ArgumentNullException.ThrowIfNull(request);
        const string action = "volume.create";
        var target = StorageAudit.Target(tenant, "volumes", request.Name);
        await using var db = await contexts.CreateDbContextAsync(ct);
        if (await _audit.AccessAsync(db, tenant, ct) is not { } access)
            return await _audit.RefusedAsync(action, null, target, StorageAudit.TenantNotFound(tenant), ct);
        if (access.Role is not TenantRole.Admin)
            return await _audit.RefusedAsync(action, access.Tenant.Id, target, StorageAudit.AdminsOnly(tenant, "volumes"), ct);

        var storage = options.Value;
        var storageClass = request.StorageClass ?? storage.AllowedClasses[0];
        var errors = new Dictionary<string, string[]>(StringComparer.Ordinal);
        if (KubernetesNames.Problem(request.Name, VolumeRules.MaxNameLength) is { } nameProblem)
            errors["name"] = [nameProblem];
        if (VolumeRules.SizeProblem(request.Size, storage) is { } sizeProblem)
            errors["size"] = [sizeProblem];
        if (!storage.AllowedClasses.Contains(storageClass, StringComparer.Ordinal))
            errors["storageClass"] = [$"Must be one of: {string.Join(", ", storage.AllowedClasses)}."];
        if (errors.Count > 0)
            return await _audit.RefusedAsync(action, access.Tenant.Id, target, Failure.Invalid(errors), ct);

        // Under the tenant's lock, as cluster admission: concurrent creates are counted one after another.
        await using var change = await _audit.LockAsync(db, action, access.Tenant.Id, target, ct);

        var quota = (await db.Tenants.AsNoTracking().SingleAsync(t => t.Id == access.Tenant.Id, ct)).Quota;
        var existing = await db.Volumes.AsNoTracking().Where(v => v.TenantId == access.Tenant.Id).ToListAsync(ct);
        if (existing.Any(v => v.Name == request.Name))
            return await change.RefuseAsync(NameTaken(tenant, request.Name!));
        if (existing.Count + 1 > quota.MaxVolumes)
            return await change.RefuseAsync(QuotaFull(tenant, "maxVolumes", "volume count", quota.MaxVolumes.ToString(System.Globalization.CultureInfo.InvariantCulture),
                existing.Count.ToString(System.Globalization.CultureInfo.InvariantCulture), "1"));
        var used = existing.Sum(v => KubernetesQuantity.TryParse(v.Size, out var b) ? b : 0);
        KubernetesQuantity.TryParse(request.Size, out var asked);
        if (!KubernetesQuantity.TryParse(quota.Storage, out var limit) || used + asked > limit)
            return await change.RefuseAsync(QuotaFull(tenant, "storage", "storage", quota.Storage, ClusterAdmission.Bytes(used), request.Size!));

        var volume = new TenantVolume
        {
            TenantId = access.Tenant.Id,
            Name = request.Name!,
            StorageClass = storageClass,
            Size = request.Size!,
            AccessMode = request.AccessMode ?? VolumeAccessMode.ReadWriteMany,
            CreatedBy = _audit.Subject,
        };
        db.Volumes.Add(volume);
        _audit.Record(db, action, access.Tenant.Id, target, AuditOutcome.Succeeded,
            $"size={volume.Size} storageClass={volume.StorageClass} accessMode={volume.AccessMode}");
        try
        {
            await db.SaveChangesAsync(ct);
            await change.CommitAsync();
        }
        catch (DbUpdateException) when (!ct.IsCancellationRequested)
        {
            // Only the unique (tenant, name) index can refuse this insert: another request created the name first.
            return await change.RefuseAsync(NameTaken(tenant, request.Name!));
        }

        writes.Written(access.Tenant.Id);
        return volume;
    }

    /// <summary>
    /// Deletes the volume and, with it, its claim and data; refused while a cluster that is not yet Deleted mounts it.
    /// </summary>
    public Task<Outcome<TenantVolume>> DeleteAsync(string tenant, string name, CancellationToken ct) =>
        _audit.DeleteAsync(tenant, new StorageDeletion<TenantVolume>(
            Action: "volume.delete",
            Kind: "volumes",
            What: "volumes",
            Name: name,
            FindAsync: (db, tenantId, token) => db.Volumes.SingleOrDefaultAsync(v => v.TenantId == tenantId && v.Name == name, token),
            NotFound: NotFound(tenant, name),
            UsedByCluster: spec => spec.Volumes.Any(m => m.Volume == name),
            ReadByHistoryServer: h => h.Source.Volume == name,
            InUseByClusters: users => InUse($"Volume '{name}' is mounted by cluster(s) {users}; delete them first."),
            InUseByHistoryServer: InUse($"The history server of tenant '{tenant}' reads volume '{name}'; stop it first."),
            Detail: volume => $"size={volume.Size}"), writes, ct);

    static Failure NotFound(string tenant, string name) =>
        new(FailureKind.NotFound, "Volume not found.", $"Tenant '{tenant}' has no volume '{name}'.");

    static Failure NameTaken(string tenant, string name) =>
        new(FailureKind.Conflict, "A volume with this name exists.", $"Tenant '{tenant}' already has a volume '{name}'.", Code: "name.taken");

    static Failure InUse(string detail) => new(FailureKind.Conflict, "The volume is in use.", detail, Code: "volume.in-use");

    static Failure QuotaFull(string tenant, string limit, string what, string quota, string inUse, string requested) =>
        new(FailureKind.Conflict, $"The tenant's {what} quota has no room for this volume.",
            $"Tenant '{tenant}' has a {what} quota of {quota}, {inUse} in use by its volumes, and this volume needs {requested} more. " +
            "Delete a volume, or ask a platform admin for a larger quota.",
            Code: $"quota.{limit}", Quota: new QuotaShortfall(limit, quota, inUse, requested));
}
