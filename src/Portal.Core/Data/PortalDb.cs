using System.Text.Json;
using Microsoft.AspNetCore.DataProtection.EntityFrameworkCore;
using Microsoft.AspNetCore.Identity.EntityFrameworkCore;
using Microsoft.EntityFrameworkCore.ChangeTracking;
using Microsoft.EntityFrameworkCore.Metadata.Builders;
using Portal.Core.Identity;
using Portal.Core.Storage;
using Portal.Core.Usage;

namespace Portal.Core.Data;

/// <summary>
/// The portal's unit of work over tenants, memberships, clusters, cluster events and the audit log.
/// </summary>
/// <remarks>
/// Abstract because each database provider has its own subclass (<see cref="PostgresPortalDb"/>,
/// <see cref="SqlitePortalDb"/>) with its own migrations, so <c>dotnet ef</c> never mixes SQL dialects.
/// Application code depends on this type only. <see cref="SaveChangesAsync(bool, CancellationToken)"/> enforces
/// three rules no caller can forget: <c>Version</c> is bumped on every modified <see cref="Tenant"/> and
/// <see cref="Cluster"/> (optimistic concurrency), creation timestamps left unset are stamped from the injected
/// <see cref="TimeProvider"/>, and <see cref="AuditEntry"/> rows are never modified or deleted.
/// </remarks>
public abstract class PortalDb : IdentityDbContext, IDataProtectionKeyContext
{
    /// <summary>
    /// Serialises the writes that must see a tenant's whole state at once (admission: counting its clusters and
    /// their demand, then adding one), across every replica. Call inside a transaction; held until it ends. The
    /// base does nothing: on SQLite the transaction itself takes the single writer lock (BEGIN IMMEDIATE).
    /// </summary>
    public virtual Task LockTenantAsync(Guid tenantId, CancellationToken ct) => Task.CompletedTask;

    static readonly JsonSerializerOptions ConfJson = new(JsonSerializerDefaults.General);

    readonly TimeProvider _time;

    /// <summary>Creates the context; subclasses pass their provider-specific options.</summary>
    protected PortalDb(DbContextOptions options, TimeProvider timeProvider)
        : base(options)
    {
        ArgumentNullException.ThrowIfNull(timeProvider);
        _time = timeProvider;
    }

    /// <summary>All tenants, including those being deleted.</summary>
    public DbSet<Tenant> Tenants => Set<Tenant>();

    /// <summary>Who belongs to which tenant, keyed by (TenantId, Subject).</summary>
    public DbSet<Membership> Memberships => Set<Membership>();

    /// <summary>Clusters of every tenant; always filter by TenantId.</summary>
    public DbSet<Cluster> Clusters => Set<Cluster>();

    /// <summary>Phase history of clusters.</summary>
    public DbSet<ClusterEvent> ClusterEvents => Set<ClusterEvent>();

    /// <summary>Personal access tokens (hashes only).</summary>
    public DbSet<PersonalAccessToken> PersonalAccessTokens => Set<PersonalAccessToken>();

    /// <summary>Tenant volumes (PersistentVolumeClaims in the tenant namespaces); always filter by TenantId.</summary>
    public DbSet<TenantVolume> Volumes => Set<TenantVolume>();

    /// <summary>Tenant object stores, secret keys protected; always filter by TenantId.</summary>
    public DbSet<ObjectStore> ObjectStores => Set<ObjectStore>();

    /// <summary>Tenants' history servers, at most one per tenant.</summary>
    public DbSet<HistoryServer> HistoryServers => Set<HistoryServer>();

    /// <summary>Append-only audit records.</summary>
    public DbSet<AuditEntry> AuditLog => Set<AuditEntry>();

    /// <summary>Per-tenant resource requests, one row per tenant and sampling interval.</summary>
    public DbSet<UsageSample> UsageSamples => Set<UsageSample>();

    /// <summary>Everyone who has signed in interactively, by subject: names for member lists, and directory-granted platform administration.</summary>
    public DbSet<PortalUser> KnownUsers => Set<PortalUser>();

