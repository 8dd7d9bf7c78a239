using System.Security.Cryptography;
using Portal.Sandbox.Volumes;

namespace Portal.Sandbox.Controllers;

/// <summary>
/// A simulated scheduler and kubelet on one node, <c>sandbox-node</c>. A new pod is bound at once and reported
/// Pending (ContainerCreating); after <see cref="SandboxOptions.PodStartDelay"/> it is Running with every
/// container ready, or, when an image matches <see cref="SandboxOptions.ImagePullFailurePattern"/>, it stays
/// Pending with that container waiting in ImagePullBackOff. Nothing runs; probes are not evaluated.
/// </summary>
/// <remarks>
/// Volumes and configuration as upstream: the scheduler's VolumeBinding plugin keeps a pod whose claim is missing,
/// terminating or unbound (Immediate binding) unscheduled with a <c>FailedScheduling</c> event; the kubelet keeps a pod
/// whose secret or configMap volume is missing in ContainerCreating (<c>FailedMount</c>), creates a claim mount's
/// <c>subPath</c> directory on the volume, runs init containers' <c>mkdir</c> on claim volumes, and leaves a container
/// whose env names a missing Secret or ConfigMap (or key) waiting in <c>CreateContainerConfigError</c>. Each is retried
/// when the objects it waits for change. A container a simulated daemon ended (<see cref="Crash"/>) is restarted
/// after the kubelet's back-off (10 s doubling to 5 min) in CrashLoopBackOff.
/// </remarks>
internal sealed class Kubelet(Registry registry, EventRecorder events, SandboxOptions options, VolumeFiles volumes) : IReconciler
{
    public const string NodeName = "sandbox-node";
    const string Component = "kubelet";
    readonly Regex? _pullFailure = options.ImagePullFailurePattern is { } p ? new Regex(p, RegexOptions.None, TimeSpan.FromSeconds(1)) : null;
    int _nextIp = 2;

    public IEnumerable<string> KeysFor(StoreEvent e)
    {
        if (e.Kind == ResourceCatalog.Pods && e.Type != WatchEventType.Deleted) yield return ControllerKeys.For(e.Object);
        else if (e.Kind == ResourceCatalog.PersistentVolumeClaims || e.Kind == ResourceCatalog.Secrets || e.Kind == ResourceCatalog.ConfigMaps)
        {
            // What a waiting pod waits for may have arrived: the scheduler's and the kubelet's informers requeue it.
            foreach (var pod in registry.List(ResourceCatalog.Pods, e.Object.Namespace(), LabelSelector.Everything, FieldSelector.Everything).Items)
                if (pod.Str("status", "phase") == "Pending" && !pod.IsDeleting()) yield return ControllerKeys.For(pod);
        }
    }

    public TimeSpan? Reconcile(string key)
    {
        var (ns, name) = ControllerKeys.Split(key);
        var pod = registry.TryGet(ResourceCatalog.Pods, ns, name);
        if (pod is null || pod.IsDeleting() || pod.Str("status", "phase") is "Succeeded" or "Failed") return null;
        if (pod.Str("status", "phase") == "Running") return RestartCrashed(pod);

        if (pod.Str("spec", "nodeName") is null || pod.Str("status", "startTime") is null) return Schedule(pod);
        if (pod.Objects("status", "containerStatuses").Any(c => c.Str("state", "waiting", "reason") == "ImagePullBackOff")) return null;
        if (_scheduledAt.TryGetValue(key, out var seen) && seen + options.PodStartDelay - DateTime.UtcNow is var due && due > TimeSpan.Zero)
            return due;
        _scheduledAt.Remove(key);
        return Start(pod);
    }

    readonly Dictionary<string, DateTime> _scheduledAt = [];
    readonly Dictionary<string, DateTime> _unschedulableAt = [];

    const string NotHelpful = " preemption: 0/1 nodes are available: 1 Preemption is not helpful for scheduling.";

