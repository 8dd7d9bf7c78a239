using System.Text;
using k8s;
using k8s.Models;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Logging.Abstractions;
using Microsoft.Extensions.Options;
using Microsoft.Extensions.Time.Testing;
using Portal.Core.Clusters;
using Portal.Core.Data;
using Portal.Core.Tenants;
using Portal.Provisioning.Kubernetes;
using Portal.Provisioning.Reconciler;
using Portal.Provisioning.Spark;
using Portal.Provisioning.WorkQueue;
using Portal.Sandbox;
using Portal.Testing;

namespace Portal.Provisioning.Tests.Reconciler;

/// <summary>
/// A real sandbox API server and a fresh PostgreSQL database, with reconcilers wired to both the way
/// AddProvisioning wires them. Time is a <see cref="FakeTimeProvider"/> started at the real clock, so expiry is
/// under the test's control while the sandbox's own timers run on real time.
/// </summary>
internal sealed class Harness : IAsyncDisposable
{
    readonly List<IDisposable> _disposables = [];

    Harness(KubeSandbox sandbox, Func<PortalDb> create, FakeTimeProvider time, KubernetesOptions options)
    {
        Sandbox = sandbox;
        Time = time;
        Options = options;
        Dbs = new Factory(create);
        Client = Connect().Client;
    }

    public KubeSandbox Sandbox { get; }

    public FakeTimeProvider Time { get; }

    public KubernetesOptions Options { get; }

    public IDbContextFactory<PortalDb> Dbs { get; }

    /// <summary>A plain client for assertions and for playing the user who edits objects by hand.</summary>
    public IKubernetes Client { get; }

    public static CancellationToken Ct => TestContext.Current.CancellationToken;

    public static async Task<Harness> StartAsync(PostgresServer postgres, SandboxOptions? sandbox = null)
    {
        var connectionString = await postgres.CreateDatabaseAsync();
        return await StartAsync(time => PostgresPortalDb.Create(connectionString, time), sandbox);
    }

    /// <summary>The same on SQLite, the embedded default's database.</summary>
    public static async Task<Harness> StartOnSqliteAsync(SqliteDatabase sqlite) =>
        await StartAsync(time => SqlitePortalDb.Create(sqlite.ConnectionString, time), sandbox: null);

    static async Task<Harness> StartAsync(Func<TimeProvider, PortalDb> create, SandboxOptions? sandbox)
    {
        // Whole seconds: PostgreSQL keeps microseconds, so sub-microsecond ticks wouldn't survive a round trip.
        var now = DateTimeOffset.UtcNow;
        var time = new FakeTimeProvider(new DateTimeOffset(now.Ticks - (now.Ticks % TimeSpan.TicksPerSecond), TimeSpan.Zero));
        await using (var db = create(time))
        {
            await db.Database.MigrateAsync(Ct);
        }

        // Pods start and Spark daemons register fast so tests don't wait; reconcilers requeue fast for the same reason.
        sandbox ??= new SandboxOptions { SparkRegistrationDelay = TimeSpan.FromMilliseconds(200) };
        sandbox.PodStartDelay = TimeSpan.FromMilliseconds(50);
        return new Harness(await KubeSandbox.StartAsync(sandbox, Ct), () => create(time), time, FastOptions());
    }

    static KubernetesOptions FastOptions() => new() { WaitingRequeueSeconds = 1, LeaseDurationSeconds = 2, PollSeconds = 1 };

    public KubernetesConnection Connect(params DelegatingHandler[] handlers)
    {
        using var kubeconfig = new MemoryStream(Encoding.UTF8.GetBytes(Sandbox.KubeconfigYaml));
        var connection = KubernetesConnection.FromConfig(KubernetesMode.Sandbox, KubernetesClientConfiguration.BuildConfigFromConfigFile(kubeconfig), handlers);
        _disposables.Add(connection);
        return connection;
    }

