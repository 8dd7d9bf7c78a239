namespace Portal.Provisioning.Reconciler;

/// <summary>
/// The leader's watches on the objects the portal labels as its own, one per kind in <see cref="Kinds"/>. An event
/// queues the cluster or tenant its labels name; the pass, not the event, decides what to do.
/// </summary>
internal sealed partial class ManagedObjectWatches(IKubernetes client, ProvisioningQueues queues, TimeProvider time, ILogger logger)
{
    const string Selector = Labels.ManagedSelector;

    /// <summary>
    /// Every watched kind: what a pass writes or reads, so a hand edit or deletion is repaired at once. ResourceQuotas
    /// and Namespaces ignore status-only changes (<see cref="SpecChanges{T}"/>): the API server rewrites them on
    /// every pod created, and no pass reads them.
    /// </summary>
    internal static IReadOnlyList<WatchedKind> Kinds { get; } =
    [
        new WatchedKind<V1Deployment>("deployments",
            async (k, c) => Listed(await k.AppsV1.ListDeploymentForAllNamespacesAsync(labelSelector: Selector, cancellationToken: c).ConfigureAwait(false)),
            (k, rv, c) => k.AppsV1.WatchListDeploymentForAllNamespacesAsync(labelSelector: Selector, resourceVersion: rv, allowWatchBookmarks: true, cancellationToken: c)),
        new WatchedKind<V1Service>("services",
            async (k, c) => Listed(await k.CoreV1.ListServiceForAllNamespacesAsync(labelSelector: Selector, cancellationToken: c).ConfigureAwait(false)),
            (k, rv, c) => k.CoreV1.WatchListServiceForAllNamespacesAsync(labelSelector: Selector, resourceVersion: rv, allowWatchBookmarks: true, cancellationToken: c)),
        new WatchedKind<V1ConfigMap>("configmaps",
            async (k, c) => Listed(await k.CoreV1.ListConfigMapForAllNamespacesAsync(labelSelector: Selector, cancellationToken: c).ConfigureAwait(false)),
            (k, rv, c) => k.CoreV1.WatchListConfigMapForAllNamespacesAsync(labelSelector: Selector, resourceVersion: rv, allowWatchBookmarks: true, cancellationToken: c)),
        new WatchedKind<V1Pod>("pods",
            async (k, c) => Listed(await k.CoreV1.ListPodForAllNamespacesAsync(labelSelector: Selector, cancellationToken: c).ConfigureAwait(false)),
            (k, rv, c) => k.CoreV1.WatchListPodForAllNamespacesAsync(labelSelector: Selector, resourceVersion: rv, allowWatchBookmarks: true, cancellationToken: c)),
        new WatchedKind<V1NetworkPolicy>("networkpolicies",
            async (k, c) => Listed(await k.NetworkingV1.ListNetworkPolicyForAllNamespacesAsync(labelSelector: Selector, cancellationToken: c).ConfigureAwait(false)),
            (k, rv, c) => k.NetworkingV1.WatchListNetworkPolicyForAllNamespacesAsync(labelSelector: Selector, resourceVersion: rv, allowWatchBookmarks: true, cancellationToken: c)),
        new WatchedKind<V1ResourceQuota>("resourcequotas",
            async (k, c) => Listed(await k.CoreV1.ListResourceQuotaForAllNamespacesAsync(labelSelector: Selector, cancellationToken: c).ConfigureAwait(false)),
            (k, rv, c) => k.CoreV1.WatchListResourceQuotaForAllNamespacesAsync(labelSelector: Selector, resourceVersion: rv, allowWatchBookmarks: true, cancellationToken: c),
            IgnoresStatus: true),
        new WatchedKind<V1Namespace>("namespaces",
            async (k, c) => Listed(await k.CoreV1.ListNamespaceAsync(labelSelector: Selector, cancellationToken: c).ConfigureAwait(false)),
            (k, rv, c) => k.CoreV1.WatchListNamespaceAsync(labelSelector: Selector, resourceVersion: rv, allowWatchBookmarks: true, cancellationToken: c),
            IgnoresStatus: true),
    ];

    /// <summary>
    /// Starts every watch, to run until <paramref name="ct"/> ends (the term or the process). <c>Listed</c> completes
    /// once each has listed: from then on no change to a watched object goes unseen.
    /// </summary>
    public (Task Running, Task Listed) Start(CancellationToken ct)
    {
        var pending = Kinds.Count;
        var listed = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        void OneListed()
        {
            if (Interlocked.Decrement(ref pending) == 0)
            {
                listed.TrySetResult();
            }
        }

        return (Task.WhenAll(Kinds.Select(kind => kind.RunAsync(this, OneListed, ct))), listed.Task);
    }