    /// <summary>
    /// The ASP.NET Core data-protection key ring (sign-in cookies, antiforgery tokens, circuits): in the database so
    /// that every replica of the portal unprotects what any other protected.
    /// </summary>
    public DbSet<DataProtectionKey> DataProtectionKeys => Set<DataProtectionKey>();

    /// <summary>
    /// Makes the next save of <paramref name="entity"/> succeed only if its stored version is still
    /// <paramref name="expectedVersion"/> (an HTTP If-Match), otherwise it throws <see cref="DbUpdateConcurrencyException"/>.
    /// </summary>
    public void ExpectVersion(Tenant entity, long expectedVersion) =>
        Entry(entity).Property(t => t.Version).OriginalValue = expectedVersion;

    /// <inheritdoc cref="ExpectVersion(Tenant, long)"/>
    public void ExpectVersion(Cluster entity, long expectedVersion) =>
        Entry(entity).Property(c => c.Version).OriginalValue = expectedVersion;

    /// <inheritdoc cref="ExpectVersion(Tenant, long)"/>
    public void ExpectVersion(HistoryServer entity, long expectedVersion) =>
        Entry(entity).Property(c => c.Version).OriginalValue = expectedVersion;

    /// <inheritdoc cref="ExpectVersion(Tenant, long)"/>
    public void ExpectVersion(ObjectStore entity, long expectedVersion) =>
        Entry(entity).Property(c => c.Version).OriginalValue = expectedVersion;

    /// <inheritdoc/>
    public override int SaveChanges(bool acceptAllChangesOnSuccess)
    {
        ApplyRules();
        return base.SaveChanges(acceptAllChangesOnSuccess);
    }

    /// <inheritdoc/>
    public override Task<int> SaveChangesAsync(bool acceptAllChangesOnSuccess, CancellationToken cancellationToken = default)
    {
        ApplyRules();
        return base.SaveChangesAsync(acceptAllChangesOnSuccess, cancellationToken);
    }

    void ApplyRules()
    {
        ChangeTracker.DetectChanges();
        var now = _time.GetUtcNow();

        foreach (var entry in ChangeTracker.Entries())
        {
            switch (entry.Entity, entry.State)
            {
                case (AuditEntry, EntityState.Modified or EntityState.Deleted):
                    throw new InvalidOperationException(
                        "The audit log is append-only: audit entries cannot be modified or deleted.");

                case (Tenant or Cluster or ObjectStore, EntityState.Added):
                    StampCreated(entry, nameof(Tenant.CreatedAt), now);
                    SetVersion(entry, original: null);
                    break;

                case (HistoryServer, EntityState.Added):
                    StampCreated(entry, nameof(HistoryServer.StartedAt), now);
                    SetVersion(entry, original: null);
                    break;

                case (HistoryServer, EntityState.Modified):
                    SetVersion(entry, original: (long)entry.Property(nameof(HistoryServer.Version)).OriginalValue!);
                    break;

                case (TenantVolume, EntityState.Added):
                    StampCreated(entry, nameof(TenantVolume.CreatedAt), now);
                    break;

                case (Tenant or Cluster or ObjectStore, EntityState.Modified):
                    SetVersion(entry, original: (long)entry.Property(nameof(Tenant.Version)).OriginalValue!);
                    break;

                case (Membership, EntityState.Added):
                    StampCreated(entry, nameof(Membership.CreatedAt), now);
                    break;

                case (AuditEntry, EntityState.Added):
                    StampCreated(entry, nameof(AuditEntry.At), now);
                    MakeStorable(entry);
                    break;

                case (ClusterEvent, EntityState.Added):
                    StampCreated(entry, nameof(ClusterEvent.At), now);
                    break;
            }
        }
    }

    // The UPDATE's WHERE clause carries the original version, so a writer that loaded (or was told via If-Match)
    // an older version affects no row and EF raises DbUpdateConcurrencyException instead of losing a write.
    static void SetVersion(EntityEntry entry, long? original)
    {
        var version = entry.Property(nameof(Tenant.Version));
        version.CurrentValue = original is { } o ? o + 1 : Math.Max(1L, (long)version.CurrentValue!);
    }

