using Portal.Provisioning.Spark;

namespace Portal.Provisioning.Reconciler;

/// <summary>What the API server reports about one cluster's workloads.</summary>
/// <param name="Deployments">The cluster's Deployments.</param>
/// <param name="Pods">The cluster's pods.</param>
/// <param name="Events">Events about those Deployments, their ReplicaSets and pods.</param>
public sealed record ObservedCluster(
    IReadOnlyList<V1Deployment> Deployments,
    IReadOnlyList<V1Pod> Pods,
    IReadOnlyList<Corev1Event> Events);

/// <summary>The phase a cluster's workloads and Spark put it in, and why.</summary>
/// <param name="Phase">The phase.</param>
/// <param name="Reason">PascalCase reason.</param>
/// <param name="Message">What a user reads.</param>
/// <param name="ReadyWorkers">Worker pods Kubernetes reports Ready.</param>
/// <param name="RegisteredWorkers">Workers the Spark master reports ALIVE.</param>
public sealed record Assessment(ClusterPhase Phase, string Reason, string Message, int ReadyWorkers, int RegisteredWorkers = 0);

/// <summary>
/// Turns observed workloads into a phase, as a pure function so every rule is testable without an API server.
/// Failures are read the way <c>kubectl describe</c> shows them: a container waiting in ImagePullBackOff or
/// CrashLoopBackOff, a pod the scheduler can't place, or a FailedCreate event (usually an exceeded quota) on a
/// Deployment that is short of pods; not a pod refused for a service account the tenant's fence is still making.
/// </summary>
public static class ClusterHealth
{
    /// <summary>Assesses <paramref name="observed"/> and <paramref name="spark"/> against what <paramref name="cluster"/> asks for.</summary>
    /// <param name="cluster">Desired state.</param>
    /// <param name="observed">Actual state of the workloads.</param>
    /// <param name="spark">What Spark itself reports: a pod is Ready when its port opens, before its worker registers.</param>
    /// <param name="wasRunning">Whether the cluster has reached Running before: a scale keeps it Running while the master serves.</param>
    public static Assessment Assess(Cluster cluster, ObservedCluster observed, SparkObservation spark, bool wasRunning)
    {
        ArgumentNullException.ThrowIfNull(cluster);
        ArgumentNullException.ThrowIfNull(observed);
        ArgumentNullException.ThrowIfNull(spark);
        var masterPod = Ready(observed, ClusterManifests.MasterName(cluster), 1);
        var workers = observed.Deployments.FirstOrDefault(d => d.Metadata.Name == ClusterManifests.WorkerName(cluster))?.Status?.ReadyReplicas ?? 0;
        var connectPod = !cluster.Spec.SparkConnect || Ready(observed, ClusterManifests.ConnectName(cluster), 1);
        var registered = spark.RegisteredWorkers;

        if (Failure(cluster, observed) is var (reason, message))
        {
            return new Assessment(ClusterPhase.Failed, reason, message, workers, registered);
        }

        var master = masterPod && spark.MasterAlive;
        var connect = !cluster.Spec.SparkConnect || (connectPod && spark.ConnectServing);
        var progress = $"Master {(master ? "alive" : masterPod ? "pod ready, Spark not answering yet" : "not ready")}, " +
                       $"{registered}/{cluster.Spec.Workers} workers registered ({workers} pods ready)" +
                       (cluster.Spec.SparkConnect ? $", Connect {(connect ? "serving" : connectPod ? "pod ready, not registered yet" : "not ready")}" : "");
        if (master && connect && registered >= cluster.Spec.Workers && workers >= cluster.Spec.Workers)
        {
            return new Assessment(ClusterPhase.Running, "Ready", progress, workers, registered);
        }

        if (wasRunning && master && connect)
        {
            return new Assessment(ClusterPhase.Running, "Scaling", progress, workers, registered);
        }

        var waiting = !masterPod || workers < cluster.Spec.Workers || !connectPod ? "WaitingForPods" : "WaitingForSpark";
        return new Assessment(ClusterPhase.Starting, waiting, progress, workers, registered);
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
        // The ServiceAccount admission refuses pods naming an account not made yet: the tenant reconciler, fencing a
        // namespace a cluster was asked for at the same time, makes it a moment later, and the ReplicaSet retries.
        if (failedCreate is null || failedCreate.Message?.Contains("error looking up service account", StringComparison.Ordinal) == true)
        {
            return null;
        }

        return failedCreate.Message?.Contains("exceeded quota", StringComparison.OrdinalIgnoreCase) == true
            ? ("ExceededQuota", failedCreate.Message)
            : ("FailedCreate", failedCreate.Message ?? "Kubernetes could not create a pod");
    }

    /// <summary>Whether the master's pod is Ready, so Spark can be asked through its Service.</summary>
    public static bool MasterPodReady(Cluster cluster, ObservedCluster observed)
    {
        ArgumentNullException.ThrowIfNull(cluster);
        ArgumentNullException.ThrowIfNull(observed);
        return Ready(observed, ClusterManifests.MasterName(cluster), 1);
    }

    static bool Ready(ObservedCluster observed, string deployment, int replicas) =>
        (observed.Deployments.FirstOrDefault(d => d.Metadata.Name == deployment)?.Status?.ReadyReplicas ?? 0) >= replicas;

    static DateTime When(Corev1Event e) =>
        e.LastTimestamp ?? e.EventTime ?? e.FirstTimestamp ?? e.Metadata?.CreationTimestamp ?? DateTime.MinValue;
}
