using Portal.Sandbox.Volumes;

namespace Portal.Sandbox.Controllers;

/// <summary>
/// The kubelet's makeEnvironmentVariables (pkg/kubelet/kubelet_pods.go): <c>envFrom</c> secretRef/configMapRef and
/// <c>env[].valueFrom</c> secretKeyRef/configMapKeyRef must name objects (and keys) that exist unless marked
/// <c>optional</c>; the first that doesn't is the container's CreateContainerConfigError message.
/// </summary>
internal static class ContainerConfig
{
    public static string? Error(Registry registry, JsonObject pod, JsonObject container)
    {
        var ns = pod.Namespace() ?? "default";
        foreach (var source in container.Objects("envFrom"))
        {
            if (source["configMapRef"] is JsonObject cm && cm.Str("name") is { } cmName && cm.Bool("optional") != true
                && registry.TryGet(ResourceCatalog.ConfigMaps, ns, cmName) is null)
                return $"configmap \"{cmName}\" not found";
            if (source["secretRef"] is JsonObject secret && secret.Str("name") is { } secretName && secret.Bool("optional") != true
                && registry.TryGet(ResourceCatalog.Secrets, ns, secretName) is null)
                return $"secret \"{secretName}\" not found";
        }
        foreach (var env in container.Objects("env"))
        {
            if (env.Node("valueFrom", "configMapKeyRef") is JsonObject cmRef && cmRef.Str("name") is { } cmName && cmRef.Bool("optional") != true)
            {
                var key = cmRef.Str("key") ?? "";
                if (registry.TryGet(ResourceCatalog.ConfigMaps, ns, cmName) is not { } cm) return $"configmap \"{cmName}\" not found";
                if (cm.Node("data", key) is null && cm.Node("binaryData", key) is null) return $"couldn't find key {key} in ConfigMap {ns}/{cmName}";
            }
            if (env.Node("valueFrom", "secretKeyRef") is JsonObject secretRef && secretRef.Str("name") is { } secretName && secretRef.Bool("optional") != true)
            {
                var key = secretRef.Str("key") ?? "";
                if (registry.TryGet(ResourceCatalog.Secrets, ns, secretName) is not { } secret) return $"secret \"{secretName}\" not found";
                if (secret.Node("data", key) is null) return $"couldn't find key {key} in Secret {ns}/{secretName}";
            }
        }
        return null;
    }
}

/// <summary>
/// Init containers, as far as a simulation can run them: <c>mkdir [-p] DIR...</c> (directly, or in an
/// <c>sh -c</c> script of commands joined by <c>&amp;&amp;</c> or <c>;</c>) creates directories on the claim
/// volumes its paths resolve to; anything else completes without effect.
/// </summary>
internal static partial class InitContainers
{
    /// <summary>Runs <paramref name="init"/>; returns null on success, else what the command printed before exiting 1.</summary>
    public static string? Run(JsonObject pod, JsonObject init, VolumeFiles volumes)
    {
        var argv = init.Arr("command").Concat(init.Arr("args")).Select(n => n.Str() ?? "").ToList();
        var commands = new List<List<string>>();
        if (argv.Count >= 3 && Path.GetFileName(argv[0]) is "sh" or "bash" && argv[1] == "-c")
            foreach (var part in Separators().Split(argv[2]))
                commands.Add([.. Words().Matches(part).Select(m => m.Value.Trim('"', '\''))]);
        else commands.Add(argv);
        foreach (var command in commands.Where(c => c.Count > 0 && Path.GetFileName(c[0]) == "mkdir"))
        {
            var parents = command.Skip(1).Any(a => a is "-p" or "--parents" || a.StartsWith('-') && !a.StartsWith("--", StringComparison.Ordinal) && a.Contains('p', StringComparison.Ordinal));
            foreach (var dir in command.Skip(1).Where(a => !a.StartsWith('-')))
            {
                if (MountedPath.Resolve(pod, init, dir) is not { } target) continue;
                // coreutils' wording.
                if (target.ReadOnly) return $"mkdir: cannot create directory '{dir}': Read-only file system";
                var parent = target.Path.LastIndexOf('/') is var i and > 0 ? target.Path[..i] : "/";
                if (!parents && !volumes.DirectoryExists(target.Namespace, target.Claim, parent))
                    return $"mkdir: cannot create directory '{dir}': No such file or directory";
                if (!parents && volumes.DirectoryExists(target.Namespace, target.Claim, target.Path))
                    return $"mkdir: cannot create directory '{dir}': File exists";
                if (!volumes.CreateDirectory(target.Namespace, target.Claim, target.Path))
                    return $"mkdir: cannot create directory '{dir}': Not a directory";
            }
        }
        return null;
    }

    [GeneratedRegex(@"&&|;|\n")]
    private static partial Regex Separators();

    [GeneratedRegex(@"""[^""]*""|'[^']*'|\S+")]
    private static partial Regex Words();
}
