using k8s.Models;
using Portal.Core.Clusters;
using Portal.Provisioning.Manifests;

namespace Portal.Provisioning.Reconciler;

/// <summary>What the API server reports about one cluster's workloads.</summary>
/// <param name="Deployments">The cluster's Deployments.</param>
/// <param name="Pods">The cluster's pods.</param>
/// <param name="Events">Events about those Deployments, their ReplicaSets and pods.</param>
public sealed record ObservedCluster(
    IReadOnlyList<V1Deployment> Deployments,
    IReadOnlyList<V1Pod> Pods,
    IReadOnlyList<Corev1Event> Events);

/// <summary>The phase a cluster's workloads put it in, and why.</summary>
public sealed record Assessment(ClusterPhase Phase, string Reason, string Message, int ReadyWorkers);

/// <summary>
/// Turns observed workloads into a phase, as a pure function so every rule is testable without an API server.
/// Failures are read the way <c>kubectl describe</c> shows them: a container waiting in ImagePullBackOff or
/// CrashLoopBackOff, a pod the scheduler can't place, or a FailedCreate event (usually an exceeded quota) on a
/// Deployment that is short of pods.
/// </summary>
public static class ClusterHealth
{
    /// <summary>Assesses <paramref name="observed"/> against what <paramref name="cluster"/> asks for.</summary>
    /// <param name="cluster">Desired state.</param>
    /// <param name="observed">Actual state.</param>
    /// <param name="wasRunning">Whether the cluster has reached Running before: a scale keeps it Running while the master serves.</param>
    public static Assessment Assess(Cluster cluster, ObservedCluster observed, bool wasRunning)
    {
        ArgumentNullException.ThrowIfNull(cluster);
        ArgumentNullException.ThrowIfNull(observed);
        var master = Ready(observed, ClusterManifests.MasterName(cluster), 1);
        var workers = observed.Deployments.FirstOrDefault(d => d.Metadata.Name == ClusterManifests.WorkerName(cluster))?.Status?.ReadyReplicas ?? 0;
        var connect = !cluster.Spec.SparkConnect || Ready(observed, ClusterManifests.ConnectName(cluster), 1);

        if (Failure(cluster, observed) is var (reason, message))
        {
            return new Assessment(ClusterPhase.Failed, reason, message, workers);
        }

        var progress = $"Master {(master ? "ready" : "not ready")}, {workers}/{cluster.Spec.Workers} workers ready" +
                       (cluster.Spec.SparkConnect ? $", Connect {(connect ? "ready" : "not ready")}" : "");
        if (master && connect && workers >= cluster.Spec.Workers)
        {
            return new Assessment(ClusterPhase.Running, "Ready", progress, workers);
        }

        return wasRunning && master && connect
            ? new Assessment(ClusterPhase.Running, "Scaling", progress, workers)
            : new Assessment(ClusterPhase.Starting, "WaitingForPods", progress, workers);
    }

    static (string Reason, string Message)? Failure(Cluster cluster, ObservedCluster observed)
    {
        foreach (var pod in observed.Pods.OrderBy(p => p.Metadata.Name, StringComparer.Ordinal))
        {
            foreach (var status in pod.Status?.ContainerStatuses ?? [])
            {
                switch (status.State?.Waiting?.Reason)
                {
                    case "ImagePullBackOff" or "ErrImagePull" or "InvalidImageName":
                        return ("ImagePullBackOff", $"Pod {pod.Metadata.Name} can't pull image {status.Image}: {status.State.Waiting.Message}".TrimEnd(' ', ':'));
                    case "CrashLoopBackOff":
                        return ("CrashLoopBackOff", $"Container {status.Name} of pod {pod.Metadata.Name} keeps crashing: {status.State.Waiting.Message}".TrimEnd(' ', ':'));
                }
            }

            if (pod.Status?.Conditions?.FirstOrDefault(c => c.Type == "PodScheduled" && c.Status == "False" && c.Reason == "Unschedulable") is { } unschedulable)
            {
                return ("Unschedulable", $"Pod {pod.Metadata.Name} can't be scheduled: {unschedulable.Message}".TrimEnd(' ', ':'));
            }
        }

        // An event outlives its cause, so it only counts while some Deployment is still short of pods.
        var shortOfPods = observed.Deployments.Any(d => (d.Status?.Replicas ?? 0) < (d.Spec?.Replicas ?? 0));
        if (!shortOfPods)
        {
            return null;
        }

        var failedCreate = observed.Events
            .Where(e => e.Reason == "FailedCreate")
            .OrderByDescending(When)
            .FirstOrDefault();
        if (failedCreate is null)
        {
            return null;
        }

        return failedCreate.Message?.Contains("exceeded quota", StringComparison.OrdinalIgnoreCase) == true
            ? ("ExceededQuota", failedCreate.Message)
            : ("FailedCreate", failedCreate.Message ?? "Kubernetes could not create a pod");
    }

    static bool Ready(ObservedCluster observed, string deployment, int replicas) =>
        (observed.Deployments.FirstOrDefault(d => d.Metadata.Name == deployment)?.Status?.ReadyReplicas ?? 0) >= replicas;

    static DateTime When(Corev1Event e) =>
        e.LastTimestamp ?? e.EventTime ?? e.FirstTimestamp ?? e.Metadata?.CreationTimestamp ?? DateTime.MinValue;
}
