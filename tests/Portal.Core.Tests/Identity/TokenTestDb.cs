using Microsoft.Data.Sqlite;
using Microsoft.EntityFrameworkCore;
using Microsoft.EntityFrameworkCore.Storage.ValueConversion;
using Portal.Core.Data;
using Portal.Core.Identity;

namespace Portal.Core.Tests.Identity;

/// <summary>
/// Test-only <see cref="PortalDb"/> that adds <see cref="IdentityModel"/>, on a private SQLite in-memory database,
/// until PortalDb itself calls <see cref="IdentityModel.Configure"/>. Same base class, same save rules, same mapping.
/// </summary>
sealed class TokenTestDb : PortalDb
{
    TokenTestDb(DbContextOptions<TokenTestDb> options, TimeProvider time)
        : base(options, time)
    {
    }

    /// <summary>A fresh, schema-created database that lives as long as <paramref name="connection"/> is open.</summary>
    public static async Task<TokenTestDb> CreateAsync(SqliteConnection connection, TimeProvider time)
    {
        var options = new DbContextOptionsBuilder<TokenTestDb>().UseSqlite(connection).Options;
        var db = new TokenTestDb(options, time);
        await db.Database.EnsureCreatedAsync(TestContext.Current.CancellationToken);
        return db;
    }

    protected override void OnModelCreating(ModelBuilder modelBuilder)
    {
        base.OnModelCreating(modelBuilder);
        IdentityModel.Configure(modelBuilder);
    }

    // Mirrors SqlitePortalDb, whose converter is private: SQLite can't order DateTimeOffset text.
    protected override void ConfigureConventions(ModelConfigurationBuilder configurationBuilder)
    {
        base.ConfigureConventions(configurationBuilder);
        configurationBuilder.Properties<DateTimeOffset>().HaveConversion<UtcTicks>();
    }

    sealed class UtcTicks() : ValueConverter<DateTimeOffset, long>(
        value => value.UtcTicks,
        ticks => new DateTimeOffset(ticks, TimeSpan.Zero));
}

/// <summary>A clock the test moves by hand.</summary>
sealed class ManualClock(DateTimeOffset start) : TimeProvider
{
    public DateTimeOffset Now { get; private set; } = start;

    public override DateTimeOffset GetUtcNow() => Now;

    public void Advance(TimeSpan by) => Now += by;
}
