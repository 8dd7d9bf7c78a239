namespace Portal.Provisioning.Kubernetes;

/// <summary>
/// The calls the reconcilers make: server-side apply of the kinds the portal writes, deletion, and reads where "not
/// found" is an answer rather than an error. A call is tried again only when the server says when
/// (<see cref="RetryPolicy.ServerAsked"/>); any other failure fails the pass, and the work queue backs the key off
/// (1 s doubling), as a controller does, instead of a retry loop hidden under that backoff.
/// </summary>
public sealed partial class KubernetesApi
{
    /// <summary>Field manager of every apply: the portal owns the fields it sets and nothing else.</summary>
    public const string FieldManager = Labels.Manager;

    readonly KubernetesRetry _retry;
    readonly ILogger<KubernetesApi> _logger;

    /// <summary>Creates the API over <paramref name="connection"/>; <paramref name="time"/> paces the waits a server asks for.</summary>
    public KubernetesApi(KubernetesConnection connection, TimeProvider time, ILoggerFactory loggers)
    {
        ArgumentNullException.ThrowIfNull(connection);
        ArgumentNullException.ThrowIfNull(loggers);
        Client = connection.Client;
        _retry = new KubernetesRetry(time, loggers.CreateLogger<KubernetesRetry>(), RetryPolicy.ServerAsked);
        _logger = loggers.CreateLogger<KubernetesApi>();
    }

    /// <summary>The underlying client, for watches.</summary>
    public IKubernetes Client { get; }

    /// <summary>
    /// Every kind the portal writes, by <c>kind</c>: how to server-side apply it and, for the kinds a pass ever
    /// removes (pruned children, orphans, a deleted tenant's namespace), how to delete it. A kind missing here is one
    /// the portal's RBAC (deploy/) doesn't let it write.
    /// </summary>
    static readonly Dictionary<string, WrittenKind> Kinds = new(StringComparer.Ordinal)
    {
        ["Namespace"] = new(
            async (k, p, name, _, c) => await k.CoreV1.PatchNamespaceAsync(p, name, fieldManager: FieldManager, force: true, cancellationToken: c).ConfigureAwait(false),
            (k, name, _, o, c) => k.CoreV1.DeleteNamespaceAsync(name, o, cancellationToken: c)),
        ["ConfigMap"] = new(
            async (k, p, name, ns, c) => await k.CoreV1.PatchNamespacedConfigMapAsync(p, name, ns, fieldManager: FieldManager, force: true, cancellationToken: c).ConfigureAwait(false),
            (k, name, ns, o, c) => k.CoreV1.DeleteNamespacedConfigMapAsync(name, ns, o, cancellationToken: c)),
        ["Service"] = new(
            async (k, p, name, ns, c) => await k.CoreV1.PatchNamespacedServiceAsync(p, name, ns, fieldManager: FieldManager, force: true, cancellationToken: c).ConfigureAwait(false),
            (k, name, ns, o, c) => k.CoreV1.DeleteNamespacedServiceAsync(name, ns, o, cancellationToken: c)),
        ["PersistentVolumeClaim"] = new(
            async (k, p, name, ns, c) => await k.CoreV1.PatchNamespacedPersistentVolumeClaimAsync(p, name, ns, fieldManager: FieldManager, force: true, cancellationToken: c).ConfigureAwait(false),
            (k, name, ns, o, c) => k.CoreV1.DeleteNamespacedPersistentVolumeClaimAsync(name, ns, o, cancellationToken: c)),
        ["Secret"] = new(
            async (k, p, name, ns, c) => await k.CoreV1.PatchNamespacedSecretAsync(p, name, ns, fieldManager: FieldManager, force: true, cancellationToken: c).ConfigureAwait(false),
            (k, name, ns, o, c) => k.CoreV1.DeleteNamespacedSecretAsync(name, ns, o, cancellationToken: c)),
        ["ServiceAccount"] = new(
            async (k, p, name, ns, c) => await k.CoreV1.PatchNamespacedServiceAccountAsync(p, name, ns, fieldManager: FieldManager, force: true, cancellationToken: c).ConfigureAwait(false)),
        ["ResourceQuota"] = new(
            async (k, p, name, ns, c) => await k.CoreV1.PatchNamespacedResourceQuotaAsync(p, name, ns, fieldManager: FieldManager, force: true, cancellationToken: c).ConfigureAwait(false)),
        ["LimitRange"] = new(
            async (k, p, name, ns, c) => await k.CoreV1.PatchNamespacedLimitRangeAsync(p, name, ns, fieldManager: FieldManager, force: true, cancellationToken: c).ConfigureAwait(false)),
        ["Deployment"] = new(
            async (k, p, name, ns, c) => await k.AppsV1.PatchNamespacedDeploymentAsync(p, name, ns, fieldManager: FieldManager, force: true, cancellationToken: c).ConfigureAwait(false),
            (k, name, ns, o, c) => k.AppsV1.DeleteNamespacedDeploymentAsync(name, ns, o, cancellationToken: c)),
        ["NetworkPolicy"] = new(
            async (k, p, name, ns, c) => await k.NetworkingV1.PatchNamespacedNetworkPolicyAsync(p, name, ns, fieldManager: FieldManager, force: true, cancellationToken: c).ConfigureAwait(false),
            (k, name, ns, o, c) => k.NetworkingV1.DeleteNamespacedNetworkPolicyAsync(name, ns, o, cancellationToken: c)),
        ["Role"] = new(
            async (k, p, name, ns, c) => await k.RbacAuthorizationV1.PatchNamespacedRoleAsync(p, name, ns, fieldManager: FieldManager, force: true, cancellationToken: c).ConfigureAwait(false),
            (k, name, ns, o, c) => k.RbacAuthorizationV1.DeleteNamespacedRoleAsync(name, ns, o, cancellationToken: c)),
        ["RoleBinding"] = new(
            async (k, p, name, ns, c) => await k.RbacAuthorizationV1.PatchNamespacedRoleBindingAsync(p, name, ns, fieldManager: FieldManager, force: true, cancellationToken: c).ConfigureAwait(false),
            (k, name, ns, o, c) => k.RbacAuthorizationV1.DeleteNamespacedRoleBindingAsync(name, ns, o, cancellationToken: c)),
    };