    // The audit log records refusals of what a user typed (a NUL in a path, a 10 KB name): the record must be
    // written whatever the input held, so its text is made storable and cut to its columns here, for every writer.
    static void MakeStorable(EntityEntry entry)
    {
        foreach (var property in entry.Properties)
        {
            if (property.CurrentValue is string text)
                property.CurrentValue = UserText.ForStorage(text, property.Metadata.GetMaxLength() ?? MaxAuditDetailLength);
        }
    }

    /// <summary>Longest audit text without a column limit (Detail): enough for any message the portal writes.</summary>
    public const int MaxAuditDetailLength = 4000;

    static void StampCreated(EntityEntry entry, string property, DateTimeOffset now)
    {
        var at = entry.Property(property);
        if ((DateTimeOffset)at.CurrentValue! == default)
        {
            at.CurrentValue = now;
        }
    }

    /// <inheritdoc/>
    protected override void ConfigureConventions(ModelConfigurationBuilder configurationBuilder)
    {
        ArgumentNullException.ThrowIfNull(configurationBuilder);

        // Strings, not integers: the database stays readable and reordering an enum can't corrupt rows.
        configurationBuilder.Properties<ClusterPhase>().HaveConversion<string>().HaveMaxLength(32);
        configurationBuilder.Properties<ClusterTermination>().HaveConversion<string>().HaveMaxLength(32);
        configurationBuilder.Properties<TenantRole>().HaveConversion<string>().HaveMaxLength(32);
        configurationBuilder.Properties<AuditOutcome>().HaveConversion<string>().HaveMaxLength(32);
        configurationBuilder.Properties<HistoryServerPhase>().HaveConversion<string>().HaveMaxLength(32);
        configurationBuilder.Properties<VolumeAccessMode>().HaveConversion<string>().HaveMaxLength(32);
    }

    /// <inheritdoc/>
    protected override void OnModelCreating(ModelBuilder modelBuilder)
    {
        ArgumentNullException.ThrowIfNull(modelBuilder);

        // ASP.NET Core Identity's tables (AspNetUsers, AspNetRoles, ...) for built-in accounts.
        base.OnModelCreating(modelBuilder);
        modelBuilder.Entity<Tenant>(ConfigureTenant);
        modelBuilder.Entity<Membership>(ConfigureMembership);
        modelBuilder.Entity<Cluster>(ConfigureCluster);
        modelBuilder.Entity<ClusterEvent>(ConfigureClusterEvent);
        modelBuilder.Entity<AuditEntry>(ConfigureAuditEntry);
        modelBuilder.Entity<UsageSample>(ConfigureUsageSample);
        modelBuilder.Entity<PortalUser>(ConfigurePortalUser);
        modelBuilder.Entity<TenantVolume>(ConfigureVolume);
        modelBuilder.Entity<ObjectStore>(ConfigureObjectStore);
        modelBuilder.Entity<HistoryServer>(ConfigureHistoryServer);
        IdentityModel.Configure(modelBuilder);
    }

