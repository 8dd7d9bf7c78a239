using System.Security.Cryptography;
using System.Text.Json.Nodes;
using System.Text.RegularExpressions;
using Portal.Sandbox.Storage;

namespace Portal.Sandbox.Controllers;

/// <summary>
/// A simulated scheduler and kubelet on one node, <c>sandbox-node</c>. A new pod is bound at once and reported
/// Pending (ContainerCreating); after <see cref="SandboxOptions.PodStartDelay"/> it is Running with every
/// container ready, or, when an image matches <see cref="SandboxOptions.ImagePullFailurePattern"/>, it stays
/// Pending with that container waiting in ImagePullBackOff. Nothing runs; probes are not evaluated.
/// </summary>
internal sealed class Kubelet(Registry registry, EventRecorder events, SandboxOptions options) : IReconciler
{
    public const string NodeName = "sandbox-node";
    const string Component = "kubelet";
    readonly Regex? _pullFailure = options.ImagePullFailurePattern is { } p ? new Regex(p, RegexOptions.None, TimeSpan.FromSeconds(1)) : null;
    int _nextIp = 2;

    public IEnumerable<string> KeysFor(StoreEvent e)
    {
        if (e.Kind == ResourceCatalog.Pods && e.Type != WatchEventType.Deleted) yield return ControllerKeys.For(e.Object);
    }

    public TimeSpan? Reconcile(string key)
    {
        var (ns, name) = ControllerKeys.Split(key);
        var pod = registry.TryGet(ResourceCatalog.Pods, ns, name);
        if (pod is null || pod.IsDeleting() || pod.Str("status", "phase") is "Running" or "Succeeded" or "Failed") return null;

        if (pod.Str("spec", "nodeName") is null || pod.Str("status", "startTime") is null) return Schedule(pod);
        if (pod.Objects("status", "containerStatuses").Any(c => c.Str("state", "waiting", "reason") == "ImagePullBackOff")) return null;
        if (_scheduledAt.TryGetValue(key, out var seen) && seen + options.PodStartDelay - DateTime.UtcNow is var due && due > TimeSpan.Zero)
            return due;
        _scheduledAt.Remove(key);
        return Start(pod);
    }

    readonly Dictionary<string, DateTime> _scheduledAt = [];

    TimeSpan? Schedule(JsonObject pod)
    {
        var bound = pod;
        if (pod.Str("spec", "nodeName") is null)
        {
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
        var containers = pod.Objects("spec", "containers").ToList();
        var failing = containers.Where(c => _pullFailure?.IsMatch(c.Str("image") ?? "") == true).ToList();
        var status = pod["status"]?.DeepClone() as JsonObject ?? [];
        var previous = pod.Node("status", "conditions") as JsonArray;
        var statuses = new JsonArray();
        foreach (var c in containers)
        {
            var image = c.Str("image") ?? "";
            if (failing.Contains(c))
            {
                statuses.Add(ContainerStatus(c, new JsonObject
                {
                    ["waiting"] = new JsonObject { ["reason"] = "ImagePullBackOff", ["message"] = $"Back-off pulling image \"{image}\"" },
                }, ready: false));
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
        var ip = $"10.244.{_nextIp / 250 % 250}.{_nextIp % 250 + 1}";
        _nextIp++;
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
            if (failing.Contains(c))
            {
                events.Normal(ResourceCatalog.Pods, updated, "Pulling", $"Pulling image \"{image}\"", Component);
                events.Warning(ResourceCatalog.Pods, updated, "Failed", $"Failed to pull image \"{image}\": rpc error: code = NotFound desc = failed to pull and unpack image \"{image}\": not found", Component);
                events.Warning(ResourceCatalog.Pods, updated, "Failed", "Error: ErrImagePull", Component);
                events.Normal(ResourceCatalog.Pods, updated, "BackOff", $"Back-off pulling image \"{image}\"", Component);
                events.Warning(ResourceCatalog.Pods, updated, "Failed", "Error: ImagePullBackOff", Component);
                continue;
            }
            events.Normal(ResourceCatalog.Pods, updated, "Pulled", $"Container image \"{image}\" already present on machine", Component);
            events.Normal(ResourceCatalog.Pods, updated, "Created", $"Created container: {cname}", Component);
            events.Normal(ResourceCatalog.Pods, updated, "Started", $"Started container {cname}", Component);
        }
        return null;
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
