using Microsoft.Extensions.DependencyInjection.Extensions;
using Microsoft.Extensions.Diagnostics.HealthChecks;

namespace Portal.Web.Data;

/// <summary>Start-up wiring of the data layer: provider choice, <see cref="PortalDb"/>, migrations, seeding, health.</summary>
public static class PortalDataExtensions
{
    /// <summary>Tag of the readiness health checks (served at /readyz).</summary>
    public const string ReadyTag = "ready";

    /// <summary>
    /// Registers <see cref="PortalOptions"/> (validated at start), <see cref="PortalDb"/> (scoped),
    /// <see cref="ClusterVersions"/> and <see cref="IDbContextFactory{PortalDb}"/> on PostgreSQL when
    /// ConnectionStrings:Portal is set, otherwise on the SQLite file &lt;Portal:DataDirectory&gt;/portal.db; and a
    /// start-up step that creates the data directory, then migrates and seeds the database when
    /// Portal:MigrateOnStartup is true.
    /// </summary>
    public static TBuilder AddPortalData<TBuilder>(this TBuilder builder)
        where TBuilder : IHostApplicationBuilder
    {
        ArgumentNullException.ThrowIfNull(builder);
        var services = builder.Services;

        services.AddValidatedOptions<PortalOptions>(PortalOptions.Section);
        services.TryAddSingleton(TimeProvider.System);
        services.TryAddSingleton<PortalDatabase>(PortalDatabase.From);

        // Both subclasses are registered, and PortalDb resolves to the configured one; each keeps its own
        // migrations. The factories are singletons so Blazor circuits and background loops can make short-lived
        // contexts; the typed contexts are also registered as scoped by AddDbContextFactory.
        services.AddDbContextFactory<PostgresPortalDb>((sp, options) =>
            PostgresPortalDb.Configure(options, sp.GetRequiredService<PortalDatabase>().ConnectionString));
        services.AddDbContextFactory<SqlitePortalDb>((sp, options) =>
            SqlitePortalDb.Configure(options, sp.GetRequiredService<PortalDatabase>().ConnectionString));

        services.TryAddScoped<PortalDb>(sp => sp.GetRequiredService<PortalDatabase>().Provider switch
        {
            PortalDatabaseProvider.Postgres => sp.GetRequiredService<PostgresPortalDb>(),
            _ => sp.GetRequiredService<SqlitePortalDb>(),
        });
        services.TryAddSingleton<IDbContextFactory<PortalDb>>(sp => sp.GetRequiredService<PortalDatabase>().Provider switch
        {
            PortalDatabaseProvider.Postgres =>
                new PortalDbFactory<PostgresPortalDb>(sp.GetRequiredService<IDbContextFactory<PostgresPortalDb>>()),
            _ => new PortalDbFactory<SqlitePortalDb>(sp.GetRequiredService<IDbContextFactory<SqlitePortalDb>>()),
        });

        // One reader of cluster versions per process: the UI's change loop and the provisioning poll share its reads.
        services.TryAddSingleton<ClusterVersions>();

        // A request that fails because the database is unreachable answers 503 with Retry-After, not 500.
        services.AddExceptionHandler<DatabaseOutageHandler>();
        services.TryAddSingleton<PortalDatabaseMigrator>();
        services.AddHostedService<PortalDataStartup>();
        return builder;
    }

    /// <summary>
    /// Adds the readiness check "database": the database answers and has no pending migrations. Tagged
    /// <see cref="ReadyTag"/>; map it with <c>MapHealthChecks("/readyz", new() { Predicate = c => c.Tags.Contains("ready") })</c>.
    /// </summary>
    public static IHealthChecksBuilder AddPortalDataHealthChecks(this IHealthChecksBuilder builder)
    {
        ArgumentNullException.ThrowIfNull(builder);
        return builder.AddCheck<PortalDbHealthCheck>("database", HealthStatus.Unhealthy, [ReadyTag]);
    }

    /// <summary>
    /// Runs the data command named by <paramref name="args"/>, if any: <c>migrate</c> applies pending migrations
    /// (and seeds an empty database when Portal:SeedDefaultTenant is true). Returns true when a command ran, and
    /// the caller should then exit instead of serving; a failing command throws, so the process exits non-zero.
    /// </summary>
    public static async Task<bool> TryRunDataCommandAsync(this WebApplication app, string[] args)
    {
        ArgumentNullException.ThrowIfNull(app);
        ArgumentNullException.ThrowIfNull(args);
        if (args is not ["migrate", ..])
        {
            return false;
        }

        await app.Services.GetRequiredService<PortalDatabaseMigrator>().MigrateAsync(app.Lifetime.ApplicationStopping);
        return true;
    }

    sealed class PortalDbFactory<TContext>(IDbContextFactory<TContext> inner) : IDbContextFactory<PortalDb>
        where TContext : PortalDb
    {
        public PortalDb CreateDbContext() => inner.CreateDbContext();
    }
}
