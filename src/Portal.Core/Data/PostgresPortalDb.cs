using Microsoft.EntityFrameworkCore.Storage.ValueConversion;

namespace Portal.Core.Data;

/// <summary>
/// <see cref="PortalDb"/> on PostgreSQL (Npgsql), the production store. Migrations live in Migrations/Postgres.
/// </summary>
/// <param name="options">The provider's options.</param>
/// <param name="timeProvider">Stamps creation times.</param>
public sealed class PostgresPortalDb(DbContextOptions<PostgresPortalDb> options, TimeProvider timeProvider) : PortalDb(options, timeProvider)
{
    /// <summary>Points <paramref name="builder"/> at PostgreSQL with the options every caller must share.</summary>
    public static DbContextOptionsBuilder Configure(DbContextOptionsBuilder builder, string connectionString)
    {
        ArgumentNullException.ThrowIfNull(builder);
        return builder.UseNpgsql(connectionString);
    }

    /// <summary>Creates a context outside dependency injection (tools, tests).</summary>
    public static PostgresPortalDb Create(string connectionString, TimeProvider? timeProvider = null)
    {
        var builder = new DbContextOptionsBuilder<PostgresPortalDb>();
        Configure(builder, connectionString);
        return new PostgresPortalDb(builder.Options, timeProvider ?? TimeProvider.System);
    }

    /// <inheritdoc/>
    /// <remarks>
    /// A row lock on the tenant (SELECT … FOR UPDATE), chosen over a serializable transaction, which would make most
    /// of fifty simultaneous creates fail and retry, and over an advisory lock, which needs a key space of its own:
    /// it is scoped to one tenant, visible in pg_locks, and released by commit or rollback whatever happens.
    /// </remarks>
    public override async Task LockTenantAsync(Guid tenantId, CancellationToken ct) =>
        await Database.ExecuteSqlInterpolatedAsync($"SELECT 1 FROM \"Tenants\" WHERE \"Id\" = {tenantId} FOR UPDATE", ct);

    /// <inheritdoc/>
    protected override void ConfigureConventions(ModelConfigurationBuilder configurationBuilder)
    {
        base.ConfigureConventions(configurationBuilder);

        // Npgsql refuses to write a DateTimeOffset whose offset isn't zero to timestamptz; normalising here
        // accepts any offset, as SQLite does, instead of failing at save time.
        configurationBuilder.Properties<DateTimeOffset>().HaveConversion<ToUniversalTimeConverter>();
    }

    /// <inheritdoc/>
    protected override void OnModelCreating(ModelBuilder modelBuilder)
    {
        base.OnModelCreating(modelBuilder);

        // jsonb rejects malformed documents and lets an operator query conf keys ad hoc.
        modelBuilder.Entity<Cluster>().ComplexProperty(c => c.Spec).Property(s => s.SparkConf).HasColumnType("jsonb");
    }

    sealed class ToUniversalTimeConverter() : ValueConverter<DateTimeOffset, DateTimeOffset>(
        value => value.ToUniversalTime(),
        value => value);
}