    /// <summary>
    /// Server-side applies <paramref name="obj"/> with force, so the portal's field manager takes back any field
    /// someone else changed (drift repair), and an unchanged object is a no-op on the server (same resourceVersion).
    /// </summary>
    /// <returns>The object as the server stored it.</returns>
    public async Task<T> ApplyAsync<T>(T obj, CancellationToken ct)
        where T : IKubernetesObject<V1ObjectMeta>
    {
        ArgumentNullException.ThrowIfNull(obj);
        var name = obj.Metadata.Name;
        var ns = obj.Metadata.NamespaceProperty;
        if (!Kinds.TryGetValue(obj.Kind ?? "", out var kind))
        {
            throw new NotSupportedException($"The portal does not write {obj.Kind} objects.");
        }

        var patch = new V1Patch(obj, V1Patch.PatchType.ApplyPatch);
        var applied = await _retry.RunAsync($"apply {obj.Kind} {ns}/{name}", c => kind.Apply(Client, patch, name, ns, c), ct).ConfigureAwait(false);
        Applied(_logger, obj.Kind!, ns ?? "", name);
        return (T)applied;
    }

    /// <summary>
    /// Deletes one object, letting the garbage collector remove its dependents in the background. With
    /// <paramref name="uid"/> the delete only succeeds on that incarnation, so a same-named successor is never hit.
    /// </summary>
    /// <returns>False when there was nothing to delete (or it was another incarnation).</returns>
    public async Task<bool> DeleteAsync(string kind, string? @namespace, string name, string? uid, CancellationToken ct)
    {
        if (Kinds.GetValueOrDefault(kind)?.Delete is not { } delete)
        {
            throw new NotSupportedException($"The portal does not delete {kind} objects.");
        }

        var options = new V1DeleteOptions
        {
            PropagationPolicy = "Background",
            Preconditions = uid is null ? null : new V1Preconditions { Uid = uid },
        };
        try
        {
            await _retry.RunAsync($"delete {kind} {@namespace}/{name}", c => delete(Client, name, @namespace, options, c), ct).ConfigureAwait(false);
        }
        catch (HttpOperationException ex) when (ex.Response.StatusCode == HttpStatusCode.NotFound
                                                 || (uid is not null && ex.Response.StatusCode == HttpStatusCode.Conflict))
        {
            // 409 with a UID precondition: the name now belongs to another incarnation, which isn't ours to delete.
            return false;
        }

        Deleted(_logger, kind, @namespace ?? "", name);
        return true;
    }

    /// <summary>Runs a read, tried again when the server asks.</summary>
    public Task<T> ReadAsync<T>(string operation, Func<IKubernetes, CancellationToken, Task<T>> call, CancellationToken ct) =>
        _retry.RunAsync(operation, c => call(Client, c), ct);

    /// <summary>Runs a read of one object; null when it doesn't exist.</summary>
    public async Task<T?> FindAsync<T>(string operation, Func<IKubernetes, CancellationToken, Task<T>> call, CancellationToken ct)
        where T : class
    {
        try
        {
            return await ReadAsync(operation, call, ct).ConfigureAwait(false);
        }
        catch (HttpOperationException ex) when (ex.Response.StatusCode == HttpStatusCode.NotFound)
        {
            return null;
        }
    }

    /// <summary>How to apply, and maybe delete, one kind: (client, patch, name, namespace) and (client, name, namespace, options).</summary>
    sealed record WrittenKind(
        Func<IKubernetes, V1Patch, string, string?, CancellationToken, Task<IKubernetesObject<V1ObjectMeta>>> Apply,
        Func<IKubernetes, string, string?, V1DeleteOptions, CancellationToken, Task>? Delete = null);

    [LoggerMessage(LogLevel.Debug, "Applied {Kind} {Namespace}/{Name}")]
    static partial void Applied(ILogger logger, string kind, string @namespace, string name);

    [LoggerMessage(LogLevel.Information, "Deleted {Kind} {Namespace}/{Name}")]
    static partial void Deleted(ILogger logger, string kind, string @namespace, string name);
}
