namespace Portal.Web.Data;

/// <summary>
/// Prepares local storage and, when configured, the database before the server accepts requests (hosted services
/// start before Kestrel listens, so no request ever sees an unmigrated schema).
/// </summary>
internal sealed partial class PortalDataStartup(
    IOptions<PortalOptions> options,
    PortalDatabase database,
    PortalDatabaseMigrator migrator,
    ILogger<PortalDataStartup> logger) : IHostedService
{
    public async Task StartAsync(CancellationToken cancellationToken)
    {
        var directory = migrator.PrepareDataDirectory();
        UsingDatabase(logger, database.Provider, directory);

        if (options.Value.MigrateOnStartup)
        {
            await migrator.MigrateAsync(cancellationToken);
        }
    }

    public Task StopAsync(CancellationToken cancellationToken) => Task.CompletedTask;

    [LoggerMessage(LogLevel.Information, "Using the {Provider} database; data directory is {DataDirectory}")]
    static partial void UsingDatabase(ILogger logger, PortalDatabaseProvider provider, string dataDirectory);
}
