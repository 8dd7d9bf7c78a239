using Microsoft.EntityFrameworkCore.Design;

namespace Portal.Core.Data;

/// <summary>
/// Lets <c>dotnet ef</c> build <see cref="PostgresPortalDb"/> to add migrations; it never connects, so the
/// connection string only has to parse.
/// </summary>
public sealed class PostgresPortalDbFactory : IDesignTimeDbContextFactory<PostgresPortalDb>
{
    /// <inheritdoc/>
    public PostgresPortalDb CreateDbContext(string[] args) =>
        PostgresPortalDb.Create("Host=localhost;Database=spark_portal_design_time");
}

/// <summary>Lets <c>dotnet ef</c> build <see cref="SqlitePortalDb"/> to add migrations.</summary>
public sealed class SqlitePortalDbFactory : IDesignTimeDbContextFactory<SqlitePortalDb>
{
    /// <inheritdoc/>
    public SqlitePortalDb CreateDbContext(string[] args) =>
        SqlitePortalDb.Create(SqlitePortalDb.ConnectionStringFor("design-time.db"));
}
