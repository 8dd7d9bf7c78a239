namespace Portal.Sandbox.Admission;

/// <summary>
/// Pod Security Admission (a validating plugin), with the checks of the <c>baseline</c> and <c>restricted</c> levels
/// and the wording of k8s.io/pod-security-admission. Failed checks are reported in check-ID order, as upstream does.
/// It enforces on pod create and warns on create and update of pods and workloads.
/// NOTE: AppArmor, SELinux, procMount, sysctls and Windows host-process checks are not simulated.
/// </summary>
internal sealed class PodSecurity(ObjectStore store) : IValidatingAdmission
{
    public const string EnforceLabel = "pod-security.kubernetes.io/enforce";
    public const string EnforceVersionLabel = "pod-security.kubernetes.io/enforce-version";
    public const string WarnLabel = "pod-security.kubernetes.io/warn";
    public const string WarnVersionLabel = "pod-security.kubernetes.io/warn-version";

    static readonly HashSet<string> BaselineCapabilities =
        ["AUDIT_WRITE", "CHOWN", "DAC_OVERRIDE", "FOWNER", "FSETID", "KILL", "MKNOD", "NET_BIND_SERVICE", "SETFCAP", "SETGID", "SETPCAP", "SETUID", "SYS_CHROOT"];

    static readonly HashSet<string> RestrictedVolumeTypes =
        ["configMap", "csi", "downwardAPI", "emptyDir", "ephemeral", "persistentVolumeClaim", "projected", "secret"];

    public bool Handles(AdmissionOperation operation, ResourceKind kind) => kind == ResourceCatalog.Pods || IsWorkload(kind);

    public void Validate(AdmissionAttributes attributes)
    {
        if (attributes.Operation == AdmissionOperation.Create && attributes.Kind == ResourceCatalog.Pods) Enforce(attributes.Object);
        attributes.Warnings?.AddRange(Warnings(attributes.Kind, attributes.Object));
    }

    static bool IsWorkload(ResourceKind kind) =>
        kind == ResourceCatalog.Deployments || kind == ResourceCatalog.ReplicaSets || kind == ResourceCatalog.StatefulSets;

    void Enforce(JsonObject pod)
    {
        var ns = store.Get(ResourceCatalog.Namespaces, null, pod.Namespace() ?? "");
        if (ns is null) return;
        var labels = ns.Labels();
        if (!labels.TryGetValue(EnforceLabel, out var level) || level is not ("baseline" or "restricted")) return;
        var version = labels.GetValueOrDefault(EnforceVersionLabel, "latest");
        var failures = Evaluate(pod.Node("spec") as JsonObject ?? [], level == "restricted");
        if (failures.Count == 0) return;
        throw ApiError.Forbidden(ResourceCatalog.Pods, pod.Name(),
            $"violates PodSecurity \"{level}:{version}\": {string.Join(", ", failures)}");
    }

    /// <summary>
    /// Warnings as upstream returns them: pods against the <c>warn</c> level; workload pod templates against the
    /// <c>enforce</c> and <c>warn</c> levels (the template is not refused; its pods will be).
    /// </summary>
    IEnumerable<string> Warnings(ResourceKind kind, JsonObject obj)
    {
        var isWorkload = IsWorkload(kind);
        if (store.Get(ResourceCatalog.Namespaces, null, obj.Namespace() ?? "") is not { } ns) yield break;
        var labels = ns.Labels();
        var spec = (isWorkload ? obj.Node("spec", "template", "spec") : obj.Node("spec")) as JsonObject ?? [];
        var seen = new HashSet<string>();
        var levels = isWorkload ? new[] { (EnforceLabel, EnforceVersionLabel), (WarnLabel, WarnVersionLabel) } : [(WarnLabel, WarnVersionLabel)];
        foreach (var (levelLabel, versionLabel) in levels)
        {
            if (!labels.TryGetValue(levelLabel, out var level) || level is not ("baseline" or "restricted")) continue;
            var failures = Evaluate(spec, level == "restricted");
            var warning = $"would violate PodSecurity \"{level}:{labels.GetValueOrDefault(versionLabel, "latest")}\": {string.Join(", ", failures)}";
            if (failures.Count > 0 && seen.Add(warning)) yield return warning;
        }
    }

