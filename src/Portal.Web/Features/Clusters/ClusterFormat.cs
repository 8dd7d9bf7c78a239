using Portal.Provisioning.Reconciler;

namespace Portal.Web.Features.Clusters;

/// <summary>How pages show cluster fields: one place, so the list, detail and home agree.</summary>
internal static class ClusterFormat
{
    /// <summary>
    /// How a phase's chip looks: each step on the way to Running its own colour and icon, so a glance tells a queued
    /// cluster from one whose pods are starting; the ending phases outlined, as no longer live.
    /// </summary>
    public static (Color Color, string Icon, Variant Variant) PhaseLook(ClusterPhase phase) => phase switch
    {
        ClusterPhase.Requested => (Color.Default, Icons.Material.Filled.Schedule, Variant.Filled),
        ClusterPhase.Provisioning => (Color.Info, Icons.Material.Filled.Construction, Variant.Filled),
        ClusterPhase.Starting => (Color.Primary, Icons.Material.Filled.PlayCircle, Variant.Filled),
        ClusterPhase.Running => (Color.Success, Icons.Material.Filled.CheckCircle, Variant.Filled),
        ClusterPhase.Failed => (Color.Error, Icons.Material.Filled.Error, Variant.Filled),
        ClusterPhase.Deleting => (Color.Default, Icons.Material.Filled.HourglassBottom, Variant.Outlined),
        _ => (Color.Default, Icons.Material.Outlined.Delete, Variant.Outlined),
    };

    /// <summary>Where event logs are, as a person reads it: "spark-events on volume events", "s3a://lake/logs on object store lake".</summary>
    public static string EventLogPlace(Portal.Core.Storage.EventLogSpec log)
    {
        ArgumentNullException.ThrowIfNull(log);
        return log.Volume is { } volume ? $"{log.Path} on volume {volume}" : $"s3a://{log.Path} on object store {log.ObjectStore}";
    }

    /// <summary>"3d 4h", "2h 5m", "40s": coarse, as people read ages.</summary>
    public static string Duration(TimeSpan span)
    {
        if (span < TimeSpan.Zero)
            span = TimeSpan.Zero;
        return span.TotalDays >= 1 ? $"{(int)span.TotalDays}d {span.Hours}h"
            : span.TotalHours >= 1 ? $"{(int)span.TotalHours}h {span.Minutes}m"
            : span.TotalMinutes >= 1 ? $"{(int)span.TotalMinutes}m"
            : $"{(int)span.TotalSeconds}s";
    }

    /// <summary>Time left before the TTL ends the cluster, or a dash once it is ending.</summary>
    public static string TimeLeft(Cluster cluster, DateTimeOffset now) =>
        cluster.IsDeleting || cluster.Status.Phase is ClusterPhase.Deleted ? "—" : Duration(cluster.ExpiresAt - now);

    /// <summary>
    /// What Spark is doing, and for an idle cluster under an idle timeout, how long it has left: the countdown a user
    /// sees before the cluster ends by itself.
    /// </summary>
    public static string Activity(Cluster cluster, TenantPolicy policy, DateTimeOffset now)
    {
        var status = cluster.Status;
        if (!status.Idle)
            return "Busy: Spark is running an application or a Connect job";
        var since = status.LastActivityAt is { } last ? $"idle for {Duration(now - last)}" : "idle";
        return ClusterReconciler.IdleDeadline(cluster, policy) is { } deadline
            ? $"{char.ToUpperInvariant(since[0])}{since[1..]}; ends by itself in {Duration(deadline - now)} (the tenant's idle timeout is {Duration(policy.IdleTimeout!.Value)})"
            : $"{char.ToUpperInvariant(since[0])}{since[1..]}; the tenant has no idle timeout";
    }

    public static string Termination(ClusterTermination reason) => reason switch
    {
        ClusterTermination.Idle => "Idle: no Spark activity for the tenant's idle timeout",
        ClusterTermination.Expired => "Expired: its time-to-live ran out",
        _ => "Deleted on request",
    };

    public static string Timestamp(DateTimeOffset at) => at.ToString("yyyy-MM-dd HH:mm:ss 'UTC'", CultureInfo.InvariantCulture);
}