    /// <summary>
    /// The VolumeBinding plugin's PreFilter: a claim that is missing, terminating, or unbound with Immediate binding
    /// makes the pod unschedulable. An unbound WaitForFirstConsumer claim is being provisioned for this pod: wait.
    /// </summary>
    (string? Reason, bool Wait) VolumeBinding(JsonObject pod)
    {
        var wait = false;
        foreach (var claimName in PersistentVolumeController.ClaimsOf(pod))
        {
            if (registry.TryGet(ResourceCatalog.PersistentVolumeClaims, pod.Namespace(), claimName) is not { } claim)
                return ($"persistentvolumeclaim \"{claimName}\" not found", false);
            if (claim.IsDeleting()) return ($"persistentvolumeclaim \"{claimName}\" is being deleted", false);
            if (claim.Str("status", "phase") == "Bound") continue;
            var className = claim.Str("spec", "storageClassName") ?? "";
            var delayed = className.Length > 0 && registry.TryGet(ResourceCatalog.StorageClasses, null, className)?.Str("volumeBindingMode") == "WaitForFirstConsumer";
            if (!delayed) return ("pod has unbound immediate PersistentVolumeClaims", false);
            wait = true;
        }
        return (null, wait);
    }

    TimeSpan? Unschedulable(JsonObject pod, string reason)
    {
        var message = $"0/1 nodes are available: {reason}.{NotHelpful}";
        var existing = pod.Objects("status", "conditions").FirstOrDefault(c => c.Str("type") == "PodScheduled");
        var key = ControllerKeys.For(pod);
        // One attempt per requeue: the scheduler's own status write (a pod event) is not another attempt.
        var attempt = existing?.Str("message") != message || !_unschedulableAt.TryGetValue(key, out var last) || DateTime.UtcNow - last >= TimeSpan.FromMinutes(5);
        if (existing?.Str("message") != message)
        {
            var next = pod.Clone();
            var status = next["status"] as JsonObject ?? [];
            status["phase"] = "Pending";
            status["conditions"] = new JsonArray(Condition("PodScheduled", false, Json.Now(), "Unschedulable", message));
            next["status"] = status;
            pod = registry.Update(ResourceCatalog.Pods, pod.Namespace(), pod.Name(), next, statusOnly: true, new WriteOptions());
        }
        if (!attempt) return TimeSpan.FromMinutes(5);
        _unschedulableAt[key] = DateTime.UtcNow;
        if (_unschedulableAt.Count > 10_000) _unschedulableAt.Clear();
        events.Warning(ResourceCatalog.Pods, pod, "FailedScheduling", message, "default-scheduler");
        // Requeued when a claim changes (KeysFor); the scheduler also flushes unschedulable pods every 5 minutes.
        return TimeSpan.FromMinutes(5);
    }

    TimeSpan? Schedule(JsonObject pod)
    {
        var bound = pod;
        if (pod.Str("spec", "nodeName") is null)
        {
            var (unschedulable, wait) = VolumeBinding(pod);
            if (unschedulable is not null) return Unschedulable(pod, unschedulable);
            if (wait) return null;
            bound = pod.Clone();
            bound.Obj("spec")["nodeName"] = NodeName;
            bound = registry.Update(ResourceCatalog.Pods, pod.Namespace(), pod.Name(), bound, statusOnly: false, new WriteOptions());
            events.Normal(ResourceCatalog.Pods, bound, "Scheduled", $"Successfully assigned {pod.Namespace()}/{pod.Name()} to {NodeName}", "default-scheduler");
        }

        var now = Json.Now();
        var status = bound["status"]?.DeepClone() as JsonObject ?? [];
        status["phase"] = "Pending";
        status["hostIP"] = "10.0.0.10";
        status["hostIPs"] = new JsonArray(new JsonObject { ["ip"] = "10.0.0.10" });
        status["startTime"] = now;
        status["conditions"] = new JsonArray(
            Condition("PodReadyToStartContainers", false, now),
            Condition("Initialized", true, now),
            Condition("Ready", false, now, "ContainersNotReady", $"containers with unready status: [{string.Join(" ", ContainerNames(bound))}]"),
            Condition("ContainersReady", false, now, "ContainersNotReady", $"containers with unready status: [{string.Join(" ", ContainerNames(bound))}]"),
            Condition("PodScheduled", true, now));
        status["containerStatuses"] = new JsonArray([.. bound.Objects("spec", "containers").Select(c => (JsonNode)ContainerStatus(c, new JsonObject
        {
            ["waiting"] = new JsonObject { ["reason"] = "ContainerCreating" },
        }, ready: false))]);
        var next = bound.Clone();
        next["status"] = status;
        registry.Update(ResourceCatalog.Pods, pod.Namespace(), pod.Name(), next, statusOnly: true, new WriteOptions());
        _scheduledAt[ControllerKeys.For(pod)] = DateTime.UtcNow;
        return options.PodStartDelay;
    }