    /// <summary>Returns "reason (detail)" strings for each failed check, sorted by upstream check ID.</summary>
    public static List<string> Evaluate(JsonObject spec, bool restricted)
    {
        var failures = new SortedDictionary<string, string>(StringComparer.Ordinal);
        var containers = spec.Objects("initContainers").Concat(spec.Objects("containers")).Concat(spec.Objects("ephemeralContainers")).ToList();
        var podSc = spec["securityContext"] as JsonObject;

        // Baseline.
        var hostNamespaces = new[] { "hostNetwork", "hostPID", "hostIPC" }.Where(f => spec.Bool(f) == true).Select(f => $"{f}=true").ToList();
        if (hostNamespaces.Count > 0) failures["hostNamespaces"] = $"host namespaces ({string.Join(", ", hostNamespaces)})";

        var privileged = Names(containers.Where(c => c.Bool("securityContext", "privileged") == true));
        if (privileged.Count > 0) failures["privileged"] = $"privileged ({Containers(privileged)} must not set securityContext.privileged=true)";

        var addedCaps = containers
            .SelectMany(c => c.Arr("securityContext", "capabilities", "add").Select(a => (Container: c.Str("name") ?? "", Cap: a?.GetValue<string>() ?? "")))
            .ToList();
        var badBaselineCaps = addedCaps.Where(a => !BaselineCapabilities.Contains(a.Cap)).ToList();
        if (badBaselineCaps.Count > 0)
            failures["capabilities_baseline"] = $"non-default capabilities ({CapabilityDetail(badBaselineCaps)})";

        var hostPathVolumes = spec.Objects("volumes").Where(v => v["hostPath"] is not null).Select(v => v.Str("name") ?? "").ToList();
        if (hostPathVolumes.Count > 0)
            failures["hostPathVolumes"] = $"hostPath volumes ({Plural(hostPathVolumes, "volume", "volumes")})";

        var hostPorts = containers
            .SelectMany(c => c.Objects("ports").Where(p => p.Int("hostPort") is > 0).Select(p => (Container: c.Str("name") ?? "", Port: p.Int("hostPort")!.Value)))
            .ToList();
        if (hostPorts.Count > 0)
            failures["hostPorts"] = $"hostPort ({string.Join("; ", hostPorts.GroupBy(h => h.Container).Select(g => $"container \"{g.Key}\" uses {(g.Count() == 1 ? "hostPort" : "hostPorts")} {string.Join(", ", g.Select(h => h.Port))}"))})";

        var unconfinedPod = podSc.Str("seccompProfile", "type") == "Unconfined";
        var unconfinedContainers = Names(containers.Where(c => c.Str("securityContext", "seccompProfile", "type") == "Unconfined"));
        if (unconfinedPod || unconfinedContainers.Count > 0)
        {
            var parts = new List<string>();
            if (unconfinedPod) parts.Add("pod");
            if (unconfinedContainers.Count > 0) parts.Add(Containers(unconfinedContainers));
            failures["seccompProfile_baseline"] = $"seccompProfile ({string.Join(" and ", parts)} must not set securityContext.seccompProfile.type to \"Unconfined\")";
        }

        if (!restricted) return [.. failures.Values];

        // Restricted.
        var badVolumes = spec.Objects("volumes")
            .Select(v => (Name: v.Str("name") ?? "", Type: v.Select(p => p.Key).FirstOrDefault(k => k != "name") ?? ""))
            .Where(v => v.Type.Length > 0 && !RestrictedVolumeTypes.Contains(v.Type))
            .ToList();
        if (badVolumes.Count > 0)
            failures["restrictedVolumes"] = $"restricted volume types ({string.Join(", ", badVolumes.Select(v => $"volume \"{v.Name}\" uses restricted volume type \"{v.Type}\""))})";

        var escalation = Names(containers.Where(c => c.Bool("securityContext", "allowPrivilegeEscalation") != false));
        if (escalation.Count > 0)
            failures["allowPrivilegeEscalation"] = $"allowPrivilegeEscalation != false ({Containers(escalation)} must set securityContext.allowPrivilegeEscalation=false)";

        var noDropAll = Names(containers.Where(c => !c.Arr("securityContext", "capabilities", "drop").Any(d => d?.GetValue<string>() == "ALL")));
        var badRestrictedCaps = addedCaps.Where(a => a.Cap != "NET_BIND_SERVICE").ToList();
        if (noDropAll.Count > 0 || badRestrictedCaps.Count > 0)
        {
            var parts = new List<string>();
            if (noDropAll.Count > 0) parts.Add($"{Containers(noDropAll)} must set securityContext.capabilities.drop=[\"ALL\"]");
            if (badRestrictedCaps.Count > 0) parts.Add(CapabilityDetail(badRestrictedCaps));
            failures["capabilities_restricted"] = $"unrestricted capabilities ({string.Join("; ", parts)})";
        }

        var podNonRoot = podSc.Bool("runAsNonRoot");
        var explicitRoot = Names(containers.Where(c => c.Bool("securityContext", "runAsNonRoot") == false));
        var implicitRoot = podNonRoot == true ? [] : Names(containers.Where(c => c.Bool("securityContext", "runAsNonRoot") is null));
        if (podNonRoot == false || explicitRoot.Count > 0 || implicitRoot.Count > 0)
        {
            var parts = new List<string>();
            if (podNonRoot == false) parts.Add("pod must not set securityContext.runAsNonRoot=false");
            if (explicitRoot.Count > 0) parts.Add($"{Containers(explicitRoot)} must not set securityContext.runAsNonRoot=false");
            if (implicitRoot.Count > 0 && podNonRoot != false) parts.Add($"pod or {Containers(implicitRoot)} must set securityContext.runAsNonRoot=true");
            failures["runAsNonRoot"] = $"runAsNonRoot != true ({string.Join("; ", parts)})";
        }

        var rootUserContainers = Names(containers.Where(c => c.Int("securityContext", "runAsUser") == 0));
        if (podSc.Int("runAsUser") == 0 || rootUserContainers.Count > 0)
        {
            var parts = new List<string>();
            if (podSc.Int("runAsUser") == 0) parts.Add("pod");
            if (rootUserContainers.Count > 0) parts.Add(Containers(rootUserContainers));
            failures["runAsUser"] = $"runAsUser=0 ({string.Join(" and ", parts)} must not set runAsUser=0)";
        }

        var podSeccomp = podSc.Str("seccompProfile", "type");
        var podSeccompOk = podSeccomp is "RuntimeDefault" or "Localhost";
        var missingSeccomp = Names(containers.Where(c =>
        {
            var type = c.Str("securityContext", "seccompProfile", "type");
            return type is null ? !podSeccompOk : type is not ("RuntimeDefault" or "Localhost") && type != "Unconfined";
        }));
        if (missingSeccomp.Count > 0 && !failures.ContainsKey("seccompProfile_baseline"))
            failures["seccompProfile_restricted"] = podSeccomp is null
                ? $"seccompProfile (pod or {Containers(missingSeccomp)} must set securityContext.seccompProfile.type to \"RuntimeDefault\" or \"Localhost\")"
                : $"seccompProfile ({Containers(missingSeccomp)} must set securityContext.seccompProfile.type to \"RuntimeDefault\" or \"Localhost\")";

        return [.. failures.Values];
    }

    static List<string> Names(IEnumerable<JsonObject> containers) => containers.Select(c => c.Str("name") ?? "").ToList();

    static string Containers(List<string> names) => Plural(names, "container", "containers");

    static string Plural(List<string> names, string one, string many) =>
        names.Count == 1 ? $"{one} \"{names[0]}\"" : $"{many} {string.Join(", ", names.Select(n => $"\"{n}\""))}";

    static string CapabilityDetail(List<(string Container, string Cap)> caps) =>
        string.Join("; ", caps.GroupBy(c => c.Container).Select(g =>
            $"container \"{g.Key}\" must not include {string.Join(", ", g.Select(c => $"\"{c.Cap}\""))} in securityContext.capabilities.add"));
}
