using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;

namespace Portal.Core.Tenants;

/// <summary>
/// Tenants for the REST API and the Blazor pages: members see theirs; platform admins create and change them.
/// Every change appends to the audit log and, once committed, is announced on <see cref="TenantWrites"/>, so the
/// provisioning leader in this process applies a new namespace or a changed quota at once.
/// </summary>
public sealed partial class TenantService(
    IDbContextFactory<PortalDb> contexts,
    Caller caller,
    IOptions<TenantNamingOptions> naming,
    TimeProvider time,
    TenantWrites writes,
    ILogger<TenantService> logger)
{
    /// <summary>Longest display name; the column holds 200 characters.</summary>
    public const int MaxDisplayNameLength = 200;

    /// <summary>The tenants the caller is a member of, by slug.</summary>
    public async Task<IReadOnlyList<TenantAccess>> ListAsync(CancellationToken ct)
    {
        await using var db = await contexts.CreateDbContextAsync(ct);
        var rows = await db.Tenants.AsNoTracking()
            .Where(t => t.DeletionRequestedAt == null && (caller.TokenTenant == null || t.Id == caller.TokenTenant))
            .Join(db.Memberships.Where(m => m.Subject == caller.Subject), t => t.Id, m => m.TenantId,
                (t, m) => new { Tenant = t, m.Role })
            .OrderBy(r => r.Tenant.Slug)
            .ToListAsync(ct);
        return [.. rows.Select(r => new TenantAccess(r.Tenant, r.Role))];
    }

    /// <summary>A tenant the caller is a member of; platform admins see every tenant.</summary>
    public async Task<Outcome<TenantAccess>> GetAsync(string slug, CancellationToken ct)
    {
        await using var db = await contexts.CreateDbContextAsync(ct);
        return await FindAsync(db, slug, ct) is { } access ? access : NotFound(slug);
    }

    /// <summary>Creates a tenant (platform admins only) with the caller as its first admin.</summary>
    public async Task<Outcome<Tenant>> CreateAsync(CreateTenantRequest request, CancellationToken ct)
    {
        ArgumentNullException.ThrowIfNull(request);
        var target = $"tenants/{request.Slug}";
        if (!caller.IsPlatformAdmin)
            return await RefusedAsync("tenant.create", null, target, OnlyPlatformAdmins(), ct);

        request = request with { Policy = request.Policy?.WithDefaultPresetsWithinLimit() };
        var errors = new Dictionary<string, string[]>(StringComparer.Ordinal);
        AddProblem(errors, "slug", KubernetesNames.Problem(request.Slug, KubernetesNames.MaxTenantSlugLength));
        AddProblem(errors, "displayName", DisplayNameProblem(request.DisplayName));
        ValidateLimits(errors, request.Quota, request.Policy);
        if (errors.Count > 0)
            return await RefusedAsync("tenant.create", null, target, Failure.Invalid(errors), ct);

        await using var db = await contexts.CreateDbContextAsync(ct);
        var tenant = new Tenant
        {
            Slug = request.Slug!,
            DisplayName = request.DisplayName!,
            Namespace = naming.Value.NamespaceFor(request.Slug!),
            // Whole microseconds, as PostgreSQL stores them, so the 201 body equals every later read.
            CreatedAt = TruncatedNow(),
            Quota = request.Quota ?? new TenantQuota(),
            Policy = request.Policy ?? new TenantPolicy(),
        };
        if (await db.Tenants.AnyAsync(t => t.Slug == tenant.Slug || t.Namespace == tenant.Namespace, ct))
            return await RefusedAsync("tenant.create", null, target, SlugTaken(tenant.Slug), ct);

        db.Tenants.Add(tenant);
        // The creator administers the new tenant until members are managed in their own feature.
        db.Memberships.Add(new Membership { TenantId = tenant.Id, Subject = caller.Subject, Role = TenantRole.Admin });
        Audit(db, "tenant.create", tenant.Id, target, AuditOutcome.Succeeded, null);
        try
        {
            await db.SaveChangesAsync(ct);
        }
        catch (DbUpdateException) when (!ct.IsCancellationRequested)
        {
            // Lost a race on the unique slug or namespace index.
            await using var again = await contexts.CreateDbContextAsync(ct);
            if (await again.Tenants.AnyAsync(t => t.Slug == tenant.Slug || t.Namespace == tenant.Namespace, ct))
                return await RefusedAsync("tenant.create", null, target, SlugTaken(tenant.Slug), ct);
            throw;
        }

        writes.Written(tenant.Id);
        TenantCreated(logger, tenant.Slug, caller.Subject);
        return tenant;
    }

    /// <summary>Changes a tenant (platform admins only), optionally only if it is still at <paramref name="expectedVersion"/>.</summary>
    public async Task<Outcome<TenantAccess>> UpdateAsync(
        string slug, UpdateTenantRequest request, long? expectedVersion, CancellationToken ct)
    {
        ArgumentNullException.ThrowIfNull(request);
        var target = $"tenants/{slug}";
        await using var db = await contexts.CreateDbContextAsync(ct);
        if (await FindAsync(db, slug, ct) is not { } access)
            return await RefusedAsync("tenant.update", null, target, NotFound(slug), ct);
        if (!caller.IsPlatformAdmin)
            return await RefusedAsync("tenant.update", access.Tenant, target, OnlyPlatformAdmins(), ct);

        request = request with { Policy = request.Policy?.WithDefaultPresetsWithinLimit() };
        var errors = new Dictionary<string, string[]>(StringComparer.Ordinal);
        if (request.DisplayName is not null)
            AddProblem(errors, "displayName", DisplayNameProblem(request.DisplayName));
        ValidateLimits(errors, request.Quota, request.Policy);
        if (errors.Count > 0)
            return await RefusedAsync("tenant.update", access.Tenant, target, Failure.Invalid(errors), ct);

        var tenant = access.Tenant;
        if (expectedVersion is { } expected && expected != tenant.Version)
            return await RefusedAsync("tenant.update", tenant, target, Stale(slug), ct);

        db.Attach(tenant);
        tenant.DisplayName = request.DisplayName ?? tenant.DisplayName;
        tenant.Quota = request.Quota ?? tenant.Quota;
        tenant.Policy = request.Policy ?? tenant.Policy;
        if (expectedVersion is { } version)
            db.ExpectVersion(tenant, version);
        Audit(db, "tenant.update", tenant.Id, target, AuditOutcome.Succeeded, null);
        try
        {
            await db.SaveChangesAsync(ct);
        }
        catch (DbUpdateConcurrencyException)
        {
            return await RefusedAsync("tenant.update", tenant, target, Stale(slug), ct);
        }

        writes.Written(tenant.Id);
        return access;
    }

    /// <summary>
    /// What saving <paramref name="proposed"/> as the quota of tenant <paramref name="slug"/> would mean for it, for a
    /// platform admin to confirm before saving: each limit it lowers below what the tenant's clusters hold now, counted
    /// as admission counts it (<see cref="ClusterAdmission.InUse"/>). Empty when nothing is over. Saving is not refused.
    /// </summary>
    public async Task<Outcome<IReadOnlyList<QuotaOverrun>>> QuotaOverrunsAsync(string slug, TenantQuota proposed, CancellationToken ct)
    {
        ArgumentNullException.ThrowIfNull(proposed);
        await using var db = await contexts.CreateDbContextAsync(ct);
        if (await FindAsync(db, slug, ct) is not { } access)
            return NotFound(slug);
        if (!caller.IsPlatformAdmin)
            return OnlyPlatformAdmins();

        var tenant = access.Tenant;
        var live = await db.Clusters.AsNoTracking()
            .Where(c => c.TenantId == tenant.Id && c.Status.Phase != ClusterPhase.Deleted)
            .ToListAsync(ct);
        return Outcome<IReadOnlyList<QuotaOverrun>>.Success(ClusterAdmission.Overruns(tenant.Quota, proposed, ClusterAdmission.InUse(live)));
    }

    private async Task<TenantAccess?> FindAsync(PortalDb db, string slug, CancellationToken ct)
    {
        if (await TenantAccess.ForMemberAsync(db, caller, slug, ct) is { } member)
        {
            db.ChangeTracker.Clear();
            return member;
        }

        if (!caller.IsPlatformAdmin)
            return null;
        var tenant = await db.Tenants.AsNoTracking().SingleOrDefaultAsync(t => t.Slug == slug && t.DeletionRequestedAt == null, ct);
        return tenant is null ? null : new TenantAccess(tenant, Role: null);
    }

    /// <summary>Least CPU quota (100m): below it no cluster fits.</summary>
    public const decimal MinQuotaCores = 0.1m;

    /// <summary>Most CPU quota (10000 cores): past any real cluster, and far from overflowing sums of requests.</summary>
    public const decimal MaxQuotaCores = 10_000;

    /// <summary>Least memory and ephemeral-storage quota (1Gi): below it no cluster fits.</summary>
    public const decimal MinQuotaBytes = 1024m * 1024 * 1024;

    /// <summary>Most memory and ephemeral-storage quota (1Pi).</summary>
    public const decimal MaxQuotaBytes = 1024m * 1024 * 1024 * 1024 * 1024;

    /// <summary>Most volumes a tenant's quota may allow.</summary>
    public const int MaxQuotaVolumes = 1000;

    private static void ValidateLimits(Dictionary<string, string[]> errors, TenantQuota? quota, TenantPolicy? policy)
    {
        if (quota is not null)
        {
            if (!KubernetesQuantity.TryParse(quota.Cpu, out var cpu) || cpu is < MinQuotaCores or > MaxQuotaCores)
                errors["quota.cpu"] = ["Must be a Kubernetes quantity from 100m to 10000 cores (e.g. \"32\", \"500m\")."];
            if (!KubernetesQuantity.TryParse(quota.Memory, out var memory) || memory is < MinQuotaBytes or > MaxQuotaBytes)
                errors["quota.memory"] = ["Must be a Kubernetes quantity from 1Gi to 1Pi (e.g. \"128Gi\")."];
            if (!KubernetesQuantity.TryParse(quota.EphemeralStorage, out var storage) || storage is < MinQuotaBytes or > MaxQuotaBytes)
                errors["quota.ephemeralStorage"] = ["Must be a Kubernetes quantity from 1Gi to 1Pi (e.g. \"512Gi\")."];
            if (quota.MaxPods < 1)
                errors["quota.maxPods"] = ["Must be at least 1."];
            if (quota.MaxClusters < 1)
                errors["quota.maxClusters"] = ["Must be at least 1."];
            if (!KubernetesQuantity.TryParse(quota.Storage, out var volumes) || volumes is < MinQuotaBytes or > MaxQuotaBytes)
                errors["quota.storage"] = ["Must be a Kubernetes quantity from 1Gi to 1Pi (e.g. \"1Ti\")."];
            if (quota.MaxVolumes is < 0 or > MaxQuotaVolumes)
                errors["quota.maxVolumes"] = [$"Must be from 0 to {MaxQuotaVolumes}."];
        }

        if (policy is not null)
        {
            // Bounded above too: a cluster's expiry is its creation plus up to this, and the largest TimeSpan
            // overflows any date.
            if (policy.MaxTimeToLive < ClusterRequestValidator.MinTimeToLive || policy.MaxTimeToLive > TenantPolicy.LongestTimeToLive)
                errors["policy.maxTimeToLive"] = [$"Must be from {ClusterRequestValidator.MinTimeToLive:c} to {TenantPolicy.LongestTimeToLive:c}."];
            if (policy.DefaultTimeToLive < ClusterRequestValidator.MinTimeToLive || policy.DefaultTimeToLive > policy.MaxTimeToLive)
                errors["policy.defaultTimeToLive"] = [$"Must be from {ClusterRequestValidator.MinTimeToLive:c} to maxTimeToLive."];
            // Spark's activity is looked at every few seconds to a minute: a shorter timeout would end busy clusters.
            if (policy.IdleTimeout is { } idle && (idle < TenantPolicy.MinIdleTimeout || idle > policy.MaxTimeToLive))
                errors["policy.idleTimeout"] = [$"Must be from {TenantPolicy.MinIdleTimeout:c} to maxTimeToLive, or null for none."];
            if (policy.MaxWorkersPerCluster < 1)
                errors["policy.maxWorkersPerCluster"] = ["Must be at least 1."];
            ValidatePresets(errors, policy);
        }
    }

    private static void ValidatePresets(Dictionary<string, string[]> errors, TenantPolicy policy)
    {
        if (policy.Presets is null)
        {
            errors["policy.presets"] = ["Must be a list of presets (it may be empty)."];
            return;
        }

        if (policy.Presets.Count > TenantPolicy.MaxPresets)
            errors["policy.presets"] = [$"At most {TenantPolicy.MaxPresets} presets."];
        var names = new HashSet<string>(StringComparer.OrdinalIgnoreCase);
        for (var i = 0; i < policy.Presets.Count; i++)
        {
            var key = $"policy.presets[{i}]";
            if (policy.Presets[i] is not { } preset)
            {
                errors[key] = ["Must be a preset."];
                continue;
            }

            if (string.IsNullOrWhiteSpace(preset.Name))
                errors[$"{key}.name"] = ["Required."];
            else if (UserText.Problem(preset.Name) is { } text)
                errors[$"{key}.name"] = [text];
            else if (preset.Name.Length > ClusterPreset.MaxNameLength)
                errors[$"{key}.name"] = [$"Must be at most {ClusterPreset.MaxNameLength} characters."];
            else if (!names.Add(preset.Name.Trim()))
                errors[$"{key}.name"] = ["Another preset has this name."];
            if (preset.Workers < 1 || preset.Workers > policy.MaxWorkersPerCluster)
                errors[$"{key}.workers"] = [$"Must be from 1 to maxWorkersPerCluster ({policy.MaxWorkersPerCluster})."];
            if (!KubernetesQuantity.TryParse(preset.WorkerCores, out var cores) || cores is < ClusterRequestValidator.MinCores or > ClusterRequestValidator.MaxCores)
                errors[$"{key}.workerCores"] = [$"Must be a Kubernetes quantity from 1m to {ClusterRequestValidator.MaxCores} cores (e.g. \"2\", \"500m\")."];
            if (!KubernetesQuantity.TryParse(preset.WorkerMemory, out var memory) || memory <= 0 || memory > ClusterRequestValidator.MaxMemoryBytes)
                errors[$"{key}.workerMemory"] = ["Must be a Kubernetes quantity up to 1Ti (e.g. \"8Gi\")."];
            // A preset that makes a worker Spark can't run would only move the refusal to the new-cluster dialog.
            else if (SparkMemory.ContainerMiB(preset.WorkerMemory) < SparkMemory.MinWorkerMiB)
                errors[$"{key}.workerMemory"] = [$"Must be at least {SparkMemory.MinWorkerMiB}Mi, the smallest worker Spark runs in (docs/spark.md)."];
        }
    }

    private static string? DisplayNameProblem(string? displayName) =>
        string.IsNullOrWhiteSpace(displayName) ? "Required."
        : displayName.Length > MaxDisplayNameLength ? $"Must be at most {MaxDisplayNameLength} characters."
        : UserText.Problem(displayName);

    private static void AddProblem(Dictionary<string, string[]> errors, string field, string? problem)
    {
        if (problem is not null)
            errors[field] = [problem];
    }

    private Task<Failure> RefusedAsync(string action, Tenant? tenant, string target, Failure failure, CancellationToken ct) =>
        contexts.RecordRefusalAsync(caller.Subject, action, tenant?.Id, target, failure, ct);

    private void Audit(PortalDb db, string action, Guid? tenantId, string target, AuditOutcome outcome, string? detail) =>
        db.Record(caller.Subject, action, outcome, tenantId, target, detail);

    private DateTimeOffset TruncatedNow()
    {
        var now = time.GetUtcNow();
        return now.AddTicks(-(now.Ticks % 10));
    }

    private static Failure NotFound(string slug) =>
        new(FailureKind.NotFound, "Tenant not found.", $"No tenant '{slug}' you are a member of.");

    private static Failure OnlyPlatformAdmins() =>
        new(FailureKind.Forbidden, "Only platform admins may create or change tenants.");

    private static Failure SlugTaken(string slug) =>
        new(FailureKind.Conflict, "A tenant with this slug exists.", $"Tenant '{slug}' (or its namespace) already exists.");

    private static Failure Stale(string slug) =>
        new(FailureKind.PreconditionFailed, "The tenant has changed since you read it.",
            $"Tenant '{slug}' is no longer at the version you sent in If-Match; read it again and retry.");

    [LoggerMessage(LogLevel.Information, "Created tenant {Tenant} for {Subject}")]
    private static partial void TenantCreated(ILogger logger, string tenant, string subject);
}