    TimeSpan? Start(JsonObject pod)
    {
        var now = Json.Now();
        if (MountFailure(pod) is { } mount)
        {
            // The volume manager retries; the pod stays ContainerCreating.
            events.Warning(ResourceCatalog.Pods, pod, "FailedMount", $"MountVolume.SetUp failed for volume \"{mount.Volume}\" : {mount.Error}", Component);
            return TimeSpan.FromSeconds(10);
        }
        CreateSubPaths(pod);
        var status = pod["status"]?.DeepClone() as JsonObject ?? [];
        var previous = pod.Node("status", "conditions") as JsonArray;
        var initStatuses = new JsonArray();
        string? initFailure = null;
        foreach (var init in pod.Objects("spec", "initContainers"))
        {
            if (initFailure is not null) break;
            initFailure = InitContainers.Run(pod, init, volumes);
            initStatuses.Add(InitStatus(init, initFailure, now));
        }
        if (initStatuses.Count > 0) status["initContainerStatuses"] = initStatuses;
        if (initFailure is not null)
        {
            var failed = pod.Clone();
            status["conditions"] = new JsonArray(
                Condition("PodReadyToStartContainers", true, Transition(previous, "PodReadyToStartContainers", true, now)),
                Condition("Initialized", false, Transition(previous, "Initialized", false, now), "ContainersNotInitialized", $"containers with incomplete status: [{initStatuses.OfType<JsonObject>().Last().Str("name")}]"),
                Condition("Ready", false, Transition(previous, "Ready", false, now), "ContainersNotReady", $"containers with unready status: [{string.Join(" ", ContainerNames(pod))}]"),
                Condition("ContainersReady", false, Transition(previous, "ContainersReady", false, now), "ContainersNotReady", $"containers with unready status: [{string.Join(" ", ContainerNames(pod))}]"),
                Condition("PodScheduled", true, Transition(previous, "PodScheduled", true, now)));
            failed["status"] = status;
            registry.Update(ResourceCatalog.Pods, pod.Namespace(), pod.Name(), failed, statusOnly: true, new WriteOptions());
            events.Warning(ResourceCatalog.Pods, pod, "BackOff", $"Back-off restarting failed container {initStatuses.OfType<JsonObject>().Last().Str("name")} in pod {pod.Name()}_{pod.Namespace()}({pod.Uid()})", Component);
            return TimeSpan.FromSeconds(10);
        }

        var containers = pod.Objects("spec", "containers").ToList();
        var pullFailures = containers.Where(c => _pullFailure?.IsMatch(c.Str("image") ?? "") == true).ToList();
        var configErrors = containers.Where(c => !pullFailures.Contains(c))
            .Select(c => (Container: c, Error: ContainerConfig.Error(registry, pod, c)))
            .Where(x => x.Error is not null).ToDictionary(x => x.Container, x => x.Error!);
        var failing = pullFailures.Concat(configErrors.Keys).ToList();
        var statuses = new JsonArray();
        foreach (var c in containers)
        {
            var image = c.Str("image") ?? "";
            if (pullFailures.Contains(c))
            {
                statuses.Add(ContainerStatus(c, new JsonObject
                {
                    ["waiting"] = new JsonObject { ["reason"] = "ImagePullBackOff", ["message"] = $"Back-off pulling image \"{image}\"" },
                }, ready: false));
                continue;
            }
            if (configErrors.TryGetValue(c, out var error))
            {
                statuses.Add(ContainerStatus(c, new JsonObject
                {
                    ["waiting"] = new JsonObject { ["reason"] = "CreateContainerConfigError", ["message"] = error },
                }, ready: false));
                continue;
            }
            // A container already running (its sibling is being retried) keeps its start and id.
            if (RunningStatus(pod, c) is { } running)
            {
                running["ready"] = failing.Count == 0;
                statuses.Add(running);
                continue;
            }
            statuses.Add(ContainerStatus(c, new JsonObject { ["running"] = new JsonObject { ["startedAt"] = now } }, ready: failing.Count == 0));
        }
        status["containerStatuses"] = statuses;
        status["conditions"] = new JsonArray(
            Condition("PodReadyToStartContainers", true, Transition(previous, "PodReadyToStartContainers", true, now)),
            Condition("Initialized", true, Transition(previous, "Initialized", true, now)),
            failing.Count == 0
                ? Condition("Ready", true, now)
                : Condition("Ready", false, Transition(previous, "Ready", false, now), "ContainersNotReady", $"containers with unready status: [{string.Join(" ", failing.Select(f => f.Str("name")))}]"),
            failing.Count == 0
                ? Condition("ContainersReady", true, now)
                : Condition("ContainersReady", false, Transition(previous, "ContainersReady", false, now), "ContainersNotReady", $"containers with unready status: [{string.Join(" ", failing.Select(f => f.Str("name")))}]"),
            Condition("PodScheduled", true, Transition(previous, "PodScheduled", true, now)));
        // The sandbox keeps one address per pod, however often its containers are retried.
        var ip = pod.Str("status", "podIP") ?? $"10.244.{_nextIp / 250 % 250}.{_nextIp++ % 250 + 1}";
        status["podIP"] = ip;
        status["podIPs"] = new JsonArray(new JsonObject { ["ip"] = ip });
        if (failing.Count == 0) status["phase"] = "Running";

        var next = pod.Clone();
        next["status"] = status;
        var updated = registry.Update(ResourceCatalog.Pods, pod.Namespace(), pod.Name(), next, statusOnly: true, new WriteOptions());
        foreach (var c in containers)
        {
            var image = c.Str("image") ?? "";
            var cname = c.Str("name") ?? "";
            if (RunningStatus(pod, c) is not null) continue;
            if (pullFailures.Contains(c))
            {
                events.Normal(ResourceCatalog.Pods, updated, "Pulling", $"Pulling image \"{image}\"", Component);
                events.Warning(ResourceCatalog.Pods, updated, "Failed", $"Failed to pull image \"{image}\": rpc error: code = NotFound desc = failed to pull and unpack image \"{image}\": not found", Component);
                events.Warning(ResourceCatalog.Pods, updated, "Failed", "Error: ErrImagePull", Component);
                events.Normal(ResourceCatalog.Pods, updated, "BackOff", $"Back-off pulling image \"{image}\"", Component);
                events.Warning(ResourceCatalog.Pods, updated, "Failed", "Error: ImagePullBackOff", Component);
                continue;
            }
            events.Normal(ResourceCatalog.Pods, updated, "Pulled", $"Container image \"{image}\" already present on machine", Component);
            if (configErrors.TryGetValue(c, out var error))
            {
                // kubelet's startContainer: generating the container's config failed.
                events.Warning(ResourceCatalog.Pods, updated, "Failed", $"Error: {error}", Component);
                continue;
            }
            events.Normal(ResourceCatalog.Pods, updated, "Created", $"Created container: {cname}", Component);
            events.Normal(ResourceCatalog.Pods, updated, "Started", $"Started container {cname}", Component);
        }
        // The pod worker retries a config error (and the object's arrival requeues it at once).
        return configErrors.Count > 0 ? TimeSpan.FromSeconds(10) : null;
    }

