using System.Text;
using k8s;
using k8s.Models;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Logging.Abstractions;
using Microsoft.Extensions.Time.Testing;
using Portal.Core.Clusters;
using Portal.Core.Data;
using Portal.Core.Tenants;
using Portal.Provisioning.Kubernetes;
using Portal.Provisioning.Reconciler;
using Portal.Provisioning.WorkQueue;
using Portal.Sandbox;
using Portal.Testing;

namespace Portal.Provisioning.Tests.Reconciler;

/// <summary>
/// A real sandbox API server and a fresh PostgreSQL database, with reconcilers resolved from AddProvisioning's
/// registrations as the host resolves them. Time is a <see cref="FakeTimeProvider"/> started at the real clock, so
/// expiry is under the test's control while the sandbox's own timers run on real time.
/// </summary>
internal sealed class Harness : IAsyncDisposable
{
    /// <summary>
    /// Fast requeues, Lease and poll so tests don't wait: the portal's own configuration keys, bound and validated
    /// by AddProvisioning as appsettings would be.
    /// </summary>
    static readonly Dictionary<string, string?> FastSettings = new()
    {
        [$"{KubernetesOptions.Section}:{nameof(KubernetesOptions.WaitingRequeueSeconds)}"] = "1",
        [$"{KubernetesOptions.Section}:{nameof(KubernetesOptions.LeaseDurationSeconds)}"] = "2",
        [$"{KubernetesOptions.Section}:{nameof(KubernetesOptions.PollSeconds)}"] = "1",
    };

    readonly List<IDisposable> _disposables = [];
    readonly List<ServiceProvider> _providers = [];

    Harness(KubeSandbox sandbox, Func<PortalDb> create, FakeTimeProvider time)
    {
        Sandbox = sandbox;
        Time = time;
        Dbs = new Factory(create);
        Client = Connect().Client;
    }

    public KubeSandbox Sandbox { get; }

    public FakeTimeProvider Time { get; }

    /// <summary>The options every portal and replica of the harness runs with.</summary>
    public KubernetesOptions Options { get; } =
        new ConfigurationBuilder().AddInMemoryCollection(FastSettings).Build().GetSection(KubernetesOptions.Section).Get<KubernetesOptions>()!;

    public IDbContextFactory<PortalDb> Dbs { get; }

