using System.Net;
using k8s;
using k8s.Autorest;
using k8s.Models;
using Microsoft.Extensions.Logging;
using Portal.Provisioning.Manifests;

namespace Portal.Provisioning.Kubernetes;

/// <summary>
/// The calls the reconcilers make, each retried on transient failures: server-side apply of the kinds the portal
/// writes, deletion, and reads where "not found" is an answer rather than an error.
/// </summary>
public sealed partial class KubernetesApi
{
    /// <summary>Field manager of every apply: the portal owns the fields it sets and nothing else.</summary>
    public const string FieldManager = Labels.Manager;

    readonly KubernetesRetry _retry;
    readonly ILogger<KubernetesApi> _logger;

    /// <summary>Creates the API over <paramref name="connection"/>; <paramref name="time"/> paces retries.</summary>
    public KubernetesApi(KubernetesConnection connection, TimeProvider time, ILoggerFactory loggers)
    {
        ArgumentNullException.ThrowIfNull(connection);
        ArgumentNullException.ThrowIfNull(loggers);
        Client = connection.Client;
        _retry = new KubernetesRetry(time, loggers.CreateLogger<KubernetesRetry>());
        _logger = loggers.CreateLogger<KubernetesApi>();
    }

    /// <summary>The underlying client, for watches.</summary>
    public IKubernetes Client { get; }

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
        var patch = new V1Patch(obj, V1Patch.PatchType.ApplyPatch);
        var applied = await _retry.RunAsync<IKubernetesObject<V1ObjectMeta>>($"apply {obj.Kind} {ns}/{name}", async c => obj switch
        {
            V1Namespace => await Client.CoreV1.PatchNamespaceAsync(patch, name, fieldManager: FieldManager, force: true, cancellationToken: c).ConfigureAwait(false),
            V1ConfigMap => await Client.CoreV1.PatchNamespacedConfigMapAsync(patch, name, ns, fieldManager: FieldManager, force: true, cancellationToken: c).ConfigureAwait(false),
            V1Service => await Client.CoreV1.PatchNamespacedServiceAsync(patch, name, ns, fieldManager: FieldManager, force: true, cancellationToken: c).ConfigureAwait(false),
            V1ServiceAccount => await Client.CoreV1.PatchNamespacedServiceAccountAsync(patch, name, ns, fieldManager: FieldManager, force: true, cancellationToken: c).ConfigureAwait(false),
            V1ResourceQuota => await Client.CoreV1.PatchNamespacedResourceQuotaAsync(patch, name, ns, fieldManager: FieldManager, force: true, cancellationToken: c).ConfigureAwait(false),
            V1LimitRange => await Client.CoreV1.PatchNamespacedLimitRangeAsync(patch, name, ns, fieldManager: FieldManager, force: true, cancellationToken: c).ConfigureAwait(false),
            V1Deployment => await Client.AppsV1.PatchNamespacedDeploymentAsync(patch, name, ns, fieldManager: FieldManager, force: true, cancellationToken: c).ConfigureAwait(false),
            V1StatefulSet => await Client.AppsV1.PatchNamespacedStatefulSetAsync(patch, name, ns, fieldManager: FieldManager, force: true, cancellationToken: c).ConfigureAwait(false),
            V1NetworkPolicy => await Client.NetworkingV1.PatchNamespacedNetworkPolicyAsync(patch, name, ns, fieldManager: FieldManager, force: true, cancellationToken: c).ConfigureAwait(false),
            V1Role => await Client.RbacAuthorizationV1.PatchNamespacedRoleAsync(patch, name, ns, fieldManager: FieldManager, force: true, cancellationToken: c).ConfigureAwait(false),
            V1RoleBinding => await Client.RbacAuthorizationV1.PatchNamespacedRoleBindingAsync(patch, name, ns, fieldManager: FieldManager, force: true, cancellationToken: c).ConfigureAwait(false),
            _ => throw new NotSupportedException($"The portal does not write {obj.Kind} objects."),
        }, ct).ConfigureAwait(false);
        Applied(_logger, obj.Kind, ns ?? "", name);
        return (T)applied;
    }

    /// <summary>
    /// Deletes one object, letting the garbage collector remove its dependents in the background. With
    /// <paramref name="uid"/> the delete only succeeds on that incarnation, so a same-named successor is never hit.
    /// </summary>
    /// <returns>False when there was nothing to delete (or it was another incarnation).</returns>
    public async Task<bool> DeleteAsync(string kind, string? @namespace, string name, string? uid, CancellationToken ct)
    {
        var options = new V1DeleteOptions
        {
            PropagationPolicy = "Background",
            Preconditions = uid is null ? null : new V1Preconditions { Uid = uid },
        };
        try
        {
            await _retry.RunAsync($"delete {kind} {@namespace}/{name}", async c =>
            {
                _ = kind switch
                {
                    "Namespace" => await Client.CoreV1.DeleteNamespaceAsync(name, options, cancellationToken: c).ConfigureAwait(false) as object,
                    "ConfigMap" => await Client.CoreV1.DeleteNamespacedConfigMapAsync(name, @namespace, options, cancellationToken: c).ConfigureAwait(false),
                    "Service" => await Client.CoreV1.DeleteNamespacedServiceAsync(name, @namespace, options, cancellationToken: c).ConfigureAwait(false),
                    "Deployment" => await Client.AppsV1.DeleteNamespacedDeploymentAsync(name, @namespace, options, cancellationToken: c).ConfigureAwait(false),
                    "StatefulSet" => await Client.AppsV1.DeleteNamespacedStatefulSetAsync(name, @namespace, options, cancellationToken: c).ConfigureAwait(false),
                    "NetworkPolicy" => await Client.NetworkingV1.DeleteNamespacedNetworkPolicyAsync(name, @namespace, options, cancellationToken: c).ConfigureAwait(false),
                    "Role" => await Client.RbacAuthorizationV1.DeleteNamespacedRoleAsync(name, @namespace, options, cancellationToken: c).ConfigureAwait(false),
                    "RoleBinding" => await Client.RbacAuthorizationV1.DeleteNamespacedRoleBindingAsync(name, @namespace, options, cancellationToken: c).ConfigureAwait(false),
                    _ => throw new NotSupportedException($"The portal does not delete {kind} objects."),
                };
            }, ct).ConfigureAwait(false);
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

    /// <summary>Runs a read, retried on transient failures.</summary>
    public Task<T> ReadAsync<T>(string operation, Func<IKubernetes, CancellationToken, Task<T>> call, CancellationToken ct) =>
        _retry.RunAsync(operation, c => call(Client, c), ct);

    /// <summary>Runs a read of one object; null when it doesn't exist.</summary>
    public async Task<T?> FindAsync<T>(string operation, Func<IKubernetes, CancellationToken, Task<T>> call, CancellationToken ct)
        where T : class
    {
        try
        {
            return await _retry.RunAsync(operation, c => call(Client, c), ct).ConfigureAwait(false);
        }
        catch (HttpOperationException ex) when (ex.Response.StatusCode == HttpStatusCode.NotFound)
        {
            return null;
        }
    }

    [LoggerMessage(LogLevel.Debug, "Applied {Kind} {Namespace}/{Name}")]
    static partial void Applied(ILogger logger, string kind, string @namespace, string name);

    [LoggerMessage(LogLevel.Information, "Deleted {Kind} {Namespace}/{Name}")]
    static partial void Deleted(ILogger logger, string kind, string @namespace, string name);
}