    static JsonObject? RunningStatus(JsonObject pod, JsonObject container) =>
        pod.Objects("status", "containerStatuses").FirstOrDefault(s => s.Str("name") == container.Str("name") && s.Node("state", "running") is not null)?.Clone();

    /// <summary>The first secret or configMap volume whose object is missing (and not optional): the volume manager's SetUp error.</summary>
    (string Volume, string Error)? MountFailure(JsonObject pod)
    {
        foreach (var v in pod.Objects("spec", "volumes"))
        {
            if (v["secret"] is JsonObject secret && secret.Bool("optional") != true && secret.Str("secretName") is { } secretName
                && registry.TryGet(ResourceCatalog.Secrets, pod.Namespace(), secretName) is null)
                return (v.Str("name") ?? "", $"secret \"{secretName}\" not found");
            if (v["configMap"] is JsonObject cm && cm.Bool("optional") != true && cm.Str("name") is { } cmName
                && registry.TryGet(ResourceCatalog.ConfigMaps, pod.Namespace(), cmName) is null)
                return (v.Str("name") ?? "", $"configmap \"{cmName}\" not found");
        }
        return null;
    }

    /// <summary>The kubelet creates a missing <c>subPath</c> directory on the volume before it bind-mounts it (subpath.SafeMakeDir).</summary>
    void CreateSubPaths(JsonObject pod)
    {
        var volumesByName = pod.Objects("spec", "volumes").Where(v => v.Str("name") is not null).GroupBy(v => v.Str("name")!).ToDictionary(g => g.Key, g => g.First());
        foreach (var c in pod.Objects("spec", "initContainers").Concat(pod.Objects("spec", "containers")))
            foreach (var mount in c.Objects("volumeMounts"))
                if (mount.Str("subPath") is { Length: > 0 } subPath && mount.Str("name") is { } volumeName
                    && volumesByName.TryGetValue(volumeName, out var volume) && volume.Str("persistentVolumeClaim", "claimName") is { } claim)
                    volumes.CreateDirectory(pod.Namespace() ?? "default", claim, subPath);
    }