    /// <summary>A fresh set of reconcilers: what a restarted portal process would have.</summary>
    public Portal NewPortal(params DelegatingHandler[] handlers)
    {
        var api = new KubernetesApi(Connect(handlers), TimeProvider.System, NullLoggerFactory.Instance);
        var queues = new ProvisioningQueues(Time);
        _disposables.Add(queues);
        var options = Microsoft.Extensions.Options.Options.Create(Options);
        var writes = new ClusterWrites();
        return new Portal(
            api,
            queues,
            writes,
            new ClusterReconciler(Dbs, api, new SparkObserver(new SparkEndpoint(api, NullLogger<SparkEndpoint>.Instance)), options, Time, NullLogger<ClusterReconciler>.Instance),
            new TenantReconciler(Dbs, api, queues, options, Time, NullLogger<TenantReconciler>.Instance),
            new ClusterResync(Dbs, api, Time, NullLogger<ClusterResync>.Instance),
            new TenantResync(Dbs, api, options),
            new ClusterLifetime(Dbs, writes, Time));
    }

    /// <summary>
    /// A whole provisioning service, as one replica of the portal runs it, with the harness's fast options unless
    /// <paramref name="tune"/> changes them, <paramref name="writes"/> as its process's signal of API writes, and
    /// <paramref name="logger"/> for what it logs (nothing is kept without one).
    /// </summary>
    public ProvisioningService NewReplica(Action<KubernetesOptions>? tune = null, ClusterWrites? writes = null, ILogger<ProvisioningService>? logger = null)
    {
        var connection = Connect();
        var api = new KubernetesApi(connection, TimeProvider.System, NullLoggerFactory.Instance);
        var queues = new ProvisioningQueues(TimeProvider.System);
        _disposables.Add(queues);
        var settings = FastOptions();
        tune?.Invoke(settings);
        var options = Microsoft.Extensions.Options.Options.Create(settings);
        var service = new ProvisioningService(connection, api, queues, writes ?? new ClusterWrites(), new TenantWrites(),
            new ClusterReconciler(Dbs, api, new SparkObserver(new SparkEndpoint(api, NullLogger<SparkEndpoint>.Instance)), options, Time, NullLogger<ClusterReconciler>.Instance),
            new TenantReconciler(Dbs, api, queues, options, Time, NullLogger<TenantReconciler>.Instance),
            new ClusterResync(Dbs, api, Time, NullLogger<ClusterResync>.Instance),
            new TenantResync(Dbs, api, options),
            Dbs, options, TimeProvider.System, logger ?? NullLogger<ProvisioningService>.Instance);
        _disposables.Add(service);
        return service;
    }

    public async Task<Tenant> AddTenantAsync(Tenant tenant)
    {
        await using var db = Dbs.CreateDbContext();
        db.Tenants.Add(tenant);
        await db.SaveChangesAsync(Ct);
        return tenant;
    }

    public async Task<Cluster> AddClusterAsync(Cluster cluster)
    {
        // The shared builder counts expiry from the Unix epoch unless given a creation time; here a cluster lives
        // its time-to-live from the harness's now, as one created through the API would.
        if (cluster.CreatedAt == default)
        {
            cluster.ExpiresAt = Time.GetUtcNow() + cluster.Spec.TimeToLive;
        }

        await using var db = Dbs.CreateDbContext();
        db.Clusters.Add(cluster);
        await db.SaveChangesAsync(Ct);
        return cluster;
    }

    /// <summary>A tenant with its namespace and fences in place, ready for clusters.</summary>
    public async Task<Tenant> ATenantWithNamespaceAsync(Action<Tenant>? change = null)
    {
        var tenant = Builders.ATenant().Build();
        change?.Invoke(tenant);
        await AddTenantAsync(tenant);
        await NewPortal().Tenants.ReconcileAsync(tenant.Id, Ct);
        return tenant;
    }

    public async Task<Cluster> ReadClusterAsync(Guid id)
    {
        await using var db = Dbs.CreateDbContext();
        return await db.Clusters.AsNoTracking().SingleAsync(c => c.Id == id, Ct);
    }

    public async Task UpdateClusterAsync(Guid id, Action<Cluster> change)
    {
        await using var db = Dbs.CreateDbContext();
        var cluster = await db.Clusters.SingleAsync(c => c.Id == id, Ct);
        change(cluster);
        await db.SaveChangesAsync(Ct);
    }