    /// <summary>
    /// Lists once for a resourceVersion, then watches from it, resuming from the last version seen. When the
    /// server has forgotten that version (410) or the stream fails, it lists again and queues everything listed,
    /// since events in the gap are lost. With <paramref name="changes"/>, Modified events that change only the
    /// object's status are dropped. <paramref name="onListed"/> is called after the first list.
    /// </summary>
    internal async Task WatchAsync<T>(WatchedKind<T> kind, SpecChanges<T>? changes, Action onListed, CancellationToken ct)
        where T : IKubernetesObject<V1ObjectMeta>
    {
        string? version = null;
        var first = true;
        while (!ct.IsCancellationRequested)
        {
            try
            {
                if (version is null)
                {
                    var (listedVersion, listed) = await kind.List(client, ct).ConfigureAwait(false);
                    var items = listed.ToList();
                    version = listedVersion;
                    changes?.Relisted(items);
                    if (first)
                    {
                        onListed();
                    }
                    else
                    {
                        foreach (var item in items)
                        {
                            Enqueue(item);
                        }
                    }

                    first = false;
                }

                await foreach (var (type, item) in kind.Watch(client, version, ct).ConfigureAwait(false))
                {
                    version = item.Metadata?.ResourceVersion ?? version;
                    if ((type is WatchEventType.Added or WatchEventType.Modified or WatchEventType.Deleted)
                        && (changes is null || changes.Matters(type, item)))
                    {
                        Enqueue(item);
                    }
                }
            }
            catch (OperationCanceledException) when (ct.IsCancellationRequested)
            {
                return;
            }
            catch (Exception ex)
            {
                // 410 Gone and broken streams alike: start over from a fresh list.
                if (ex is not HttpOperationException { Response.StatusCode: HttpStatusCode.Gone })
                {
                    WatchFailed(logger, ex, kind.Plural);
                }

                version = null;
                await Quietly.DelayAsync(TimeSpan.FromSeconds(1), time, ct).ConfigureAwait(false);
            }
        }
    }

    static (string, IEnumerable<T>) Listed<T>(IItems<T> list) where T : IKubernetesObject =>
        (((IMetadata<V1ListMeta>)list).Metadata.ResourceVersion, list.Items);

    void Enqueue(IKubernetesObject<V1ObjectMeta> obj)
    {
        var labels = obj.Metadata?.Labels;
        if (labels is null)
        {
            return;
        }

        if (labels.TryGetValue(Labels.ClusterId, out var cluster) && Guid.TryParse(cluster, out var clusterId))
        {
            queues.ClusterChanged(clusterId);
        }
        else if (labels.TryGetValue(Labels.TenantId, out var tenant) && Guid.TryParse(tenant, out var tenantId))
        {
            // A namespace or a fence: a deleted default-deny policy or an edited quota is put back at once.
            queues.TenantChanged(tenantId);
        }
    }

    [LoggerMessage(LogLevel.Warning, "Watch on {What} failed; listing again")]
    static partial void WatchFailed(ILogger logger, Exception ex, string what);
}

/// <summary>One row of <see cref="ManagedObjectWatches.Kinds"/>, whatever its object type.</summary>
/// <param name="Plural">The kind's resource name, as logs and RBAC name it.</param>
internal abstract record WatchedKind(string Plural)
{
    /// <summary>Runs this kind's watch in <paramref name="watches"/> until <paramref name="ct"/> ends.</summary>
    public abstract Task RunAsync(ManagedObjectWatches watches, Action onListed, CancellationToken ct);
}

/// <summary>How to list and watch the portal's objects of one kind across all namespaces.</summary>
/// <param name="Plural">The kind's resource name.</param>
/// <param name="List">Lists the kind: the list's resourceVersion and its items.</param>
/// <param name="Watch">Watches the kind from a resourceVersion.</param>
/// <param name="IgnoresStatus">Whether status-only changes are dropped.</param>
/// <typeparam name="T">The object type.</typeparam>
internal sealed record WatchedKind<T>(
    string Plural,
    Func<IKubernetes, CancellationToken, Task<(string Version, IEnumerable<T> Items)>> List,
    Func<IKubernetes, string, CancellationToken, IAsyncEnumerable<(WatchEventType, T)>> Watch,
    bool IgnoresStatus = false) : WatchedKind(Plural)
    where T : IKubernetesObject<V1ObjectMeta>
{
    /// <inheritdoc/>
    public override Task RunAsync(ManagedObjectWatches watches, Action onListed, CancellationToken ct) =>
        watches.WatchAsync(this, IgnoresStatus ? new SpecChanges<T>() : null, onListed, ct);
}
