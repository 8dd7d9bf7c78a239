using System.Data.Common;
using Microsoft.EntityFrameworkCore;
using Microsoft.EntityFrameworkCore.Diagnostics;
using Microsoft.Extensions.Time.Testing;
using Npgsql;
using Portal.Core.Clusters;
using Portal.Core.Data;
using Portal.Core.Tenants;
using Portal.Testing;
using static Portal.Testing.Builders;

namespace Portal.Core.Tests.Data;

/// <summary>The one read of cluster versions the polls share, on a freshly migrated PostgreSQL database per test.</summary>
public sealed class ClusterVersionsTests(PostgresServer server) : IAsyncLifetime
{
    static readonly TimeSpan Age = TimeSpan.FromSeconds(1);

    readonly FakeTimeProvider _time = new(new DateTimeOffset(2026, 11, 25, 9, 0, 0, TimeSpan.Zero));
    readonly Queries _queries = new();
    readonly Tenant _tenant = ATenant().Build();
    string _connectionString = "";

    static CancellationToken Ct => TestContext.Current.CancellationToken;

    public async ValueTask InitializeAsync()
    {
        _connectionString = await server.CreateDatabaseAsync();
        await using var db = NewDb();
        await db.Database.MigrateAsync(Ct);
        db.Tenants.Add(_tenant);
        await db.SaveChangesAsync(Ct);
    }

    public ValueTask DisposeAsync() => ValueTask.CompletedTask;

    PortalDb NewDb() => PostgresPortalDb.Create(_connectionString, _time);

    /// <summary>A reader on the test's clock whose every query goes through <see cref="_queries"/>.</summary>
    ClusterVersions Reader() => new(new DbFactory(() =>
    {
        var options = new DbContextOptionsBuilder<PostgresPortalDb>().AddInterceptors(_queries);
        PostgresPortalDb.Configure(options, _connectionString);
        return new PostgresPortalDb(options.Options, _time);
    }), _time);

    async Task<Cluster> SavedClusterAsync(ClusterPhase phase = ClusterPhase.Running)
    {
        var cluster = ASparkCluster().In(_tenant).WithStatus(new ClusterStatus { Phase = phase }).Build();
        await using var db = NewDb();
        db.Clusters.Add(cluster);
        await db.SaveChangesAsync(Ct);
        return cluster;
    }

    [Fact]
    public async Task A_deleted_cluster_is_read_with_its_tenant_and_phase()
    {
        var cluster = await SavedClusterAsync(ClusterPhase.Deleted);

        var row = Assert.Single(await Reader().ReadAsync(Age, Ct));

        Assert.Equal((cluster.Id, _tenant.Id, ClusterPhase.Deleted), (row.Id, row.TenantId, row.Phase));
    }

    [Fact]
    public async Task A_read_within_the_age_returns_the_earlier_read_even_after_a_write()
    {
        await SavedClusterAsync();
        var reader = Reader();
        var earlier = await reader.ReadAsync(Age, Ct);
        await SavedClusterAsync();
        _time.Advance(Age);

        var rows = await reader.ReadAsync(Age, Ct);

        Assert.Equal(earlier, rows);
    }

    [Fact]
    public async Task A_read_past_the_age_sees_the_write()
    {
        var reader = Reader();
        await reader.ReadAsync(Age, Ct);
        var added = await SavedClusterAsync();
        _time.Advance(Age + TimeSpan.FromTicks(1));

        var rows = await reader.ReadAsync(Age, Ct);

        Assert.Contains(added.Id, rows.Select(r => r.Id));
    }

    [Fact]
    public async Task Reads_asked_for_while_one_is_running_share_its_query()
    {
        _queries.Hold();
        var reader = Reader();
        var first = reader.ReadAsync(Age, Ct);
        await _queries.Started.WaitAsync(Ct);
        var second = reader.ReadAsync(Age, Ct);
        _queries.Release();
        await Task.WhenAll(first, second);

        Assert.Equal(1, _queries.Count);
    }

    [Fact]
    public async Task A_caller_that_stops_waiting_does_not_fail_the_read_another_shares()
    {
        var cluster = await SavedClusterAsync();
        _queries.Hold();
        var reader = Reader();
        using var impatient = CancellationTokenSource.CreateLinkedTokenSource(Ct);
        var leaving = reader.ReadAsync(Age, impatient.Token);
        await _queries.Started.WaitAsync(Ct);
        var staying = reader.ReadAsync(Age, Ct);
        await impatient.CancelAsync();
        await Assert.ThrowsAnyAsync<OperationCanceledException>(() => leaving);
        _queries.Release();

        var rows = await staying;

        Assert.Equal([cluster.Id], rows.Select(r => r.Id));
    }

    [Fact]
    public async Task A_failed_read_is_not_reused()
    {
        var cluster = await SavedClusterAsync();
        var reader = Reader();
        _queries.Fail = true;
        await Assert.ThrowsAnyAsync<DbException>(() => reader.ReadAsync(Age, Ct));
        _queries.Fail = false;

        var rows = await reader.ReadAsync(Age, Ct);

        Assert.Equal([cluster.Id], rows.Select(r => r.Id));
    }

    /// <summary>
    /// Counts the queries the reader runs, and on request holds them (a slow database) or fails them (a lost one).
    /// </summary>
    sealed class Queries : DbCommandInterceptor
    {
        readonly TaskCompletionSource _started = new(TaskCreationOptions.RunContinuationsAsynchronously);
        TaskCompletionSource? _gate;
        int _count;

        public int Count => Volatile.Read(ref _count);

        /// <summary>Completes when the first query reaches the database.</summary>
        public Task Started => _started.Task;

        public bool Fail { get; set; }

        public void Hold() => _gate = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);

        public void Release() => _gate?.SetResult();

        public override async ValueTask<InterceptionResult<DbDataReader>> ReaderExecutingAsync(
            DbCommand command, CommandEventData eventData, InterceptionResult<DbDataReader> result,
            CancellationToken cancellationToken = default)
        {
            Interlocked.Increment(ref _count);
            _started.TrySetResult();
            if (_gate is { } gate)
                await gate.Task;
            if (Fail)
                throw new NpgsqlException("The database is unreachable (test)");
            return result;
        }
    }
}
