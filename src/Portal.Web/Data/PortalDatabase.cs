namespace Portal.Web.Data;

/// <summary>Which database provider the portal runs on.</summary>
public enum PortalDatabaseProvider
{
    /// <summary>PostgreSQL, chosen whenever ConnectionStrings:Portal is set.</summary>
    Postgres,

    /// <summary>The embedded SQLite file &lt;DataDirectory&gt;/portal.db, the zero-configuration default.</summary>
    Sqlite,
}

/// <summary>The database the portal uses, decided once from configuration when first asked for.</summary>
/// <remarks>
/// Decided lazily (not while services are registered) so configuration added after <c>AddPortalData</c>, such as a
/// test host's connection string, is honoured.
/// </remarks>
public sealed record PortalDatabase(PortalDatabaseProvider Provider, string ConnectionString)
{
    /// <summary>Name of the connection string that selects PostgreSQL.</summary>
    public const string ConnectionStringName = "Portal";

    /// <summary>File name of the embedded database inside the data directory.</summary>
    public const string SqliteFileName = "portal.db";

    internal static PortalDatabase From(IConfiguration configuration, PortalOptions options)
    {
        var postgres = configuration.GetConnectionString(ConnectionStringName);
        return string.IsNullOrWhiteSpace(postgres)
            ? new(PortalDatabaseProvider.Sqlite,
                SqlitePortalDb.ConnectionStringFor(Path.Combine(Path.GetFullPath(options.DataDirectory), SqliteFileName)))
            : new(PortalDatabaseProvider.Postgres, postgres);
    }

    internal static PortalDatabase From(IServiceProvider services) =>
        From(services.GetRequiredService<IConfiguration>(), services.GetRequiredService<IOptions<PortalOptions>>().Value);
}
