namespace Portal.Provisioning.Reconciler;

/// <summary>
/// What the API server holds of one cluster, read for one pass: each kind is listed the first time the pass asks
/// for it and not again, so pruning, observing and deleting share one list call per kind. Objects the pass deletes
/// are dropped from what it has read, so a later step doesn't see them.
/// </summary>
/// <remarks>One pass, one instance: a new pass must read afresh.</remarks>
internal sealed class LiveClusterObjects(KubernetesApi kube, Guid clusterId, string @namespace)
{
    readonly string _selector = Labels.SelectorFor(clusterId);
    readonly string _podSelector = $"{Labels.ClusterId}={clusterId}";
    List<V1ConfigMap>? _configMaps;
    List<V1Deployment>? _deployments;
    List<V1Service>? _services;
    List<V1NetworkPolicy>? _policies;
    List<V1Pod>? _pods;

    /// <summary>The tenant's namespace the objects live in.</summary>
    public string Namespace { get; } = @namespace;

    /// <summary>The cluster's ConfigMaps (its root).</summary>
    public async Task<IReadOnlyList<V1ConfigMap>> ConfigMapsAsync(CancellationToken ct) =>
        _configMaps ??= [.. (await kube.ReadAsync("list configmaps", (k, c) => k.CoreV1.ListNamespacedConfigMapAsync(Namespace, labelSelector: _selector, cancellationToken: c), ct).ConfigureAwait(false)).Items];

    /// <summary>The cluster's Deployments.</summary>
    public async Task<IReadOnlyList<V1Deployment>> DeploymentsAsync(CancellationToken ct) =>
        _deployments ??= [.. (await kube.ReadAsync("list deployments", (k, c) => k.AppsV1.ListNamespacedDeploymentAsync(Namespace, labelSelector: _selector, cancellationToken: c), ct).ConfigureAwait(false)).Items];

    /// <summary>The cluster's Services.</summary>
    public async Task<IReadOnlyList<V1Service>> ServicesAsync(CancellationToken ct) =>
        _services ??= [.. (await kube.ReadAsync("list services", (k, c) => k.CoreV1.ListNamespacedServiceAsync(Namespace, labelSelector: _selector, cancellationToken: c), ct).ConfigureAwait(false)).Items];

    /// <summary>The cluster's NetworkPolicies.</summary>
    public async Task<IReadOnlyList<V1NetworkPolicy>> NetworkPoliciesAsync(CancellationToken ct) =>
        _policies ??= [.. (await kube.ReadAsync("list networkpolicies", (k, c) => k.NetworkingV1.ListNamespacedNetworkPolicyAsync(Namespace, labelSelector: _selector, cancellationToken: c), ct).ConfigureAwait(false)).Items];

    /// <summary>The cluster's pods.</summary>
    public async Task<IReadOnlyList<V1Pod>> PodsAsync(CancellationToken ct) =>
        _pods ??= [.. (await kube.ReadAsync("list pods", (k, c) => k.CoreV1.ListNamespacedPodAsync(Namespace, labelSelector: _podSelector, cancellationToken: c), ct).ConfigureAwait(false)).Items];

    /// <summary>
    /// The namespace's events. Not kept: events are read once per pass anyway, by the observation, and they aren't
    /// labelled, so the caller picks the cluster's.
    /// </summary>
    public async Task<IReadOnlyList<Corev1Event>> EventsAsync(CancellationToken ct) =>
        [.. (await kube.ReadAsync("list events", (k, c) => k.CoreV1.ListNamespacedEventAsync(Namespace, cancellationToken: c), ct).ConfigureAwait(false)).Items];

    /// <summary>Deletes one of the objects read, and forgets it.</summary>
    public async Task DeleteAsync(string kind, string name, string? uid, CancellationToken ct)
    {
        await kube.DeleteAsync(kind, Namespace, name, uid, ct).ConfigureAwait(false);
        _ = kind switch
        {
            "ConfigMap" => _configMaps?.RemoveAll(o => o.Metadata.Name == name),
            "Deployment" => _deployments?.RemoveAll(o => o.Metadata.Name == name),
            "Service" => _services?.RemoveAll(o => o.Metadata.Name == name),
            "NetworkPolicy" => _policies?.RemoveAll(o => o.Metadata.Name == name),
            _ => null,
        };
    }
}
