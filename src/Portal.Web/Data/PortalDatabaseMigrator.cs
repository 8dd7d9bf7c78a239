using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.Options;
using Portal.Core;
using Portal.Core.Data;
using Portal.Core.Tenants;

namespace Portal.Web.Data;

/// <summary>Brings the database to the latest schema and seeds an empty one; shared by start-up and the migrate command.</summary>
internal sealed partial class PortalDatabaseMigrator(
    IServiceScopeFactory scopes,
    PortalDatabase database,
    IOptions<PortalOptions> options,
    ILogger<PortalDatabaseMigrator> logger)
{
    /// <summary>Slug of the tenant created on an empty database.</summary>
    public const string DefaultTenantSlug = "default";

    // Any constant works as long as nothing else in the database uses it; this one spells "SPARKMIG".
    const long MigrationLockKey = 0x535041524B4D4947;

    /// <summary>Creates the data directory (and with it the SQLite file's folder) if it is missing; returns its full path.</summary>
    public string PrepareDataDirectory()
    {
        var directory = Path.GetFullPath(options.Value.DataDirectory);
        Directory.CreateDirectory(directory);
        return directory;
    }

    public async Task MigrateAsync(CancellationToken cancellationToken)
    {
        PrepareDataDirectory();
        await using var scope = scopes.CreateAsyncScope();
        var db = scope.ServiceProvider.GetRequiredService<PortalDb>();

        if (database.Provider is PortalDatabaseProvider.Postgres)
        {
            // EF takes its own lock while it migrates, but two replicas starting together would still both find
            // no tenant and both seed one. A session advisory lock on this context's connection spans both steps;
            // it is released when the connection closes, even if this process dies.
            await db.Database.OpenConnectionAsync(cancellationToken);
            try
            {
                await db.Database.ExecuteSqlAsync($"SELECT pg_advisory_lock({MigrationLockKey})", cancellationToken);
                await MigrateAndSeedAsync(db, cancellationToken);
                await db.Database.ExecuteSqlAsync($"SELECT pg_advisory_unlock({MigrationLockKey})", cancellationToken);
            }
            finally
            {
                await db.Database.CloseConnectionAsync();
            }
        }
        else
        {
            await MigrateAndSeedAsync(db, cancellationToken);

            // Write-ahead logging lets readers (pages, API) proceed while the reconciler writes; the mode is
            // stored in the file, so setting it once per start is enough.
            await db.Database.ExecuteSqlRawAsync("PRAGMA journal_mode=WAL;", cancellationToken);
        }
    }

    async Task MigrateAndSeedAsync(PortalDb db, CancellationToken cancellationToken)
    {
        var pending = (await db.Database.GetPendingMigrationsAsync(cancellationToken)).ToList();
        if (pending.Count > 0)
        {
            await db.Database.MigrateAsync(cancellationToken);
            AppliedMigrations(logger, pending.Count, database.Provider, pending[^1]);
        }
        else
        {
            SchemaCurrent(logger, database.Provider);
        }

        if (options.Value.SeedDefaultTenant && !await db.Tenants.AnyAsync(cancellationToken))
        {
            db.Tenants.Add(new Tenant
            {
                Slug = DefaultTenantSlug,
                DisplayName = "Default",
                Namespace = "spark-" + DefaultTenantSlug,
            });
            await db.SaveChangesAsync(cancellationToken);
            SeededTenant(logger, DefaultTenantSlug);
        }
    }

    [LoggerMessage(LogLevel.Information, "Applied {Count} migrations to the {Provider} database, now at {Migration}")]
    static partial void AppliedMigrations(ILogger logger, int count, PortalDatabaseProvider provider, string migration);

    [LoggerMessage(LogLevel.Information, "Found the {Provider} database schema up to date")]
    static partial void SchemaCurrent(ILogger logger, PortalDatabaseProvider provider);

    [LoggerMessage(LogLevel.Information, "Created tenant {Tenant} on the empty database")]
    static partial void SeededTenant(ILogger logger, string tenant);
}