    static JsonObject InitStatus(JsonObject init, string? failure, string now) => new()
    {
        ["name"] = init.Str("name"),
        ["state"] = new JsonObject
        {
            ["terminated"] = new JsonObject
            {
                ["exitCode"] = failure is null ? 0 : 1,
                ["reason"] = failure is null ? "Completed" : "Error",
                ["startedAt"] = now,
                ["finishedAt"] = now,
            },
        },
        ["lastState"] = new JsonObject(),
        ["ready"] = failure is null,
        ["restartCount"] = 0,
        ["image"] = init.Str("image"),
        ["imageID"] = "",
        ["started"] = false,
    };

    /// <summary>
    /// The kubelet's crash back-off: a container a simulated daemon ended waits in CrashLoopBackOff for
    /// 10 s × 2^(restarts − 1), at most 5 minutes (kubelet's backOff), then starts again.
    /// </summary>
    TimeSpan? RestartCrashed(JsonObject pod)
    {
        var crashed = pod.Objects("status", "containerStatuses").Where(s => s.Str("state", "waiting", "reason") == "CrashLoopBackOff").ToList();
        if (crashed.Count == 0) return null;
        var now = DateTime.UtcNow;
        TimeSpan? next = null;
        var restarted = new List<string>();
        var copy = pod.Clone();
        foreach (var s in copy.Objects("status", "containerStatuses").Where(s => s.Str("state", "waiting", "reason") == "CrashLoopBackOff"))
        {
            var finished = DateTime.TryParse(s.Str("lastState", "terminated", "finishedAt"), System.Globalization.CultureInfo.InvariantCulture,
                System.Globalization.DateTimeStyles.AdjustToUniversal | System.Globalization.DateTimeStyles.AssumeUniversal, out var f) ? f : now;
            var due = finished + BackOff((int)(s.Int("restartCount") ?? 1)) - now;
            if (due > TimeSpan.Zero)
            {
                next = next is { } n && n < due ? n : due;
                continue;
            }
            s["state"] = new JsonObject { ["running"] = new JsonObject { ["startedAt"] = Json.Now() } };
            s["ready"] = true;
            s["started"] = true;
            s["containerID"] = $"containerd://{Convert.ToHexStringLower(RandomNumberGenerator.GetBytes(32))}";
            restarted.Add(s.Str("name") ?? "");
        }
        if (restarted.Count == 0) return next;
        if (copy.Objects("status", "containerStatuses").All(s => s.Bool("ready") == true))
        {
            var stamp = Json.Now();
            foreach (var c in copy.Objects("status", "conditions").Where(c => c.Str("type") is "Ready" or "ContainersReady"))
            {
                c["status"] = "True";
                c["lastTransitionTime"] = stamp;
                c.Remove("reason");
                c.Remove("message");
            }
        }
        var updated = registry.Update(ResourceCatalog.Pods, pod.Namespace(), pod.Name(), copy, statusOnly: true, new WriteOptions());
        foreach (var name in restarted)
        {
            var image = pod.Objects("spec", "containers").FirstOrDefault(c => c.Str("name") == name)?.Str("image");
            events.Normal(ResourceCatalog.Pods, updated, "Pulled", $"Container image \"{image}\" already present on machine", Component);
            events.Normal(ResourceCatalog.Pods, updated, "Created", $"Created container: {name}", Component);
            events.Normal(ResourceCatalog.Pods, updated, "Started", $"Started container {name}", Component);
        }
        return next;
    }