    /// <summary>Protects object-store keys with a key ring of this process's own, as the host's would.</summary>
    public global::Portal.Core.Storage.ObjectStoreSecrets Secrets { get; } = new(new Microsoft.AspNetCore.DataProtection.EphemeralDataProtectionProvider());

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
        return new Harness(await KubeSandbox.StartAsync(sandbox, Ct), () => create(time), time);
    }

    /// <summary>A connection of the test's own (disposed with the harness), for assertions and hand edits.</summary>
    public KubernetesConnection Connect(params DelegatingHandler[] handlers)
    {
        var connection = ConnectToSandbox(handlers);
        _disposables.Add(connection);
        return connection;
    }

    KubernetesConnection ConnectToSandbox(DelegatingHandler[] handlers)
    {
        using var kubeconfig = new MemoryStream(Encoding.UTF8.GetBytes(Sandbox.KubeconfigYaml));
        return KubernetesConnection.FromConfig(KubernetesMode.Sandbox, KubernetesClientConfiguration.BuildConfigFromConfigFile(kubeconfig), handlers);
    }

    /// <summary>A fresh set of reconcilers: what a restarted portal process would have.</summary>
    public Portal NewPortal(params DelegatingHandler[] handlers)
    {
        var services = NewProcess(handlers, realTimeQueues: false);
        return new Portal(
            services.GetRequiredService<KubernetesApi>(),
            services.GetRequiredService<ProvisioningQueues>(),
            services.GetRequiredService<ClusterWrites>(),
            services.GetRequiredService<ClusterReconciler>(),
            services.GetRequiredService<TenantReconciler>(),
            services.GetRequiredService<ClusterResync>(),
            services.GetRequiredService<TenantResync>());
    }

    /// <summary>
    /// A whole provisioning service, as one replica of the portal runs it, with <paramref name="logger"/> for what
    /// it logs (nothing is kept without one).
    /// </summary>
    public ProvisioningService NewReplica(ILogger<ProvisioningService>? logger = null)
    {
        var services = NewProcess([], realTimeQueues: true, logger);
        return services.GetRequiredService<ProvisioningService>();
    }

    /// <summary>
    /// The services of one portal process: AddProvisioning on the harness's configuration, with test-only overrides
    /// registered first so its TryAdd keeps them. The provider is disposed with the harness, before the sandbox.
    /// </summary>
    ServiceProvider NewProcess(DelegatingHandler[] handlers, bool realTimeQueues, ILogger<ProvisioningService>? logger = null)
    {
        var builder = Host.CreateEmptyApplicationBuilder(new HostApplicationBuilderSettings());
        builder.Configuration.AddInMemoryCollection(FastSettings);
        var services = builder.Services;
        // Test-only: the data layer's registration lives in Web; provisioning needs only its context factory.
        services.AddSingleton(Dbs);
        // Test-only: expiry, conditions and requeue arithmetic on the test's clock.
        services.AddSingleton<TimeProvider>(Time);
        // Test-only: the sandbox through its kubeconfig, with the test's handlers (counters, kill switches) in the pipeline.
        services.AddSingleton(_ => ConnectToSandbox(handlers));
        // Test-only: waits the sandbox asks for are paced on the real clock, as it answers in real time and nobody advances the fake one.
        services.AddSingleton(sp => new KubernetesApi(sp.GetRequiredService<KubernetesConnection>(), TimeProvider.System, sp.GetRequiredService<ILoggerFactory>()));
        // Test-only: one key ring for all of the harness's processes, as the portal's replicas share the database's.
        services.AddSingleton(Secrets);
        if (realTimeQueues)
        {
            // Test-only: a running replica requeues, backs off, leads and polls on the real clock; only what its
            // reconcilers compute (expiry, conditions) stays on the test's.
            services.AddSingleton(_ => new ProvisioningQueues(TimeProvider.System));
            services.AddSingleton(sp => ActivatorUtilities.CreateInstance<ProvisioningService>(sp, TimeProvider.System));
            // Test-only: the poll's cluster reads age on the same real clock, or the first would be reused for ever.
            services.AddSingleton(_ => new ClusterVersions(Dbs, TimeProvider.System));
        }

        if (logger is not null)
        {
            services.AddSingleton(logger);
        }

        builder.AddProvisioning();
        var provider = services.BuildServiceProvider();
        _providers.Add(provider);
        return provider;
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
        Cluster? cluster = null;
        await Eventually.HoldsAsync(async () =>
        {
            if (eachRound is not null)
            {
                await eachRound();
            }

            cluster = await ReadClusterAsync(clusterId);
            return cluster.Status.Phase == phase;
        }, () => $"cluster stayed {cluster?.Status.Phase} ({cluster?.Status.Reason}: {cluster?.Status.Message}) instead of reaching {phase}", limit, ct: Ct);
        return cluster!;
    }

    /// <summary>Whether <paramref name="condition"/> holds within <paramref name="seconds"/>, asking every 100 ms.</summary>
    public static Task<bool> EventuallyAsync(Func<Task<bool>> condition, int seconds = 60) =>
        Eventually.TryAsync(condition, TimeSpan.FromSeconds(seconds), TimeSpan.FromMilliseconds(100), Ct);

    public async Task<V1Deployment?> FindDeploymentAsync(string @namespace, string name)
    {
        var list = await Client.AppsV1.ListNamespacedDeploymentAsync(@namespace, fieldSelector: $"metadata.name={name}", cancellationToken: Ct);
        return list.Items.SingleOrDefault(d => d.Metadata.Name == name);
    }

    /// <summary>The newest master pod of <paramref name="namespace"/> that isn't being deleted.</summary>
    public async Task<V1Pod> MasterPodAsync(string @namespace)
    {
        var pods = await Client.CoreV1.ListNamespacedPodAsync(@namespace, labelSelector: "app.kubernetes.io/component=master", cancellationToken: Ct);
        return pods.Items.Where(p => p.Metadata.DeletionTimestamp is null).OrderByDescending(p => p.Metadata.CreationTimestamp).First();
    }

    /// <summary>
    /// Deletes the master's pod of <paramref name="clusterId"/> in <paramref name="namespace"/>, then runs
    /// <paramref name="pass"/> until a new master pod serves and the cluster is Running and Ready with
    /// <paramref name="workers"/> workers registered again; false when that took over 60 s.
    /// </summary>
    public async Task<bool> RestartMasterUntilReadyAsync(string @namespace, Guid clusterId, int workers, Func<Task> pass)
    {
        var master = await MasterPodAsync(@namespace);
        await Client.CoreV1.DeleteNamespacedPodAsync(master.Metadata.Name, @namespace, cancellationToken: Ct);
        return await EventuallyAsync(async () =>
        {
            await pass();
            var now = await ReadClusterAsync(clusterId);
            var current = await MasterPodAsync(@namespace);
            return current.Metadata.Uid != master.Metadata.Uid
                && now.Status is { Phase: ClusterPhase.Running, Reason: "Ready" } && now.Status.RegisteredWorkers == workers;
        }, seconds: 60);
    }

    public async ValueTask DisposeAsync()
    {
        foreach (var provider in Enumerable.Reverse(_providers))
        {
            await provider.DisposeAsync();
        }

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
    TenantResync TenantResync);
