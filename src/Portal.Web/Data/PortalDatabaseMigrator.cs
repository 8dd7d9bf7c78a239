namespace Portal.Web.Data;

/// <summary>Prepares the data directory and migrates and seeds the configured database; shared by start-up and the migrate command.</summary>
internal sealed class PortalDatabaseMigrator(
    IServiceScopeFactory scopes,
    IOptions<PortalOptions> options,
    IOptions<TenantNamingOptions> naming,
    ILogger<PortalDatabaseMigrator> logger)
{
    /// <summary>Slug of the tenant created on an empty database.</summary>
    public const string DefaultTenantSlug = PortalDbMigrations.DefaultTenantSlug;

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
        await db.MigrateAndSeedAsync(
            options.Value.SeedDefaultTenant, naming.Value.NamespaceFor(DefaultTenantSlug), logger, cancellationToken);
    }
}
