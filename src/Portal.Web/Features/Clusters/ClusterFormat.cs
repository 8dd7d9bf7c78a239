using System.Globalization;
using MudBlazor;
using Portal.Core.Clusters;
using Portal.Core.Tenants;
using Portal.Provisioning.Reconciler;

namespace Portal.Web.Features.Clusters;

/// <summary>How pages show cluster fields: one place, so the list, detail and home agree.</summary>
internal static class ClusterFormat
{
    public static Color PhaseColor(ClusterPhase phase) => phase switch
    {
        ClusterPhase.Running => Color.Success,
        ClusterPhase.Failed => Color.Error,
        ClusterPhase.Deleting or ClusterPhase.Deleted => Color.Default,
        _ => Color.Info,
    };

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