    static void ConfigureTenant(EntityTypeBuilder<Tenant> tenant)
    {
        tenant.ToTable("Tenants");
        tenant.HasKey(t => t.Id);
        tenant.Property(t => t.Id).ValueGeneratedNever();
        tenant.Property(t => t.Slug).HasMaxLength(Tenant.MaxSlugLength);
        tenant.Property(t => t.DisplayName).HasMaxLength(200);
        tenant.Property(t => t.Namespace).HasMaxLength(63);
        tenant.Property(t => t.DirectoryGroup).HasMaxLength(256);
        tenant.Property(t => t.Version).IsConcurrencyToken();
        tenant.HasIndex(t => t.Slug).IsUnique();
        tenant.HasIndex(t => t.Namespace).IsUnique();

        // Complex types, not JSON: they are plain columns (Quota_Cpu, Policy_MaxTimeToLive, ...) that both
        // providers can filter on, and records replaced with `with { }` are change-tracked by value.
        tenant.ComplexProperty(t => t.Quota, quota =>
        {
            quota.Property(q => q.Cpu).HasMaxLength(32);
            quota.Property(q => q.Memory).HasMaxLength(32);
            quota.Property(q => q.EphemeralStorage).HasMaxLength(32);
            quota.Property(q => q.Storage).HasMaxLength(32);
        });
        tenant.ComplexProperty(t => t.Policy, policy =>
            // One JSON document: presets are read and written with the policy, never queried one by one.
            policy.Property(p => p.Presets)
                .HasConversion(
                    presets => JsonSerializer.Serialize(presets, ConfJson),
                    json => JsonSerializer.Deserialize<List<ClusterPreset>>(json, ConfJson) ?? new List<ClusterPreset>(),
                    new ValueComparer<IReadOnlyList<ClusterPreset>>(
                        (a, b) => a!.SequenceEqual(b!),
                        presets => presets.Aggregate(0, (hash, preset) => HashCode.Combine(hash, preset)),
                        presets => presets.ToList())));

        tenant.HasMany(t => t.Members).WithOne().HasForeignKey(m => m.TenantId).OnDelete(DeleteBehavior.Cascade);
    }

    static void ConfigureMembership(EntityTypeBuilder<Membership> membership)
    {
        membership.ToTable("Memberships");
        membership.HasKey(m => new { m.TenantId, m.Subject });
        membership.Property(m => m.Subject).HasMaxLength(256);

        // "Which tenants do I belong to" is asked on every request.
        membership.HasIndex(m => m.Subject);
    }

    static void ConfigureCluster(EntityTypeBuilder<Cluster> cluster)
    {
        cluster.ToTable("Clusters");
        cluster.HasKey(c => c.Id);
        cluster.Property(c => c.Id).ValueGeneratedNever();
        cluster.Property(c => c.Name).HasMaxLength(63);
        cluster.Property(c => c.Owner).HasMaxLength(256);
        cluster.Property(c => c.IdempotencyKey).HasMaxLength(128);
        cluster.Property(c => c.Version).IsConcurrencyToken();
        cluster.Ignore(c => c.IsDeleting);

        cluster.HasOne<Tenant>().WithMany().HasForeignKey(c => c.TenantId).OnDelete(DeleteBehavior.Restrict);

        // Deleted clusters keep their row for history, but their name is free again: a notebook that recreates "etl"
        // every morning must not collide with yesterday's. Until Deleted, the Kubernetes objects still carry the name.
        cluster.HasIndex(c => new { c.TenantId, c.Name }).IsUnique()
            .HasFilter($"\"Status_Phase\" <> '{nameof(ClusterPhase.Deleted)}'");
        cluster.HasIndex(c => new { c.TenantId, c.IdempotencyKey }).IsUnique()
            .HasFilter("\"IdempotencyKey\" IS NOT NULL");
        cluster.HasIndex(c => c.ExpiresAt);

        cluster.ComplexProperty(c => c.Spec, spec =>
        {
            spec.Property(s => s.SparkVersion).HasMaxLength(32);
            spec.Property(s => s.Image).HasMaxLength(512);
            spec.Property(s => s.WorkerCores).HasMaxLength(32);
            spec.Property(s => s.WorkerMemory).HasMaxLength(32);
            spec.Property(s => s.MasterCores).HasMaxLength(32);
            spec.Property(s => s.MasterMemory).HasMaxLength(32);
            spec.Property(s => s.WorkerScratch).HasMaxLength(32);
            spec.Property(s => s.MasterScratch).HasMaxLength(32);

            // One JSON document: the keys are free-form, and nobody queries by a single conf entry.
            spec.Property(s => s.SparkConf)
                .HasConversion(
                    conf => JsonSerializer.Serialize(conf, ConfJson),
                    json => JsonSerializer.Deserialize<Dictionary<string, string>>(json, ConfJson) ?? new(),
                    new ValueComparer<Dictionary<string, string>>(
                        (a, b) => a!.Count == b!.Count && !a.Except(b).Any(),
                        conf => conf.Aggregate(0, (hash, kv) => hash ^ HashCode.Combine(kv.Key, kv.Value)),
                        conf => new Dictionary<string, string>(conf)));
            spec.Property(s => s.ObjectStore).HasMaxLength(63);
            spec.Property(s => s.Volumes)
                .HasConversion(
                    mounts => JsonSerializer.Serialize(mounts, ConfJson),
                    json => JsonSerializer.Deserialize<List<ClusterVolume>>(json, ConfJson) ?? new List<ClusterVolume>(),
                    new ValueComparer<IReadOnlyList<ClusterVolume>>(
                        (a, b) => a!.SequenceEqual(b!),
                        mounts => mounts.Aggregate(0, (hash, mount) => HashCode.Combine(hash, mount)),
                        mounts => mounts.ToList()));
            spec.Property(s => s.EventLog)
                .HasConversion(
                    log => log == null ? null : JsonSerializer.Serialize(log, ConfJson),
                    json => json == null ? null : JsonSerializer.Deserialize<EventLogSpec>(json, ConfJson));
        });

        cluster.ComplexProperty(c => c.Status, status =>
        {
            status.Property(s => s.Reason).HasMaxLength(128);
            status.Property(s => s.MasterUrl).HasMaxLength(512);
            status.Property(s => s.MasterUiUrl).HasMaxLength(512);
            status.Property(s => s.ConnectUrl).HasMaxLength(512);
            status.Property(s => s.ActivityMark).HasMaxLength(64);
        });
    }

