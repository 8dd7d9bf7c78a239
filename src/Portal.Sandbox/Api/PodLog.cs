namespace Portal.Sandbox.Api;

/// <summary>
/// <c>pods/log</c>: nothing runs, so a running container's log is one line saying so; a container that has not
/// started gets the kubelet's 400 answer, so <c>kubectl logs</c> behaves as it would.
/// </summary>
internal static class PodLog
{
    // terminatedLog: the output of a container's last run that a simulated daemon ended (pod uid, container), if any.
    public static Task Serve(HttpContext http, JsonObject pod, Func<string, string, string?>? terminatedLog = null)
    {
        var names = pod.Objects("spec", "containers").Select(c => c.Str("name") ?? "").ToList();
        var container = http.Request.Query["container"].FirstOrDefault();
        if (string.IsNullOrEmpty(container))
        {
            if (names.Count != 1)
                throw ApiError.BadRequest($"a container name must be specified for pod {pod.Name()}, choose one of: [{string.Join(" ", names)}]");
            container = names[0];
        }
        else if (!names.Contains(container))
            throw ApiError.BadRequest($"container {container} is not valid for pod {pod.Name()}");

        var status = pod.Objects("status", "containerStatuses").FirstOrDefault(s => s.Str("name") == container);
        // A crash-looping container's log is its last run's, as the kubelet serves the exited container's log.
        if (status.Str("state", "waiting", "reason") == "CrashLoopBackOff" && terminatedLog?.Invoke(pod.Uid(), container) is { } crashed)
        {
            http.Response.ContentType = "text/plain";
            return http.Response.WriteAsync(crashed, http.RequestAborted);
        }
        if (status?.Node("state", "running") is null)
        {
            var reason = status.Str("state", "waiting", "reason") switch
            {
                "ImagePullBackOff" or "ErrImagePull" => "trying and failing to pull image",
                { } other => other,
                null => "ContainerCreating",
            };
            throw ApiError.BadRequest($"container \"{container}\" in pod \"{pod.Name()}\" is waiting to start: {reason}");
        }
        var image = pod.Objects("spec", "containers").First(c => c.Str("name") == container).Str("image");
        http.Response.ContentType = "text/plain";
        return http.Response.WriteAsync(
            $"{status.Str("state", "running", "startedAt")} [sandbox] container {container} started from {image} on {pod.Str("spec", "nodeName")}; this is a simulation, no process runs\n",
            http.RequestAborted);
    }
}
