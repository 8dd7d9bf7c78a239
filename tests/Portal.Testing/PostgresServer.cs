using System.Diagnostics;
using System.Net;
using System.Net.Sockets;
using Npgsql;
using Xunit;

namespace Portal.Testing;

/// <summary>
/// A throwaway PostgreSQL server on a free loopback port, shared by a whole test assembly:
/// <c>[assembly: AssemblyFixture(typeof(PostgresServer))]</c>, then take it in a test class constructor and call
/// <see cref="CreateDatabaseAsync"/> for a fresh, empty database per test or class.
/// </summary>
/// <remarks>
/// Set <c>PORTAL_TEST_POSTGRES</c> to the connection string of an existing server (a superuser, or a role that may
/// CREATE DATABASE) to use it instead; the databases made on it are dropped at the end of the run.
/// </remarks>
public sealed class PostgresServer : IAsyncLifetime
{
    /// <summary>Environment variable naming an existing server to use instead of starting one.</summary>
    public const string ExistingServerVariable = "PORTAL_TEST_POSTGRES";

    static readonly TimeSpan CommandTimeout = TimeSpan.FromMinutes(2);

    readonly List<string> _createdDatabases = [];
    string? _directory;
    string? _binDirectory;
    bool _runAsPostgresUser;
    NpgsqlConnectionStringBuilder? _admin;

    /// <summary>Connection string of the maintenance database, for tests that manage databases themselves.</summary>
    public string AdminConnectionString =>
        (_admin ?? throw new InvalidOperationException("The PostgreSQL server has not been started.")).ConnectionString;

    /// <summary>True when the server came from <see cref="ExistingServerVariable"/> rather than being started here.</summary>
    public bool IsExternal { get; private set; }

    /// <inheritdoc/>
    public async ValueTask InitializeAsync()
    {
        var existing = Environment.GetEnvironmentVariable(ExistingServerVariable);
        if (!string.IsNullOrWhiteSpace(existing))
        {
            IsExternal = true;
            _admin = new NpgsqlConnectionStringBuilder(existing);
            return;
        }

        _binDirectory = FindBinDirectory();
        // initdb refuses to run as root, so as root the server runs as the postgres OS user the Debian package creates.
        _runAsPostgresUser = Environment.UserName == "root";
        // As root, /tmp rather than $TMPDIR: the postgres user must be able to create its directory there.
        _directory = Path.Combine(_runAsPostgresUser ? "/tmp" : Path.GetTempPath(), $"portal-pg-{Guid.NewGuid():N}");
        var data = Path.Combine(_directory, "data");

        if (_runAsPostgresUser)
        {
            // The postgres user creates its own directory, so it owns it; root can still delete it afterwards.
            await RunAsync("mkdir", ["-m", "700", _directory]);
        }
        else
        {
            Directory.CreateDirectory(_directory);
        }

        // Trust authentication is acceptable only because the server listens on loopback and lives for one run.
        await RunAsync(Path.Combine(_binDirectory, "initdb"),
            ["-D", data, "-U", "postgres", "-A", "trust", "-E", "UTF8", "--locale=C", "--no-sync"]);

        // A port taken between probing and binding makes pg_ctl fail; try a few before giving up.
        for (var attempt = 1; ; attempt++)
        {
            var port = FreeLoopbackPort();
            try
            {
                // Durability settings are off: a crash loses a throwaway database, and every commit is faster.
                await RunAsync(Path.Combine(_binDirectory, "pg_ctl"),
                [
                    "-D", data, "-l", Path.Combine(_directory, "server.log"), "-w", "-t", "60", "start",
                    "-o", $"-p {port} -c listen_addresses=127.0.0.1 -k {_directory} -c fsync=off " +
                          "-c synchronous_commit=off -c full_page_writes=off -c max_connections=300",
                ]);
                _admin = new NpgsqlConnectionStringBuilder
                {
                    Host = "127.0.0.1",
                    Port = port,
                    Username = "postgres",
                    Database = "postgres",
                    IncludeErrorDetail = true,
                };
                return;
            }
            catch (InvalidOperationException) when (attempt < 3)
            {
                // Retried with another port.
            }
        }
    }

