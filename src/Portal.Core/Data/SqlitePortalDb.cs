using Microsoft.EntityFrameworkCore.Storage.ValueConversion;

namespace Portal.Core.Data;

/// <summary>
/// <see cref="PortalDb"/> on an embedded SQLite file, the default when no PostgreSQL connection string is set.
/// Migrations live in Migrations/Sqlite.
/// </summary>
/// <param name="options">The provider's options.</param>
/// <param name="timeProvider">Stamps creation times.</param>
public sealed class SqlitePortalDb(DbContextOptions<SqlitePortalDb> options, TimeProvider timeProvider) : PortalDb(options, timeProvider)
{
    /// <summary>Points <paramref name="builder"/> at a SQLite database with the options every caller must share.</summary>
    public static DbContextOptionsBuilder Configure(DbContextOptionsBuilder builder, string connectionString)
    {
        ArgumentNullException.ThrowIfNull(builder);
        return builder.UseSqlite(connectionString);
    }

    /// <summary>Creates a context outside dependency injection (tools, tests).</summary>
    public static SqlitePortalDb Create(string connectionString, TimeProvider? timeProvider = null)
    {
        var builder = new DbContextOptionsBuilder<SqlitePortalDb>();
        Configure(builder, connectionString);
        return new SqlitePortalDb(builder.Options, timeProvider ?? TimeProvider.System);
    }

    /// <summary>The connection string of the database file at <paramref name="path"/>.</summary>
    public static string ConnectionStringFor(string path) =>
        new Microsoft.Data.Sqlite.SqliteConnectionStringBuilder
        {
            DataSource = path,
            ForeignKeys = true,
            Pooling = true,
        }.ToString();

    /// <inheritdoc/>
    protected override void ConfigureConventions(ModelConfigurationBuilder configurationBuilder)
    {
        base.ConfigureConventions(configurationBuilder);

        // SQLite has no date type, and EF stores DateTimeOffset as text it cannot compare, so ORDER BY and range
        // filters on timestamps would fail to translate. UTC ticks are an integer that sorts like the instant;
        // the offset is dropped, as PostgreSQL's timestamptz drops it too.
        configurationBuilder.Properties<DateTimeOffset>().HaveConversion<UtcTicksConverter>();
    }

    sealed class UtcTicksConverter() : ValueConverter<DateTimeOffset, long>(
        value => value.UtcTicks,
        ticks => new DateTimeOffset(ticks, TimeSpan.Zero));
}
