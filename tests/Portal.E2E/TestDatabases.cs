using Microsoft.AspNetCore.Identity.EntityFrameworkCore;
using Microsoft.EntityFrameworkCore;
using Microsoft.EntityFrameworkCore.Storage.ValueConversion;
using Portal.Core.Data;
using Portal.Core.Identity;

namespace Portal.E2E;

/// <summary>
/// Test-only <see cref="PortalDb"/> with <see cref="IdentityModel"/> added, until PortalDb calls it itself; same
/// base class and save rules, created with EnsureCreated on a SQLite file.
/// </summary>
public sealed class PortalTestDb(DbContextOptions<PortalTestDb> options, TimeProvider time) : PortalDb(options, time)
{
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

/// <summary>
/// Test-only home of the ASP.NET Core Identity tables, standing in for PortalDb until it derives from
/// IdentityDbContext.
/// </summary>
public sealed class UsersTestDb(DbContextOptions<UsersTestDb> options) : IdentityDbContext(options);
