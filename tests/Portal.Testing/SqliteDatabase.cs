using Microsoft.Data.Sqlite;
using Portal.Core.Data;

namespace Portal.Testing;

/// <summary>
/// An empty SQLite database file in its own temporary directory, deleted on dispose. A file rather than
/// <c>:memory:</c> so the portal, tests and migrations can open as many connections as they like, as in production.
/// </summary>
public sealed class SqliteDatabase : IAsyncDisposable
{
    SqliteDatabase(string directory)
    {
        Directory = directory;
        Path = System.IO.Path.Combine(directory, "portal.db");
        ConnectionString = SqlitePortalDb.ConnectionStringFor(Path);
    }

    /// <summary>The directory holding the file; usable as Portal:DataDirectory.</summary>
    public string Directory { get; }

    /// <summary>Full path of the database file (it does not exist until first opened).</summary>
    public string Path { get; }

    /// <summary>Connection string with foreign keys on, as the portal uses it.</summary>
    public string ConnectionString { get; }

    /// <summary>Makes a fresh temporary directory for a database file.</summary>
    public static SqliteDatabase Create() =>
        new(System.IO.Directory.CreateTempSubdirectory("portal-sqlite-").FullName);

    /// <inheritdoc/>
    public ValueTask DisposeAsync()
    {
        // Pooled connections keep the file open; release them before deleting it.
        SqliteConnection.ClearAllPools();
        System.IO.Directory.Delete(Directory, recursive: true);
        return ValueTask.CompletedTask;
    }
}
