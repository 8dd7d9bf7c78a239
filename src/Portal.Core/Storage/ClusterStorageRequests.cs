namespace Portal.Core.Storage;

/// <summary>A tenant volume a new cluster mounts.</summary>
public sealed record VolumeMountRequest
{
    /// <summary>Required. The name of one of the tenant's volumes.</summary>
    public string? Volume { get; init; }

    /// <summary>Where, under /mnt/data, every pod of the cluster sees it: "shared" is /mnt/data/shared. Default: the volume's name.</summary>
    public string? Path { get; init; }

    /// <summary>Mount it read-only. Default: false (a ReadOnlyMany volume is always read-only).</summary>
    public bool? ReadOnly { get; init; }
}

/// <summary>Where a new cluster's Spark applications write their event logs: exactly one of volume and objectStore.</summary>
public sealed record EventLogRequest
{
    /// <summary>A volume the cluster mounts read-write; the log goes to the directory <see cref="Path"/> on it.</summary>
    public string? Volume { get; init; }

    /// <summary>The cluster's objectStore; the log goes to s3a://{path}, under the store's bucket prefix.</summary>
    public string? ObjectStore { get; init; }

    /// <summary>On a volume, a directory relative to the mount (default "spark-events"); on an object store, "bucket/prefix/dir" (required).</summary>
    public string? Path { get; init; }
}

/// <summary>
/// Checks what a cluster request says about storage: first the request on its own, then against the tenant's
/// volumes and object stores as they are, so a name the tenant lacks is refused at the field that gave it.
/// </summary>
public static class ClusterStorageRules
{
    /// <summary>Default event-log directory on a volume, as Spark's docs name it (docs/monitoring.md).</summary>
    public const string DefaultEventLogPath = "spark-events";

    /// <summary>
    /// The mounts and event log <paramref name="volumes"/> and <paramref name="eventLog"/> ask for, with each problem of
    /// their own passed to <paramref name="error"/> by field (e.g. "volumes[0].path").
    /// </summary>
    public static (IReadOnlyList<ClusterVolume> Mounts, EventLogSpec? EventLog) Resolve(
        IReadOnlyList<VolumeMountRequest?>? volumes, string? objectStore, EventLogRequest? eventLog, Action<string, string?> error)
    {
        ArgumentNullException.ThrowIfNull(error);
        var mounts = new List<ClusterVolume>();
        volumes ??= [];
        if (volumes.Count > VolumeRules.MaxMountsPerCluster)
            error("volumes", $"At most {VolumeRules.MaxMountsPerCluster} volumes.");
        for (var i = 0; i < volumes.Count; i++)
        {
            var field = $"volumes[{i}]";
            if (volumes[i] is not { } mount)
            {
                error(field, "Must be an object with a volume.");
                continue;
            }

            var nameProblem = Clusters.KubernetesNames.Problem(mount.Volume, VolumeRules.MaxNameLength);
            error($"{field}.volume", nameProblem);
            var path = mount.Path ?? mount.Volume;
            var pathProblem = mount.Path is null ? null : VolumeRules.PathProblem(mount.Path);
            error($"{field}.path", pathProblem);
            if (nameProblem is not null || pathProblem is not null)
                continue;
            if (mounts.Any(m => m.Volume == mount.Volume))
                error($"{field}.volume", $"Volume '{mount.Volume}' is mounted once already.");
            else if (mounts.FirstOrDefault(m => Overlaps(m.Path, path!)) is { } other)
                error($"{field}.path", $"Overlaps the mount of volume '{other.Volume}' at '{other.Path}'.");
            else
                mounts.Add(new ClusterVolume(mount.Volume!, path!, mount.ReadOnly ?? false));
        }

        if (objectStore is not null)
            error("objectStore", Clusters.KubernetesNames.Problem(objectStore, VolumeRules.MaxNameLength));

        return (mounts, eventLog is null ? null : ResolveEventLog(eventLog, mounts, objectStore, error));
    }

    static EventLogSpec? ResolveEventLog(EventLogRequest eventLog, List<ClusterVolume> mounts, string? objectStore, Action<string, string?> error)
    {
        if ((eventLog.Volume is null) == (eventLog.ObjectStore is null))
        {
            error("eventLog", "Name exactly one of volume and objectStore.");
            return null;
        }

        if (eventLog.Volume is { } volume)
        {
            var path = eventLog.Path ?? DefaultEventLogPath;
            if (VolumeRules.PathProblem(path) is { } problem)
            {
                error("eventLog.path", problem);
                return null;
            }

            if (mounts.FirstOrDefault(m => m.Volume == volume) is not { } mount)
            {
                error("eventLog.volume", $"Must be one of the volumes the cluster mounts ('{volume}' is not in volumes).");
                return null;
            }

            if (mount.ReadOnly)
            {
                error("eventLog.volume", $"Volume '{volume}' is mounted read-only; Spark must write its event logs.");
                return null;
            }

            return new EventLogSpec(volume, null, path);
        }

        if (eventLog.ObjectStore != objectStore)
        {
            error("eventLog.objectStore", "Must be the cluster's objectStore.");
            return null;
        }

        if (VolumeRules.BucketPrefixProblem(eventLog.Path) is { } bucketProblem)
        {
            error("eventLog.path", bucketProblem);
            return null;
        }

        return new EventLogSpec(null, objectStore, eventLog.Path!);
    }

    /// <summary>
    /// Problems of a spec's <paramref name="mounts"/>, <paramref name="objectStore"/> and <paramref name="eventLog"/> against what the tenant has: each mounted volume must exist (a
    /// ReadOnlyMany one mounted read-only), the object store must exist, and an event log on it must lie under its
    /// bucket prefix.
    /// </summary>
    public static Dictionary<string, string[]> Check(
        IReadOnlyList<ClusterVolume> mounts, string? objectStore, EventLogSpec? eventLog,
        IReadOnlyCollection<TenantVolume> volumes, IReadOnlyCollection<ObjectStore> stores, string tenant)
    {
        ArgumentNullException.ThrowIfNull(mounts);
        ArgumentNullException.ThrowIfNull(volumes);
        ArgumentNullException.ThrowIfNull(stores);
        var errors = new Dictionary<string, string[]>(StringComparer.Ordinal);
        for (var i = 0; i < mounts.Count; i++)
        {
            var volume = volumes.FirstOrDefault(v => v.Name == mounts[i].Volume);
            if (volume is null)
                errors[$"volumes[{i}].volume"] = [$"Tenant '{tenant}' has no volume '{mounts[i].Volume}'."];
            else if (volume.AccessMode == VolumeAccessMode.ReadOnlyMany && !mounts[i].ReadOnly)
                errors[$"volumes[{i}].readOnly"] = [$"Volume '{volume.Name}' is ReadOnlyMany: mount it with readOnly true."];
        }

        var store = objectStore is null ? null : stores.FirstOrDefault(s => s.Name == objectStore);
        if (objectStore is not null && store is null)
            errors["objectStore"] = [$"Tenant '{tenant}' has no object store '{objectStore}'."];
        if (eventLog is { ObjectStore: not null } && store is not null && !VolumeRules.IsUnder(eventLog.Path, store.BucketPrefix))
            errors["eventLog.path"] = [$"Must be under the object store's bucket prefix '{store.BucketPrefix}'."];
        return errors;
    }

    static bool Overlaps(string a, string b) =>
        a == b || a.StartsWith(b + "/", StringComparison.Ordinal) || b.StartsWith(a + "/", StringComparison.Ordinal);
}
