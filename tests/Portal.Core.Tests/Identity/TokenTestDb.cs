using Microsoft.EntityFrameworkCore;
using Portal.Core.Data;

namespace Portal.Core.Tests.Identity;

/// <summary>The real <see cref="SqlitePortalDb"/>, migrated, on a private in-memory database.</summary>
static class TokenTestDb
{
    /// <summary>A fresh database that lives as long as the returned context (which holds its only connection).</summary>
    public static async Task<SqlitePortalDb> CreateAsync(TimeProvider time)
    {
        var db = SqlitePortalDb.Create("DataSource=:memory:", time);
        // An in-memory SQLite database dies with its last connection: keep this one open for the context's life.
        await db.Database.OpenConnectionAsync(TestContext.Current.CancellationToken);
        await db.Database.MigrateAsync(TestContext.Current.CancellationToken);
        return db;
    }
}