    public async Task<List<ClusterEvent>> EventsOfAsync(Guid clusterId)
    {
        await using var db = Dbs.CreateDbContext();
        return await db.ClusterEvents.AsNoTracking().Where(e => e.ClusterId == clusterId).OrderBy(e => e.Id).ToListAsync(Ct);
    }

    /// <summary>
    /// Reconciles until the cluster reaches <paramref name="phase"/> (pods start on the sandbox's real-time
    /// timers), failing after 60 s.
    /// </summary>
    public Task<Cluster> ReconcileUntilAsync(Portal portal, Guid clusterId, ClusterPhase phase) =>
        UntilPhaseAsync(clusterId, phase, TimeSpan.FromSeconds(60), async () => await portal.Clusters.ReconcileAsync(clusterId, Ct));

    /// <summary>
    /// Runs <paramref name="portal"/>'s cluster reconciler in the service's own <see cref="ReconcileLoop{TKey}"/>
    /// (failed passes back off and run again, requeues are honoured) on the real clock until the cluster reaches
    /// <paramref name="phase"/>, failing after 60 s.
    /// </summary>
    public async Task<Cluster> RunLoopUntilAsync(Portal portal, Guid clusterId, ClusterPhase phase)
    {
        using var queue = new WorkQueue<Guid>(TimeProvider.System);
        using var stop = CancellationTokenSource.CreateLinkedTokenSource(Ct);
        var loop = new ReconcileLoop<Guid>("cluster", queue, portal.Clusters.ReconcileAsync, NullLogger.Instance);
        queue.Add(clusterId);
        var running = loop.RunAsync(1, stop.Token);
        try
        {
            return await UntilPhaseAsync(clusterId, phase, TimeSpan.FromSeconds(60));
        }
        finally
        {
            await stop.CancelAsync();
            await running;
        }
    }

    async Task<Cluster> UntilPhaseAsync(Guid clusterId, ClusterPhase phase, TimeSpan limit, Func<Task>? eachRound = null)
    {
        var deadline = DateTime.UtcNow + limit;
        while (true)
        {
            if (eachRound is not null)
            {
                await eachRound();
            }

            var cluster = await ReadClusterAsync(clusterId);
            if (cluster.Status.Phase == phase)
            {
                return cluster;
            }

            if (DateTime.UtcNow > deadline)
            {
                throw new TimeoutException($"Cluster stayed {cluster.Status.Phase} ({cluster.Status.Reason}: {cluster.Status.Message}) instead of reaching {phase}.");
            }

            await Task.Delay(50, Ct);
        }
    }

    /// <summary>Whether <paramref name="condition"/> holds within <paramref name="seconds"/>, asking every 100 ms.</summary>
    public static Task<bool> EventuallyAsync(Func<Task<bool>> condition, int seconds = 60) =>
        Eventually.TryAsync(condition, TimeSpan.FromSeconds(seconds), TimeSpan.FromMilliseconds(100), Ct);

    public async Task<V1Deployment?> FindDeploymentAsync(string @namespace, string name)
    {
        var list = await Client.AppsV1.ListNamespacedDeploymentAsync(@namespace, fieldSelector: $"metadata.name={name}", cancellationToken: Ct);
        return list.Items.SingleOrDefault(d => d.Metadata.Name == name);
    }

    public async ValueTask DisposeAsync()
    {
        foreach (var disposable in Enumerable.Reverse(_disposables))
        {
            disposable.Dispose();
        }

        await Sandbox.DisposeAsync();
    }

    sealed class Factory(Func<PortalDb> create) : IDbContextFactory<PortalDb>
    {
        public PortalDb CreateDbContext() => create();
    }
}

/// <summary>The provisioning parts of one portal process.</summary>
internal sealed record Portal(
    KubernetesApi Api,
    ProvisioningQueues Queues,
    ClusterWrites Writes,
    ClusterReconciler Clusters,
    TenantReconciler Tenants,
    ClusterResync Resync,
    TenantResync TenantResync,
    ClusterLifetime Lifetime);