    static void ConfigureClusterEvent(EntityTypeBuilder<ClusterEvent> clusterEvent)
    {
        clusterEvent.ToTable("ClusterEvents");
        clusterEvent.HasKey(e => e.Id);
        clusterEvent.Property(e => e.Reason).HasMaxLength(128);
        clusterEvent.HasOne<Cluster>().WithMany().HasForeignKey(e => e.ClusterId).OnDelete(DeleteBehavior.Cascade);
        clusterEvent.HasIndex(e => new { e.ClusterId, e.At });
    }

    /// <summary>
    /// Name of the database trigger that refuses UPDATE and DELETE on the audit log, so rows stay put even for
    /// bulk ExecuteUpdate/ExecuteDelete or hand-written SQL that bypass <see cref="SaveChangesAsync(bool, CancellationToken)"/>.
    /// </summary>
    public const string AuditLogAppendOnlyTrigger = "AuditLog_append_only";

    static void ConfigureAuditEntry(EntityTypeBuilder<AuditEntry> audit)
    {
        // Declaring the trigger (created by the Initial migrations) keeps EF from relying on
        // RETURNING for this table on SQLite, which triggers can make unreliable.
        audit.ToTable("AuditLog", table => table.HasTrigger(AuditLogAppendOnlyTrigger));
        audit.HasKey(a => a.Id);
        audit.Property(a => a.Actor).HasMaxLength(256);
        audit.Property(a => a.Action).HasMaxLength(128);
        audit.Property(a => a.Target).HasMaxLength(512);

        // No foreign key to Tenants: the record of what happened must outlive the tenant it happened to.
        audit.HasIndex(a => new { a.TenantId, a.At });
        audit.HasIndex(a => a.At);
    }

    static void ConfigureUsageSample(EntityTypeBuilder<UsageSample> sample)
    {
        sample.ToTable("UsageSamples");
        sample.HasKey(u => u.Id);

        // Every portal replica samples every interval; the unique key makes the second writer's row a conflict
        // instead of a double count. It also serves the "one tenant over a time range" query.
        sample.HasIndex(u => new { u.TenantId, u.At }).IsUnique();

        // The admin page reads every tenant over a range, and retention deletes by age.
        sample.HasIndex(u => u.At);
        sample.Property(u => u.CpuCores).HasPrecision(18, 3);

        // No foreign key to Tenants: a removed tenant's usage stays accountable.
    }