    /// <summary>
    /// Creates an empty database with a unique name (or <paramref name="name"/>) and returns its connection string.
    /// </summary>
    public async Task<string> CreateDatabaseAsync(string? name = null)
    {
        var admin = new NpgsqlConnectionStringBuilder(AdminConnectionString);
        name ??= $"portal_test_{Guid.NewGuid():N}";

        await using (var connection = new NpgsqlConnection(admin.ConnectionString))
        {
            await connection.OpenAsync();
            await using var create = new NpgsqlCommand($"CREATE DATABASE \"{name.Replace("\"", "\"\"", StringComparison.Ordinal)}\"", connection);
            await create.ExecuteNonQueryAsync();
        }

        lock (_createdDatabases)
        {
            _createdDatabases.Add(name);
        }

        admin.Database = name;
        // Every test class has its own database and so its own pool; idle connections are closed quickly so
        // hundreds of finished tests don't exhaust the server's connection slots.
        admin.ConnectionIdleLifetime = 10;
        admin.ConnectionPruningInterval = 5;
        return admin.ConnectionString;
    }

    /// <inheritdoc/>
    public async ValueTask DisposeAsync()
    {
        NpgsqlConnection.ClearAllPools();
        if (IsExternal)
        {
            await DropCreatedDatabasesAsync();
            return;
        }

        if (_directory is null || _binDirectory is null)
        {
            return;
        }

        try
        {
            if (File.Exists(Path.Combine(_directory, "data", "postmaster.pid")))
            {
                await RunAsync(Path.Combine(_binDirectory, "pg_ctl"),
                    ["-D", Path.Combine(_directory, "data"), "-m", "immediate", "-w", "stop"]);
            }
        }
        finally
        {
            Directory.Delete(_directory, recursive: true);
        }
    }

    async Task DropCreatedDatabasesAsync()
    {
        await using var connection = new NpgsqlConnection(AdminConnectionString);
        await connection.OpenAsync();
        foreach (var name in _createdDatabases)
        {
            await using var drop = new NpgsqlCommand($"DROP DATABASE IF EXISTS \"{name.Replace("\"", "\"\"", StringComparison.Ordinal)}\" WITH (FORCE)", connection);
            await drop.ExecuteNonQueryAsync();
        }
    }

    static string FindBinDirectory()
    {
        const string root = "/usr/lib/postgresql";
        var candidates = Directory.Exists(root)
            ? Directory.GetDirectories(root)
                .Select(d => (Version: int.TryParse(Path.GetFileName(d), out var v) ? v : -1, Bin: Path.Combine(d, "bin")))
                .Where(c => File.Exists(Path.Combine(c.Bin, "initdb")) && File.Exists(Path.Combine(c.Bin, "pg_ctl")))
                .OrderByDescending(c => c.Version)
                .ToList()
            : [];

        return candidates.Count > 0
            ? candidates[0].Bin
            : throw new InvalidOperationException(
                $"PostgreSQL server binaries not found: run tests/run.sh or apt-get install postgresql (looked for initdb and pg_ctl under {root}/*/bin; or set {ExistingServerVariable} to an existing server's connection string).");
    }

    static int FreeLoopbackPort()
    {
        using var listener = new TcpListener(IPAddress.Loopback, 0);
        listener.Start();
        return ((IPEndPoint)listener.LocalEndpoint).Port;
    }

    async Task RunAsync(string program, IReadOnlyList<string> arguments)
    {
        var start = new ProcessStartInfo
        {
            FileName = _runAsPostgresUser ? "runuser" : program,
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            // The server must not inherit the test host's console, or the test run would wait on its output pipes.
            RedirectStandardInput = true,
            UseShellExecute = false,
        };
        if (_runAsPostgresUser)
        {
            foreach (var argument in (string[])["-u", "postgres", "--", program])
            {
                start.ArgumentList.Add(argument);
            }
        }

        foreach (var argument in arguments)
        {
            start.ArgumentList.Add(argument);
        }

        using var process = Process.Start(start)
            ?? throw new InvalidOperationException($"Could not start {program}.");
        process.StandardInput.Close();
        var output = process.StandardOutput.ReadToEndAsync();
        var error = process.StandardError.ReadToEndAsync();

        using var timeout = new CancellationTokenSource(CommandTimeout);
        try
        {
            await process.WaitForExitAsync(timeout.Token);
        }
        catch (OperationCanceledException)
        {
            process.Kill(entireProcessTree: true);
            throw new InvalidOperationException($"{program} did not finish within {CommandTimeout}.");
        }

        if (process.ExitCode != 0)
        {
            throw new InvalidOperationException(
                $"{program} {string.Join(' ', arguments)} exited with {process.ExitCode}:\n{await output}\n{await error}\n{ServerLog()}");
        }
    }

    string ServerLog()
    {
        var log = _directory is null ? null : Path.Combine(_directory, "server.log");
        return log is not null && File.Exists(log) ? "server.log:\n" + File.ReadAllText(log) : "";
    }
}