    static TimeSpan BackOff(int restarts) =>
        TimeSpan.FromSeconds(Math.Min(300, 10 * Math.Pow(2, Math.Max(0, restarts - 1))));

    /// <summary>
    /// A container whose process exited with <paramref name="exitCode"/>: lastState.terminated, restartCount + 1,
    /// waiting in CrashLoopBackOff, the pod not ready, and the kubelet's BackOff warning. Its restart is
    /// <see cref="RestartCrashed"/>'s.
    /// </summary>
    public static void Crash(Registry registry, EventRecorder events, string ns, string podName, string podUid, string container, int exitCode)
    {
        if (registry.TryGet(ResourceCatalog.Pods, ns, podName) is not { } pod || pod.Uid() != podUid) return;
        var next = pod.Clone();
        if (next.Objects("status", "containerStatuses").FirstOrDefault(s => s.Str("name") == container) is not { } status
            || status.Node("state", "running") is null) return;
        var stamp = Json.Now();
        var restarts = (int)(status.Int("restartCount") ?? 0) + 1;
        status["lastState"] = new JsonObject
        {
            ["terminated"] = new JsonObject
            {
                ["exitCode"] = exitCode,
                ["reason"] = "Error",
                ["startedAt"] = status.Str("state", "running", "startedAt") ?? stamp,
                ["finishedAt"] = stamp,
                ["containerID"] = status.Str("containerID"),
            },
        };
        var backOff = $"back-off {(int)BackOff(restarts).TotalSeconds}s restarting failed container={container} pod={podName}_{ns}({podUid})";
        status["state"] = new JsonObject { ["waiting"] = new JsonObject { ["reason"] = "CrashLoopBackOff", ["message"] = backOff } };
        status["ready"] = false;
        status["started"] = false;
        status["restartCount"] = restarts;
        var unready = next.Objects("status", "containerStatuses").Where(s => s.Bool("ready") != true).Select(s => s.Str("name")).ToList();
        foreach (var c in next.Objects("status", "conditions").Where(c => c.Str("type") is "Ready" or "ContainersReady"))
        {
            if (c.Str("status") != "False") c["lastTransitionTime"] = stamp;
            c["status"] = "False";
            c["reason"] = "ContainersNotReady";
            c["message"] = $"containers with unready status: [{string.Join(" ", unready)}]";
        }
        var updated = registry.Update(ResourceCatalog.Pods, ns, podName, next, statusOnly: true, new WriteOptions());
        events.Warning(ResourceCatalog.Pods, updated, "BackOff", $"Back-off restarting failed container {container} in pod {podName}_{ns}({podUid})", Component);
    }

    static string Transition(JsonArray? previous, string type, bool value, string now) =>
        previous?.OfType<JsonObject>().FirstOrDefault(c => c.Str("type") == type && c.Str("status") == (value ? "True" : "False"))?.Str("lastTransitionTime") ?? now;

    static IEnumerable<string> ContainerNames(JsonObject pod) => pod.Objects("spec", "containers").Select(c => c.Str("name") ?? "");

    static JsonObject Condition(string type, bool value, string time, string? reason = null, string? message = null)
    {
        var c = new JsonObject { ["type"] = type, ["status"] = value ? "True" : "False", ["lastProbeTime"] = null, ["lastTransitionTime"] = time };
        if (reason is not null) c["reason"] = reason;
        if (message is not null) c["message"] = message;
        return c;
    }

    static JsonObject ContainerStatus(JsonObject container, JsonObject state, bool ready)
    {
        var image = container.Str("image") ?? "";
        var s = new JsonObject
        {
            ["name"] = container.Str("name"),
            ["state"] = state,
            ["lastState"] = new JsonObject(),
            ["ready"] = ready,
            ["restartCount"] = 0,
            ["image"] = image,
            ["imageID"] = "",
            ["started"] = state.ContainsKey("running"),
        };
        if (state.ContainsKey("running"))
        {
            s["imageID"] = $"{image}@sha256:{Convert.ToHexStringLower(SHA256.HashData(System.Text.Encoding.UTF8.GetBytes(image)))}";
            s["containerID"] = $"containerd://{Convert.ToHexStringLower(RandomNumberGenerator.GetBytes(32))}";
        }
        return s;
    }
}
