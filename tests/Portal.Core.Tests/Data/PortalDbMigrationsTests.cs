using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.Logging.Abstractions;
using Portal.Core.Data;
using Portal.Testing;
using static Portal.Testing.Builders;

namespace Portal.Core.Tests.Data;

/// <summary>Start-up migration and seeding on PostgreSQL, where several replicas may start at once.</summary>
public sealed class PostgresPortalDbMigrationsTests(PostgresServer server) : PortalDbMigrationsTests
{
    string _connectionString = "";

    public override async ValueTask InitializeAsync() => _connectionString = await server.CreateDatabaseAsync();

    protected override PortalDb NewDb() => PostgresPortalDb.Create(_connectionString);

    [Fact]
    public async Task Replicas_migrating_at_once_seed_a_single_default_tenant()
    {
        await Task.WhenAll(Enumerable.Range(0, 4).Select(_ => Task.Run(async () =>
        {
            await using var db = NewDb();
            await db.MigrateAndSeedAsync(seedDefaultTenant: true, "spark-default", NullLogger.Instance, Ct);
        }, Ct)));

        Assert.Equal(["default"], await TenantSlugsAsync());
    }
}

/// <summary>Start-up migration and seeding on the embedded SQLite file.</summary>
public sealed class SqlitePortalDbMigrationsTests : PortalDbMigrationsTests
{
    readonly SqliteDatabase _file = SqliteDatabase.Create();

    protected override PortalDb NewDb() => SqlitePortalDb.Create(_file.ConnectionString);

    public override ValueTask DisposeAsync() => _file.DisposeAsync();

    [Fact]
    public async Task The_file_is_left_in_write_ahead_log_mode()
    {
        await MigrateAndSeedAsync(seed: true);

        await using var db = NewDb();
        var mode = await db.Database.SqlQueryRaw<string>("PRAGMA journal_mode").ToListAsync(Ct);

        Assert.Equal(["wal"], mode);
    }
}

/// <summary>Runs once per provider subclass.</summary>
public abstract class PortalDbMigrationsTests : IAsyncLifetime
{
    protected static CancellationToken Ct => TestContext.Current.CancellationToken;

    public virtual ValueTask InitializeAsync() => ValueTask.CompletedTask;

    public virtual ValueTask DisposeAsync() => ValueTask.CompletedTask;

    protected abstract PortalDb NewDb();

    protected async Task MigrateAndSeedAsync(bool seed)
    {
        await using var db = NewDb();
        await db.MigrateAndSeedAsync(seed, "spark-default", NullLogger.Instance, Ct);
    }

    protected async Task<List<string>> TenantSlugsAsync()
    {
        await using var db = NewDb();
        return await db.Tenants.OrderBy(t => t.Slug).Select(t => t.Slug).ToListAsync(Ct);
    }

    [Fact]
    public async Task An_empty_database_gets_the_default_tenant_in_namespace_spark_default()
    {
        await MigrateAndSeedAsync(seed: true);

        await using var db = NewDb();
        var tenant = await db.Tenants.SingleAsync(Ct);
        Assert.Equal(("default", "spark-default"), (tenant.Slug, tenant.Namespace));
    }

    [Fact]
    public async Task With_seeding_off_the_database_stays_without_tenants()
    {
        await MigrateAndSeedAsync(seed: false);

        Assert.Empty(await TenantSlugsAsync());
    }

    [Fact]
    public async Task A_database_that_has_tenants_is_not_seeded()
    {
        await MigrateAndSeedAsync(seed: false);
        await using (var db = NewDb())
        {
            db.Tenants.Add(ATenant().WithSlug("acme").Build());
            await db.SaveChangesAsync(Ct);
        }

        await MigrateAndSeedAsync(seed: true);

        Assert.Equal(["acme"], await TenantSlugsAsync());
    }

    [Fact]
    public async Task Running_it_again_changes_nothing()
    {
        await MigrateAndSeedAsync(seed: true);

        await MigrateAndSeedAsync(seed: true);

        Assert.Equal(["default"], await TenantSlugsAsync());
    }

    [Fact]
    public async Task A_database_made_by_another_build_is_refused_with_a_message_naming_its_unknown_migrations()
    {
        await MigrateAndSeedAsync(seed: false);
        await using (var db = NewDb())
        {
            await db.Database.ExecuteSqlAsync(
                $"INSERT INTO \"__EFMigrationsHistory\" (\"MigrationId\", \"ProductVersion\") VALUES ('29990101000000_FromANewerBuild', '10.0.15')", Ct);
        }

        var refused = await Assert.ThrowsAsync<UnknownSchemaException>(() => MigrateAndSeedAsync(seed: true));

        Assert.Contains("29990101000000_FromANewerBuild", refused.Message, StringComparison.Ordinal);
    }
}