    static void ConfigureVolume(EntityTypeBuilder<TenantVolume> volume)
    {
        volume.ToTable("Volumes");
        volume.HasKey(v => v.Id);
        volume.Property(v => v.Id).ValueGeneratedNever();
        volume.Property(v => v.Name).HasMaxLength(63);
        volume.Property(v => v.StorageClass).HasMaxLength(253);
        volume.Property(v => v.Size).HasMaxLength(32);
        volume.Property(v => v.CreatedBy).HasMaxLength(256);
        volume.HasIndex(v => new { v.TenantId, v.Name }).IsUnique();
        volume.HasOne<Tenant>().WithMany().HasForeignKey(v => v.TenantId).OnDelete(DeleteBehavior.Cascade);
    }

    static void ConfigureObjectStore(EntityTypeBuilder<ObjectStore> store)
    {
        store.ToTable("ObjectStores");
        store.HasKey(s => s.Id);
        store.Property(s => s.Id).ValueGeneratedNever();
        store.Property(s => s.Name).HasMaxLength(63);
        store.Property(s => s.Endpoint).HasMaxLength(512);
        store.Property(s => s.Region).HasMaxLength(64);
        store.Property(s => s.BucketPrefix).HasMaxLength(256);
        store.Property(s => s.AccessKeyId).HasMaxLength(128);
        store.Property(s => s.CreatedBy).HasMaxLength(256);
        store.Property(s => s.Version).IsConcurrencyToken();
        store.HasIndex(s => new { s.TenantId, s.Name }).IsUnique();
        store.HasOne<Tenant>().WithMany().HasForeignKey(s => s.TenantId).OnDelete(DeleteBehavior.Cascade);
    }

    static void ConfigureHistoryServer(EntityTypeBuilder<HistoryServer> server)
    {
        server.ToTable("HistoryServers");
        server.HasKey(h => h.Id);
        server.Property(h => h.Id).ValueGeneratedNever();
        server.Property(h => h.Image).HasMaxLength(512);
        server.Property(h => h.Cores).HasMaxLength(32);
        server.Property(h => h.Memory).HasMaxLength(32);
        server.Property(h => h.StartedBy).HasMaxLength(256);
        server.Property(h => h.Message).HasMaxLength(1024);
        server.Property(h => h.Version).IsConcurrencyToken();
        server.ComplexProperty(h => h.Source, source =>
        {
            source.Property(s => s.Volume).HasMaxLength(63);
            source.Property(s => s.ObjectStore).HasMaxLength(63);
            source.Property(s => s.Path).HasMaxLength(256);
        });
        server.HasIndex(h => h.TenantId).IsUnique();
        server.HasOne<Tenant>().WithMany().HasForeignKey(h => h.TenantId).OnDelete(DeleteBehavior.Cascade);
    }

    static void ConfigurePortalUser(EntityTypeBuilder<PortalUser> user)
    {
        // Not "Users": ASP.NET Core Identity's AspNetUsers holds built-in accounts; this holds everyone seen signing in.
        user.ToTable("KnownUsers");
        user.HasKey(u => u.Subject);
        user.Property(u => u.Subject).HasMaxLength(PortalUser.MaxLength);
        user.Property(u => u.DisplayName).HasMaxLength(PortalUser.MaxLength);
        user.Property(u => u.NormalizedDisplayName).HasMaxLength(PortalUser.MaxLength);
        user.Property(u => u.Email).HasMaxLength(PortalUser.MaxLength);
        user.Property(u => u.NormalizedEmail).HasMaxLength(PortalUser.MaxLength);
        user.Property(u => u.IdentityProvider).HasMaxLength(16);
        user.Property(u => u.LastTenantSlug).HasMaxLength(Tenant.MaxSlugLength);

        // NOTE: no index for the picker's prefix search: a directory of thousands of rows scans in a few
        // milliseconds, and a plain B-tree index would not serve LIKE under PostgreSQL's default collation anyway.
    }
}
