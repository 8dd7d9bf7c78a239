namespace Portal.Provisioning.Reconciler;

/// <summary>
/// Which Kubernetes events are about a cluster: those whose object is one of its Deployments or pods (by uid, so a
/// namesake from an earlier cluster never counts), or a ReplicaSet of one of its Deployments. The reconciler reads
/// failures from them and the detail page shows them, by this one rule.
/// </summary>
public static class ClusterObjectEvents
{
    /// <summary>The events of <paramref name="events"/> about the objects <paramref name="deployments"/> and <paramref name="pods"/>.</summary>
    public static List<Corev1Event> About(IEnumerable<Corev1Event> events, IEnumerable<V1Deployment> deployments, IEnumerable<V1Pod> pods)
    {
        ArgumentNullException.ThrowIfNull(events);
        var owned = deployments.ToList();
        var uids = owned.Select(d => d.Metadata.Uid).Concat(pods.Select(p => p.Metadata.Uid)).ToHashSet(StringComparer.Ordinal);
        var names = owned.Select(d => d.Metadata.Name).ToHashSet(StringComparer.Ordinal);
        return [.. events.Where(e => e.InvolvedObject is { } o && (uids.Contains(o.Uid) || IsReplicaSetOf(o, names)))];
    }

    // A ReplicaSet is named "<deployment>-<hash>" with no dash in the hash, so "etl-worker-5d8f" belongs to
    // etl-worker and never to etl-worker-master. Matching by name spares listing ReplicaSets, which the portal's
    // ClusterRole needn't grant.
    static bool IsReplicaSetOf(V1ObjectReference involved, HashSet<string> deployments) =>
        involved.Kind == "ReplicaSet" && involved.Name is { } name && name.LastIndexOf('-') is > 0 and var dash
        && deployments.Contains(name[..dash]);
}
