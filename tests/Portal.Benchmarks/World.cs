using System.Text;
using k8s;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging.Abstractions;
using Portal.Core.Clusters;
using Portal.Core.Data;
using Portal.Core.Tenants;
using Portal.Provisioning;
using Portal.Provisioning.Kubernetes;
using Portal.Provisioning.Reconciler;
using Portal.Sandbox;
using Portal.Testing;

namespace Portal.Benchmarks;

/// <summary>
/// One sandbox API server and one fresh, migrated PostgreSQL database, with the portal's parts wired to them the
/// way the web host wires them (reconcilers resolved from AddProvisioning), and every API call of the portal counted.
/// </summary>
internal sealed class World : IAsyncDisposable
{
    /// <summary>The subject the benchmark's clusters are asked for by; a member of every tenant.</summary>
    public const string Subject = "bench";

    readonly List<IDisposable> _disposables = [];
    readonly List<ServiceProvider> _providers = [];

    World(KubeSandbox sandbox, string connectionString)
    {
        Sandbox = sandbox;
        Dbs = new Factory(connectionString);
        Connection = Connect(Counter);
        // Checks made by the benchmark itself go through their own client, so they are never counted.
        Observer = Connect().Client;
        Clusters = new ClusterService(Dbs, new Caller(Subject, IsPlatformAdmin: false), Microsoft.Extensions.Options.Options.Create(new ClusterOptions()),
            TimeProvider.System, Writes, NullLogger<ClusterService>.Instance);
    }

    public KubeSandbox Sandbox { get; }

    public IDbContextFactory<PortalDb> Dbs { get; }

    /// <summary>Protects object-store keys with a key ring of this process's own, as the host's would.</summary>
    public global::Portal.Core.Storage.ObjectStoreSecrets Secrets { get; } = new(new Microsoft.AspNetCore.DataProtection.EphemeralDataProtectionProvider());

    public ApiCallCounter Counter { get; } = new();

    /// <summary>The portal's connection: every request through it is counted.</summary>
    public KubernetesConnection Connection { get; }

    public IKubernetes Observer { get; }

    /// <summary>The process's signal of API writes, which <see cref="Clusters"/> writes to.</summary>
    public ClusterWrites Writes { get; } = new();

    /// <summary>What the REST API calls before answering 202.</summary>
    public ClusterService Clusters { get; }

    public static async Task<World> StartAsync(PostgresServer postgres, SandboxOptions sandbox)
    {
        var connectionString = await postgres.CreateDatabaseAsync();
        await using (var db = PostgresPortalDb.Create(connectionString))
        {
            await db.Database.MigrateAsync();
        }

        return new World(await KubeSandbox.StartAsync(sandbox), connectionString);
    }

    KubernetesConnection Connect(params DelegatingHandler[] handlers)
    {
        using var kubeconfig = new MemoryStream(Encoding.UTF8.GetBytes(Sandbox.KubeconfigYaml));
        var connection = KubernetesConnection.FromConfig(KubernetesMode.Sandbox, KubernetesClientConfiguration.BuildConfigFromConfigFile(kubeconfig), handlers);
        _disposables.Add(connection);
        return connection;
    }

    /// <summary>
    /// Reconcilers as one portal process has them: AddProvisioning with default options, over the counted
    /// connection. Each call is a fresh process; its services are disposed with the world.
    /// </summary>
    public (ClusterReconciler Clusters, TenantReconciler Tenants, ClusterResync Resync, TenantResync TenantResync) Reconcilers()
    {
        var builder = Host.CreateEmptyApplicationBuilder(new HostApplicationBuilderSettings());
        // The data layer's registration lives in Web; provisioning needs only its context factory.
        builder.Services.AddSingleton(Dbs);
        // Registered before AddProvisioning, whose TryAdd keeps it: the portal's own connection, counted (the world owns it).
        builder.Services.AddSingleton(Connection);
        // One key ring for the world's processes, as the portal's replicas share the database's.
        builder.Services.AddSingleton(Secrets);
        builder.AddProvisioning();
        var services = builder.Services.BuildServiceProvider();
        _providers.Add(services);
        return (services.GetRequiredService<ClusterReconciler>(), services.GetRequiredService<TenantReconciler>(),
            services.GetRequiredService<ClusterResync>(), services.GetRequiredService<TenantResync>());
    }

    /// <summary>
    /// Tenant rows as the tenant API writes them, with <see cref="Subject"/> as a member, and room for
    /// <paramref name="clusters"/> default clusters (3 CPUs, 5Gi and 3 pods each), so quota never fails a create.
    /// </summary>
    public async Task<List<Tenant>> AddTenantsAsync(string prefix, int count, int clusters)
    {
        var tenants = Enumerable.Range(0, count).Select(n =>
        {
            var tenant = Builders.ATenant().WithSlug($"{prefix}-{n:D3}").Build();
            // Room for every cluster asked for: a default one needs 26Gi of scratch (ephemeral storage) besides CPU and memory.
            tenant.Quota = new TenantQuota { Cpu = $"{4 * clusters}", Memory = $"{8 * clusters}Gi", EphemeralStorage = $"{32 * clusters}Gi", MaxPods = 4 * clusters, MaxClusters = clusters };
            tenant.Members.Add(new Membership { TenantId = tenant.Id, Subject = Subject, Role = TenantRole.Member });
            return tenant;
        }).ToList();
        await using var db = await Dbs.CreateDbContextAsync();
        db.Tenants.AddRange(tenants);
        await db.SaveChangesAsync();
        return tenants;
    }

    /// <summary>Asks for a default cluster exactly as POST /api/tenants/{tenant}/clusters does before its 202.</summary>
    public async Task<Cluster> CreateClusterAsync(Tenant tenant, string name)
    {
        // Without Connect, as docs/provisioning-benchmarks.md describes the cluster measured: 5 objects and 3 pods
        // (the default image now offers Connect, which would add a Deployment, a Service and a pod).
        var outcome = await Clusters.CreateAsync(tenant.Slug, new CreateClusterRequest { Name = name, SparkConnect = false }, idempotencyKey: null, CancellationToken.None);
        return outcome.Value?.Cluster ?? throw new InvalidOperationException($"Create of {tenant.Slug}/{name} was refused: {outcome.Failure}");
    }

    public async Task<int> CountAsync(ClusterPhase phase)
    {
        await using var db = await Dbs.CreateDbContextAsync();
        return await db.Clusters.CountAsync(c => c.Status.Phase == phase);
    }

    /// <summary>When each cluster first reached Running (as the reconciler stamped it), for those that did.</summary>
    public async Task<List<DateTimeOffset>> RunningSinceAsync()
    {
        await using var db = await Dbs.CreateDbContextAsync();
        var stamps = await db.Clusters.Select(c => c.Status.RunningSince).ToListAsync();
        return [.. stamps.OfType<DateTimeOffset>()];
    }

    public async Task<ClusterPhase> PhaseOfAsync(Guid clusterId)
    {
        await using var db = await Dbs.CreateDbContextAsync();
        return await db.Clusters.Where(c => c.Id == clusterId).Select(c => c.Status.Phase).SingleAsync();
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

    sealed class Factory(string connectionString) : IDbContextFactory<PortalDb>
    {
        public PortalDb CreateDbContext() => PostgresPortalDb.Create(connectionString);
    }
}
