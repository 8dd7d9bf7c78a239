using Microsoft.EntityFrameworkCore;
using Portal.Core.Data;
using Portal.Testing;

namespace Portal.Core.Tests.Data;

/// <summary>Each provider's migrations take an empty database to the schema the model describes.</summary>
public sealed class PostgresMigrationTests(PostgresServer server) : MigrationTests
{
    protected override async Task<PortalDb> EmptyDatabaseAsync() =>
        PostgresPortalDb.Create(await server.CreateDatabaseAsync());
}

/// <inheritdoc/>
public sealed class SqliteMigrationTests : MigrationTests, IAsyncDisposable
{
    readonly SqliteDatabase _file = SqliteDatabase.Create();

    protected override Task<PortalDb> EmptyDatabaseAsync() =>
        Task.FromResult<PortalDb>(SqlitePortalDb.Create(_file.ConnectionString));

    public ValueTask DisposeAsync() => _file.DisposeAsync();
}

/// <summary>Runs once per provider subclass.</summary>
public abstract class MigrationTests
{
    static CancellationToken Ct => TestContext.Current.CancellationToken;

    protected abstract Task<PortalDb> EmptyDatabaseAsync();

    [Fact]
    public async Task Migrating_an_empty_database_applies_every_migration()
    {
        await using var db = await EmptyDatabaseAsync();

        await db.Database.MigrateAsync(Ct);

        Assert.Equal(db.Database.GetMigrations(), await db.Database.GetAppliedMigrationsAsync(Ct));
    }

    [Fact]
    public async Task The_migrations_create_every_table_of_the_model()
    {
        await using var db = await EmptyDatabaseAsync();
        await db.Database.MigrateAsync(Ct);

        // A query against each set fails if its table or any mapped column is missing.
        var rows = await db.Tenants.CountAsync(Ct) + await db.Memberships.CountAsync(Ct) + await db.Clusters.CountAsync(Ct)
            + await db.ClusterEvents.CountAsync(Ct) + await db.AuditLog.CountAsync(Ct);

        Assert.Equal(0, rows);
    }

    [Fact]
    public async Task The_model_has_no_changes_missing_from_the_migrations()
    {
        await using var db = await EmptyDatabaseAsync();

        // Fails when someone changed the model and forgot `dotnet ef migrations add` for this provider.
        Assert.False(db.Database.HasPendingModelChanges());
    }
}
