using System.Collections.Concurrent;
using System.Diagnostics;
using System.Diagnostics.CodeAnalysis;
using Portal.Core;
using Portal.Core.Audit;
using Portal.Provisioning.Spark;

namespace Portal.Provisioning.Reconciler;

/// <summary>
/// Drives one cluster from its row in the database to its objects in Kubernetes and back into its status.
/// Level-triggered: every pass reads the row, applies every manifest (server-side apply, so an unchanged object is
/// untouched), observes the workloads and writes the phase; it never asks what changed. Any pass can be cut short
/// at any point and the next one converges from whatever it finds. A Running cluster is looked at again every
/// <see cref="KubernetesOptions.SparkStatusSeconds"/> for what only Spark knows (workers registered, activity); such
/// a look (<see cref="LookAsync"/>) asks only Spark when nothing has changed since the last whole pass, since every
/// object a pass applies, and the Deployments and pods it assesses, is watched and a change to one queues a whole pass.
/// </summary>
public sealed partial class ClusterReconciler(IDbContextFactory<PortalDb> dbs, KubernetesApi kube, SparkObserver observer,
    ObjectStoreSecrets secrets, IOptions<KubernetesOptions> options, TimeProvider time,
    ILogger<ClusterReconciler> logger, IOptions<PortalOptions>? portal = null)
{
    readonly KubernetesOptions _options = options.Value;
    readonly string? _publicUrl = portal?.Value.PublicUrl;
    // What the last whole pass of each Running and Ready cluster saw of its workloads, for the looks after it.
    readonly ConcurrentDictionary<Guid, (long Generation, ObservedCluster Observed)> _ready = new();

    TimeSpan Waiting => TimeSpan.FromSeconds(_options.WaitingRequeueSeconds);

    TimeSpan SparkStatus => TimeSpan.FromSeconds(_options.SparkStatusSeconds);

    /// <summary>One whole pass for the cluster <paramref name="clusterId"/>.</summary>
    public Task<ReconcileResult> ReconcileAsync(Guid clusterId, CancellationToken ct) =>
        RowPass.RunAsync(dbs, logger, "cluster", clusterId, db => PassAsync(db, clusterId, look: false, ct), ct);

    /// <summary>
    /// The periodic look at the cluster <paramref name="clusterId"/>, for a caller that knows none of its objects has
    /// changed since the last whole pass (the work queue: no watch event, write or resync queued it since). When that
    /// pass found it Running and Ready at its current generation, only Spark is asked and the workloads are taken as
    /// that pass saw them; anything else, or Spark no longer saying what that pass saw, makes it a whole pass.
    /// </summary>
    public Task<ReconcileResult> LookAsync(Guid clusterId, CancellationToken ct) =>
        RowPass.RunAsync(dbs, logger, "cluster", clusterId, db => PassAsync(db, clusterId, look: true, ct), ct);

    /// <summary>
    /// Forgets what whole passes saw, so the next pass of every cluster is a whole one: for a new term as leader, since
    /// nothing watched the objects while this replica wasn't leading.
    /// </summary>
    public void ForgetObservations() => _ready.Clear();

    async Task<ReconcileResult> PassAsync(PortalDb db, Guid clusterId, bool look, CancellationToken ct)
    {
        var cluster = await db.Clusters.SingleOrDefaultAsync(c => c.Id == clusterId, ct).ConfigureAwait(false);

        // No row: its objects, if any, are orphans for the sweep. Deleted: the row is history only.
        if (cluster is null || cluster.Status.Phase == ClusterPhase.Deleted)
        {
            _ready.TryRemove(clusterId, out _);
            return ReconcileResult.Done;
        }

        var tenant = await db.Tenants.AsNoTracking().SingleAsync(t => t.Id == cluster.TenantId, ct).ConfigureAwait(false);
        Activity.Current?.SetTag("portal.tenant", tenant.Slug).SetTag("portal.cluster", cluster.Name);
        var live = new LiveClusterObjects(kube, cluster.Id, tenant.Namespace);
        var now = time.GetUtcNow();
        if (!cluster.IsDeleting && now >= cluster.ExpiresAt)
        {
            await ExpireAsync(db, cluster, tenant, now, ct).ConfigureAwait(false);
        }

        // Whatever this pass finds, only a whole pass that finds the cluster Ready again may vouch for its workloads.
        _ready.TryRemove(cluster.Id, out var seen);
        if (cluster.IsDeleting)
        {
            return await DeleteAsync(db, cluster, live, ct).ConfigureAwait(false);
        }

        var looking = look && seen.Observed is not null && seen.Generation == cluster.Generation
            && cluster.Status is { Phase: ClusterPhase.Running, Reason: "Ready" };
        ObservedCluster observed;
        if (looking)
        {
            observed = seen.Observed!;
        }
        else
        {
            if (await ApplyAsync(db, cluster, tenant, live, ct).ConfigureAwait(false) is { } refused)
            {
                return refused;
            }

            // Starting means "everything applied, waiting for pods"; recorded even when the pods turn out ready
            // already (as after a restart), so every cluster's history reads the same.
            if (cluster.Status.Phase == ClusterPhase.Provisioning)
            {
                await TransitionAsync(db, cluster, ClusterPhase.Starting, "Applied", "Every object is applied; waiting for pods", ct).ConfigureAwait(false);
            }

            observed = await ObserveAsync(live, ct).ConfigureAwait(false);
        }

        // Spark is asked only once its master's pod is up: before that the proxy can only say "no endpoints".
        var spark = ClusterHealth.MasterPodReady(cluster, observed)
            ? await observer.ObserveAsync(cluster, tenant.Namespace, ct).ConfigureAwait(false)
            : SparkObservation.None;
        var assessment = ClusterHealth.Assess(cluster, observed, spark, wasRunning: cluster.Status.RunningSince is not null);
        var ready = assessment is { Phase: ClusterPhase.Running, Reason: "Ready" };
        if (looking && !ready)
        {
            // Spark says something the last whole pass didn't see (a worker lost, a master restarted): look at everything.
            return await PassAsync(db, clusterId, look: false, ct).ConfigureAwait(false);
        }

        var firstRunning = cluster.Status.RunningSince is null;
        await RecordAsync(db, cluster, tenant.Namespace, assessment, spark, ct).ConfigureAwait(false);
        if (firstRunning && cluster.Status.RunningSince is { } runningSince)
        {
            // RecordAsync stamps RunningSince once, at the first Running: the wait a person had after asking.
            PortalTelemetry.TimeToRunning.Record((runningSince - cluster.CreatedAt).TotalSeconds,
                new KeyValuePair<string, object?>(PortalTelemetry.TenantTag, tenant.Slug));
        }

        var idleEnd = IdleDeadline(cluster, tenant.Policy);
        if (idleEnd is { } idleUntil && time.GetUtcNow() >= idleUntil)
        {
            await EndIdleAsync(db, cluster, tenant, ct).ConfigureAwait(false);
            return await DeleteAsync(db, cluster, live, ct).ConfigureAwait(false);
        }

        if (ready)
        {
            _ready[cluster.Id] = (cluster.Generation, Kept(observed));
        }

        // A converged cluster is looked at again when its Spark status is due, or at the next deadline (expiry, the
        // end of its idle time) if that comes first; watches bring it back sooner when its objects change.
        now = time.GetUtcNow();
        var untilExpiry = cluster.ExpiresAt - now + TimeSpan.FromMilliseconds(1);
        // A failed cluster is still watched, only less eagerly: a raised quota or a fixed registry turns it around.
        var next = assessment.Phase switch
        {
            ClusterPhase.Running when ready => SparkStatus,
            ClusterPhase.Failed => Waiting * 10,
            _ => Waiting,
        };
        if (idleEnd - now + TimeSpan.FromMilliseconds(1) is { } untilIdle && untilIdle < next)
        {
            next = untilIdle;
        }

        next = untilExpiry < next ? untilExpiry : next;
        return ready ? ReconcileResult.LookAfter(next) : ReconcileResult.After(next);
    }

    /// <summary>
    /// <paramref name="observed"/> as kept between passes: without the objects' managed fields, which no assessment
    /// reads and which are most of their size.
    /// </summary>
    static ObservedCluster Kept(ObservedCluster observed)
    {
        foreach (var o in observed.Deployments.Cast<IMetadata<V1ObjectMeta>>().Concat(observed.Pods).Concat(observed.Events))
        {
            if (o.Metadata is { } metadata)
            {
                metadata.ManagedFields = null;
            }
        }

        return observed;
    }

    /// <summary>
    /// When an idle Running cluster ends under <paramref name="policy"/>: its last activity plus the idle timeout;
    /// null while it is busy, not Running, or the tenant has no idle timeout.
    /// </summary>
    public static DateTimeOffset? IdleDeadline(Cluster cluster, TenantPolicy policy)
    {
        ArgumentNullException.ThrowIfNull(cluster);
        ArgumentNullException.ThrowIfNull(policy);
        return cluster.Status is { Phase: ClusterPhase.Running, Idle: true, LastActivityAt: { } last } && policy.IdleTimeout is { } timeout
            ? last + timeout
            : null;
    }

    async Task EndIdleAsync(PortalDb db, Cluster cluster, Tenant tenant, CancellationToken ct)
    {
        await EndAsync(db, cluster, tenant, time.GetUtcNow(), ClusterTermination.Idle, "cluster.idle",
            $"No Spark application or Connect job since {cluster.Status.LastActivityAt:O}; the tenant's idle timeout is {tenant.Policy.IdleTimeout:c}", ct).ConfigureAwait(false);
        EndedIdle(logger, cluster.Name);
    }

    async Task ExpireAsync(PortalDb db, Cluster cluster, Tenant tenant, DateTimeOffset now, CancellationToken ct)
    {
        await EndAsync(db, cluster, tenant, now, ClusterTermination.Expired, "cluster.expire",
            $"Time-to-live ran out at {cluster.ExpiresAt:O}", ct).ConfigureAwait(false);
        Expired(logger, cluster.Name);
    }

    /// <summary>
    /// The portal itself ends a cluster: deletion requested, the termination reason (also the Deleting event's reason),
    /// and an audit entry by "system" saying why.
    /// </summary>
    async Task EndAsync(PortalDb db, Cluster cluster, Tenant tenant, DateTimeOffset now, ClusterTermination reason, string action, string message, CancellationToken ct)
    {
        cluster.DeletionRequestedAt = now;
        cluster.Status = cluster.Status with { TerminationReason = reason };
        db.Record("system", action, AuditOutcome.Succeeded, tenant.Id, $"tenants/{tenant.Slug}/clusters/{cluster.Name}", message);
        await TransitionAsync(db, cluster, ClusterPhase.Deleting, reason.ToString(), message, ct).ConfigureAwait(false);
    }

    /// <summary>
    /// Applies the root, then everything owned by it at once (none depends on another), then removes children the spec
    /// no longer has. A Requested cluster moves to Provisioning while its children are applied. The namespace is not
    /// read first: the API server's own NamespaceLifecycle admission answers for it, and until the tenant reconciler
    /// has made it (or while it terminates) the pass waits.
    /// </summary>
    /// <returns>Null when applied; otherwise the result to end the pass with (waiting, or a refusal recorded as Failed).</returns>
    async Task<ReconcileResult?> ApplyAsync(PortalDb db, Cluster cluster, Tenant tenant, LiveClusterObjects live, CancellationToken ct)
    {
        var @namespace = tenant.Namespace;
        ObjectStore? store = null;
        if (cluster.Spec.ObjectStore is { } storeName)
        {
            // Deleting a store in use is refused, so a missing one is a row written past the API: only a new spec helps.
            store = await db.ObjectStores.AsNoTracking().SingleOrDefaultAsync(s => s.TenantId == tenant.Id && s.Name == storeName, ct).ConfigureAwait(false);
            if (store is null)
            {
                return await InvalidSpecAsync(db, cluster, $"The tenant has no object store '{storeName}'.", ct).ConfigureAwait(false);
            }
        }

        if (!TryRender(() => ClusterManifests.Root(cluster, @namespace, ClusterManifests.UiProxyUrl(_publicUrl, tenant.Slug, cluster), store), out var desiredRoot, out var invalid))
        {
            return await InvalidSpecAsync(db, cluster, invalid, ct).ConfigureAwait(false);
        }

        IReadOnlyList<IKubernetesObject<V1ObjectMeta>>? children;
        V1ConfigMap root;
        try
        {
            root = await kube.ApplyAsync(desiredRoot, ct).ConfigureAwait(false);
            // Outside the rendering: a root without a UID is the server's doing, not the spec's.
            var owner = ClusterManifests.OwnerReference(root);
            if (!TryRender(() => ClusterManifests.Children(cluster, @namespace, owner, store), out children, out invalid))
            {
                return await InvalidSpecAsync(db, cluster, invalid, ct).ConfigureAwait(false);
            }

            // The database write overlaps the applies, which don't touch the context; it is awaited before anything
            // else uses the context again.
            var recorded = cluster.Status.Phase == ClusterPhase.Requested
                ? TransitionAsync(db, cluster, ClusterPhase.Provisioning, "Applying", "Applying the cluster's objects", ct)
                : Task.CompletedTask;
            try
            {
                if (store is not null)
                {
                    // The tenant's pass writes this Secret too; written here first as well, so pods that a rotated key
                    // restarts never start before the Secret holds the new key.
                    await kube.ApplyAsync(StorageManifests.Secret(tenant, new ObjectStoreKey(store, secrets.Unprotect(store.ProtectedSecretKey), [])), ct).ConfigureAwait(false);
                }

                await Task.WhenAll(children.Select(child => kube.ApplyAsync(child, ct))).ConfigureAwait(false);
            }
            finally
            {
                await recorded.ConfigureAwait(false);
            }
        }
        catch (HttpOperationException ex) when (NamespaceUnavailable(ex))
        {
            // The tenant reconciler makes the namespace; until it exists (or while it terminates) there is nowhere to put anything.
            WaitingForNamespace(logger, @namespace);
            return ReconcileResult.After(Waiting);
        }
        catch (HttpOperationException ex) when (ex.Response.StatusCode is HttpStatusCode.Forbidden or HttpStatusCode.UnprocessableEntity)
        {
            // Admission said no (quota, Pod Security, validation). Recorded, and looked at again later: a raised
            // quota or a freed slot turns it around without anyone touching the cluster.
            var message = Status(ex);
            var reason = message.Contains("exceeded quota", StringComparison.OrdinalIgnoreCase) ? "ExceededQuota" : "Rejected";
            await RecordFailureAsync(db, cluster, reason, message, ct).ConfigureAwait(false);
            return ReconcileResult.After(Waiting * 10);
        }

        await PruneAsync(live, root, children, ct).ConfigureAwait(false);
        return null;
    }

    /// <summary>
    /// Renders manifests from the row. The manifests are pure functions of the spec, so what they refuse (a
    /// quantity Kubernetes can't parse, say, in a row the API's validation never saw) only a new spec can fix.
    /// </summary>
    static bool TryRender<T>(Func<T> render, [NotNullWhen(true)] out T? rendered, [NotNullWhen(false)] out string? error)
        where T : class
    {
        try
        {
            rendered = render();
            error = null;
            return true;
        }
        catch (Exception ex) when (ex is ArgumentException or FormatException or OverflowException)
        {
            rendered = null;
            error = ex.Message;
            return false;
        }
    }

    // The spec itself can't be rendered: retrying won't help, only a new spec will.
    async Task<ReconcileResult> InvalidSpecAsync(PortalDb db, Cluster cluster, string message, CancellationToken ct)
    {
        await RecordFailureAsync(db, cluster, "InvalidSpec", message, ct).ConfigureAwait(false);
        return ReconcileResult.Done;
    }

    // Children the spec dropped (a Connect server switched off) are deleted by name; the label selector limits the
    // search to this cluster's objects.
    static async Task PruneAsync(LiveClusterObjects live, V1ConfigMap root, IReadOnlyList<IKubernetesObject<V1ObjectMeta>> children, CancellationToken ct)
    {
        var wanted = children.Select(c => (c.Kind, c.Metadata.Name)).Append(("ConfigMap", root.Metadata.Name)).ToHashSet();
        var existing = (await live.DeploymentsAsync(ct).ConfigureAwait(false)).Select(d => ("Deployment", d.Metadata.Name))
            .Concat((await live.ServicesAsync(ct).ConfigureAwait(false)).Select(s => ("Service", s.Metadata.Name)))
            .ToList();
        foreach (var (kind, name) in existing.Where(e => !wanted.Contains(e)))
        {
            await live.DeleteAsync(kind, name, uid: null, ct).ConfigureAwait(false);
        }
    }

    static async Task<ObservedCluster> ObserveAsync(LiveClusterObjects live, CancellationToken ct)
    {
        var deployments = await live.DeploymentsAsync(ct).ConfigureAwait(false);
        var pods = await live.PodsAsync(ct).ConfigureAwait(false);
        var events = await live.EventsAsync(ct).ConfigureAwait(false);
        return new ObservedCluster([.. deployments], [.. pods], ClusterObjectEvents.About(events, deployments, pods));
    }

    /// <summary>
    /// Deletes the root (its dependents follow through the garbage collector), then waits until nothing labelled
    /// with the cluster id is left. Anything whose owner is already gone is deleted directly, so a cluster whose
    /// root was lost still ends with an empty namespace.
    /// </summary>
    async Task<ReconcileResult> DeleteAsync(PortalDb db, Cluster cluster, LiveClusterObjects live, CancellationToken ct)
    {
        if (cluster.Status.Phase != ClusterPhase.Deleting)
        {
            await TransitionAsync(db, cluster, ClusterPhase.Deleting, "DeletionRequested", "Deleting the cluster's objects", ct).ConfigureAwait(false);
        }

        var remaining = await RemainingAsync(live, ct).ConfigureAwait(false);
        foreach (var (kind, name, uid) in remaining.Where(r => r.Kind != "Pod"))
        {
            await live.DeleteAsync(kind, name, uid, ct).ConfigureAwait(false);
        }

        if (remaining.Count > 0)
        {
            return ReconcileResult.After(Waiting);
        }

        var now = time.GetUtcNow();
        cluster.Status = cluster.Status with
        {
            ReadyWorkers = 0, RegisteredWorkers = 0, SparkCores = 0, SparkCoresUsed = 0, ActiveApplications = 0, Idle = false,
            MasterUrl = null, MasterUiUrl = null, ConnectUrl = null, EndedAt = now,
        };
        await TransitionAsync(db, cluster, ClusterPhase.Deleted, "Deleted", "Every object of the cluster is gone", ct).ConfigureAwait(false);
        return ReconcileResult.Done;
    }

    static async Task<List<(string Kind, string Name, string Uid)>> RemainingAsync(LiveClusterObjects live, CancellationToken ct)
    {
        var configMaps = await live.ConfigMapsAsync(ct).ConfigureAwait(false);
        var deployments = await live.DeploymentsAsync(ct).ConfigureAwait(false);
        var services = await live.ServicesAsync(ct).ConfigureAwait(false);
        var policies = await live.NetworkPoliciesAsync(ct).ConfigureAwait(false);
        var pods = await live.PodsAsync(ct).ConfigureAwait(false);

        // Root first: deleting it lets the garbage collector take the rest in one go.
        return
        [
            .. configMaps.Select(o => ("ConfigMap", o.Metadata.Name, o.Metadata.Uid)),
            .. deployments.Select(o => ("Deployment", o.Metadata.Name, o.Metadata.Uid)),
            .. services.Select(o => ("Service", o.Metadata.Name, o.Metadata.Uid)),
            .. policies.Select(o => ("NetworkPolicy", o.Metadata.Name, o.Metadata.Uid)),
            .. pods.Select(o => ("Pod", o.Metadata.Name, o.Metadata.Uid)),
        ];
    }

    async Task RecordAsync(PortalDb db, Cluster cluster, string @namespace, Assessment assessment, SparkObservation spark, CancellationToken ct)
    {
        var now = time.GetUtcNow();
        var running = assessment.Phase == ClusterPhase.Running;
        var endpoints = ClusterManifests.Endpoints(cluster, @namespace);
        var status = cluster.Status;
        // Activity counts from the moment a cluster first runs; after that, any work Spark shows (running now, or
        // begun and ended since the last look) moves it on. A look at which Spark didn't answer changes nothing.
        var answered = spark.Master is not null;
        var lastActivity = !running ? status.LastActivityAt
            : status.LastActivityAt is null || (answered && (spark.Busy || (status.ActivityMark is { } mark && mark != spark.ActivityMark))) ? now
            : status.LastActivityAt;
        cluster.Status = status with
        {
            ObservedGeneration = cluster.Generation,
            ReadyWorkers = assessment.ReadyWorkers,
            RegisteredWorkers = assessment.RegisteredWorkers,
            SparkCores = spark.Master?.Cores ?? 0,
            SparkCoresUsed = spark.Master?.CoresUsed ?? 0,
            ActiveApplications = spark.Master?.ActiveApps.Count ?? 0,
            LastActivityAt = lastActivity,
            Idle = running && answered ? !spark.Busy : running && status.Idle,
            ActivityMark = answered ? spark.ActivityMark : status.ActivityMark,
            MasterUrl = running ? endpoints.Master : null,
            MasterUiUrl = running ? endpoints.MasterUi : null,
            ConnectUrl = running ? endpoints.Connect : null,
            RunningSince = running ? status.RunningSince ?? now : status.RunningSince,
        };
        await TransitionAsync(db, cluster, assessment.Phase, assessment.Reason, assessment.Message, ct).ConfigureAwait(false);
    }

    async Task RecordFailureAsync(PortalDb db, Cluster cluster, string reason, string message, CancellationToken ct)
    {
        cluster.Status = cluster.Status with { ObservedGeneration = cluster.Generation, MasterUrl = null, MasterUiUrl = null, ConnectUrl = null };
        await TransitionAsync(db, cluster, ClusterPhase.Failed, reason, message, ct).ConfigureAwait(false);
    }

    /// <summary>
    /// Writes the status; a phase change also stamps PhaseChangedAt and appends to the cluster's history. Nothing is
    /// written when nothing changed, so an idle cluster costs no database writes. A concurrent write (the API
    /// scaling or deleting) surfaces as <see cref="DbUpdateConcurrencyException"/> and the pass is retried.
    /// </summary>
    async Task TransitionAsync(PortalDb db, Cluster cluster, ClusterPhase phase, string reason, string message, CancellationToken ct)
    {
        var now = time.GetUtcNow();
        var changed = cluster.Status.Phase != phase;
        cluster.Status = cluster.Status with
        {
            Phase = phase,
            Reason = reason,
            Message = message,
            PhaseChangedAt = changed ? now : cluster.Status.PhaseChangedAt,
        };
        if (changed)
        {
            db.ClusterEvents.Add(new ClusterEvent { ClusterId = cluster.Id, At = now, Phase = phase, Reason = reason, Message = message });
            PhaseChanged(logger, cluster.Name, phase, reason);
        }

        if (db.ChangeTracker.HasChanges())
        {
            await db.SaveChangesAsync(ct).ConfigureAwait(false);
        }
    }

    /// <summary>
    /// Whether NamespaceLifecycle refused a create: 404 for the namespace itself (details.kind "namespaces"), or 403
    /// with the cause NamespaceTerminating.
    /// </summary>
    static bool NamespaceUnavailable(HttpOperationException ex)
    {
        if (string.IsNullOrEmpty(ex.Response.Content))
        {
            return false;
        }

        V1Status? status;
        try
        {
            status = KubernetesJson.Deserialize<V1Status>(ex.Response.Content);
        }
        catch (System.Text.Json.JsonException)
        {
            return false;
        }

        return ex.Response.StatusCode switch
        {
            HttpStatusCode.NotFound => status?.Details?.Kind == "namespaces",
            HttpStatusCode.Forbidden => status?.Details?.Causes?.Any(c => c.Reason == "NamespaceTerminating") == true,
            _ => false,
        };
    }

    static string Status(HttpOperationException ex)
    {
        try
        {
            return KubernetesJson.Deserialize<V1Status>(ex.Response.Content)?.Message ?? ex.Message;
        }
        catch (System.Text.Json.JsonException)
        {
            return ex.Message;
        }
    }

    [LoggerMessage(LogLevel.Information, "Cluster {Name} moved to {Phase} ({Reason})")]
    static partial void PhaseChanged(ILogger logger, string name, ClusterPhase phase, string reason);

    [LoggerMessage(LogLevel.Information, "Cluster {Name} was idle for its tenant's idle timeout; deleting it")]
    static partial void EndedIdle(ILogger logger, string name);

    [LoggerMessage(LogLevel.Information, "Cluster {Name} expired; deleting it")]
    static partial void Expired(ILogger logger, string name);

    [LoggerMessage(LogLevel.Debug, "Waited for namespace {Namespace}")]
    static partial void WaitingForNamespace(ILogger logger, string @namespace);
}
