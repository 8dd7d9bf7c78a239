namespace Portal.Core.Storage;

/// <summary>A tenant volume mounted into every pod of a cluster (master, workers, Connect server) at one path.</summary>
/// <param name="Volume">The tenant volume's name.</param>
/// <param name="Path">Where, relative to <see cref="StoragePaths.MountRoot"/>: "shared" mounts at /mnt/data/shared.</param>
/// <param name="ReadOnly">Mounted read-only in every container.</param>
public sealed record ClusterVolume(string Volume, string Path, bool ReadOnly);

/// <summary>
/// Where a cluster's Spark applications write their event logs (<c>spark.eventLog.dir</c>), for a history server to
/// read: a directory on a volume the cluster mounts read-write, or under the bucket prefix of its object store.
/// </summary>
/// <param name="Volume">A volume of the cluster's <see cref="ClusterVolume"/> list, or null.</param>
/// <param name="ObjectStore">The cluster's object store, or null.</param>
/// <param name="Path">On a volume, a directory relative to its mount; on an object store, "bucket/prefix/...".</param>
public sealed record EventLogSpec(string? Volume, string? ObjectStore, string Path);

/// <summary>The fixed places storage appears at inside Spark pods.</summary>
public static class StoragePaths
{
    /// <summary>Every tenant volume is mounted under this directory, nowhere else.</summary>
    public const string MountRoot = "/mnt/data";

    /// <summary>The directory <paramref name="mount"/> appears at in every pod.</summary>
    public static string MountPath(ClusterVolume mount)
    {
        ArgumentNullException.ThrowIfNull(mount);
        return $"{MountRoot}/{mount.Path}";
    }

    /// <summary>
    /// The <c>spark.eventLog.dir</c> of a cluster: a <c>file:</c> URI on the mounted volume, or an <c>s3a://</c> URI.
    /// </summary>
    public static string EventLogDirectory(EventLogSpec eventLog, IReadOnlyList<ClusterVolume> mounts)
    {
        ArgumentNullException.ThrowIfNull(eventLog);
        ArgumentNullException.ThrowIfNull(mounts);
        if (eventLog.Volume is { } volume)
            return $"file:{LocalEventLogDirectory(eventLog, mounts)}";
        return $"s3a://{eventLog.Path}";
    }

    /// <summary>The event log directory as a path inside the pods, for a log on a volume.</summary>
    public static string LocalEventLogDirectory(EventLogSpec eventLog, IReadOnlyList<ClusterVolume> mounts)
    {
        ArgumentNullException.ThrowIfNull(eventLog);
        ArgumentNullException.ThrowIfNull(mounts);
        var mount = mounts.First(m => m.Volume == eventLog.Volume);
        return $"{MountPath(mount)}/{eventLog.Path}";
    }
}
