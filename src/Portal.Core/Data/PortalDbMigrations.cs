using Microsoft.EntityFrameworkCore.Infrastructure;
using Microsoft.EntityFrameworkCore.Migrations;
using Microsoft.Extensions.Logging;

namespace Portal.Core.Data;

/// <summary>
/// Brings a portal database to the latest schema and seeds it when empty; used at start-up and by the
/// <c>migrate</c> command, on either provider.
/// </summary>
public static partial class PortalDbMigrations
{
    /// <summary>Slug of the tenant created on an empty database.</summary>
    public const string DefaultTenantSlug = "default";

    // Any constant works as long as nothing else in the database uses it; this one spells "SPARKMIG".
    const long PostgresLockKey = 0x535041524B4D4947;

    /// <summary>
    /// Applies pending migrations, then, when <paramref name="seedDefaultTenant"/> is true and the database has no
    /// tenant, creates the tenant <see cref="DefaultTenantSlug"/> with the namespace <paramref name="defaultTenantNamespace"/>. Safe to run from several processes at once.
    /// </summary>
    public static async Task MigrateAndSeedAsync(
        this PortalDb db, bool seedDefaultTenant, string defaultTenantNamespace, ILogger logger, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(db);
        ArgumentNullException.ThrowIfNull(logger);

        if (db is PostgresPortalDb)
        {
            // EF takes its own lock while it migrates, but two replicas starting together would still both find
            // no tenant and both seed one. A session advisory lock on this context's connection spans both steps,
            // and is released with the connection even if the process dies.
            await db.Database.OpenConnectionAsync(cancellationToken);
            try
            {
                await db.Database.ExecuteSqlAsync($"SELECT pg_advisory_lock({PostgresLockKey})", cancellationToken);
                await MigrateAsync(db, seedDefaultTenant, defaultTenantNamespace, logger, cancellationToken);
                await db.Database.ExecuteSqlAsync($"SELECT pg_advisory_unlock({PostgresLockKey})", cancellationToken);
            }
            finally
            {
                await db.Database.CloseConnectionAsync();
            }
        }
        else
        {
            await MigrateAsync(db, seedDefaultTenant, defaultTenantNamespace, logger, cancellationToken);
        }

        if (db is SqlitePortalDb)
        {
            // Write-ahead logging lets readers (pages, API) proceed while the reconciler writes; the mode is
            // stored in the file, so setting it once per start is enough.
            await db.Database.ExecuteSqlRawAsync("PRAGMA journal_mode=WAL;", cancellationToken);
        }
    }

    static async Task MigrateAsync(
        PortalDb db, bool seedDefaultTenant, string defaultTenantNamespace, ILogger logger, CancellationToken cancellationToken)
    {
        var provider = db.GetType().Name;
        // EF reads __EFMigrationsHistory without asking whether it exists (three times here: applied, pending, and
        // inside Migrate) and logs each failure on an empty database at Error level, which an operator reads as a
        // broken start. Creating EF's own table first, exactly as Migrate would (CREATE TABLE IF NOT EXISTS), makes
        // those reads succeed. Chosen over filtering the Database.Command category while migrating, which would
        // also hide a real failing command of that step.
        await db.GetService<IHistoryRepository>().CreateIfNotExistsAsync(cancellationToken);
        var known = db.Database.GetMigrations().ToHashSet(StringComparer.Ordinal);
        var unknown = (await db.Database.GetAppliedMigrationsAsync(cancellationToken)).Where(m => !known.Contains(m)).ToList();
        if (unknown.Count > 0)
        {
            throw new UnknownSchemaException(
                $"The database was made by another build of Spark Portal: it has migrations this build doesn't know " +
                $"({string.Join(", ", unknown)}), so it can't be brought to this build's schema. Run the build that made it, " +
                $"or give this one a new database (ConnectionStrings:Portal, or for the embedded SQLite file, delete it or " +
                $"change Portal:DataDirectory).");
        }

        var pending = (await db.Database.GetPendingMigrationsAsync(cancellationToken)).ToList();
        if (pending.Count > 0)
        {
            await db.Database.MigrateAsync(cancellationToken);
            AppliedMigrations(logger, pending.Count, provider, pending[^1]);
        }
        else
        {
            SchemaCurrent(logger, provider);
        }

        if (seedDefaultTenant && !await db.Tenants.AnyAsync(cancellationToken))
        {
            db.Tenants.Add(new Tenant
            {
                Slug = DefaultTenantSlug,
                DisplayName = "Default",
                Namespace = defaultTenantNamespace,
            });
            await db.SaveChangesAsync(cancellationToken);
            SeededTenant(logger, DefaultTenantSlug);
        }
    }

    [LoggerMessage(LogLevel.Information, "Applied {Count} migrations with {Context}, now at {Migration}")]
    static partial void AppliedMigrations(ILogger logger, int count, string context, string migration);

    [LoggerMessage(LogLevel.Information, "Found the database schema of {Context} up to date")]
    static partial void SchemaCurrent(ILogger logger, string context);

    [LoggerMessage(LogLevel.Information, "Created tenant {Tenant} on the empty database")]
    static partial void SeededTenant(ILogger logger, string tenant);
}
