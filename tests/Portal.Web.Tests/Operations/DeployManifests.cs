using System.Diagnostics;
using k8s;
using k8s.Models;

namespace Portal.Web.Tests.Operations;

/// <summary>deploy/ as an operator applies it: rendered by <c>kubectl kustomize</c>, read with the Kubernetes client's own YAML reader.</summary>
public static class DeployManifests
{
    /// <summary>The repository root (the directory holding Portal.sln).</summary>
    public static string RepositoryRoot { get; } = FindRoot();

    /// <summary>deploy/overlays/*, by name.</summary>
    public static IReadOnlyList<string> Overlays =>
        [.. Directory.GetDirectories(Path.Combine(RepositoryRoot, "deploy", "overlays")).Select(Path.GetFileName).Order().Cast<string>()];

    /// <summary>The objects <c>kubectl kustomize deploy/<paramref name="directory"/></c> renders.</summary>
    public static IReadOnlyList<object> Render(string directory) => KubernetesYaml.LoadAllFromString(RenderYaml(directory));

    public static string RenderYaml(string directory)
    {
        var start = new ProcessStartInfo("kubectl", ["kustomize", Path.Combine(RepositoryRoot, "deploy", directory)])
        {
            RedirectStandardOutput = true,
            RedirectStandardError = true,
        };
        using var kubectl = Process.Start(start)!;
        var stdout = kubectl.StandardOutput.ReadToEndAsync();
        var stderr = kubectl.StandardError.ReadToEnd();
        kubectl.WaitForExit();
        if (kubectl.ExitCode != 0)
            throw new InvalidOperationException($"kubectl kustomize deploy/{directory} failed: {stderr}");
        return stdout.Result;
    }

    /// <summary>
    /// The portal's own RBAC from the base: what its service account is granted, cluster-wide and in its namespace.
    /// Read from the base's files as they are (the base transforms none of them; the render tests hold every
    /// overlay's ClusterRole equal to this), so the assembly's RBAC sandbox starts without kubectl.
    /// </summary>
    public static (V1ClusterRole ClusterRole, IReadOnlyList<V1Role> Roles, IReadOnlyList<object> All) Rbac()
    {
        var objects = new[] { "namespace.yaml", "serviceaccount.yaml", "rbac.yaml" }
            .SelectMany(f => KubernetesYaml.LoadAllFromString(File.ReadAllText(Path.Combine(RepositoryRoot, "deploy", "base", f))))
            .ToList();
        var rbac = objects.Where(o => o is V1ClusterRole or V1ClusterRoleBinding or V1Role or V1RoleBinding or V1Namespace or V1ServiceAccount).ToList();
        return (objects.OfType<V1ClusterRole>().Single(), objects.OfType<V1Role>().ToList(), rbac);
    }

    static string FindRoot()
    {
        for (var dir = new DirectoryInfo(AppContext.BaseDirectory); dir is not null; dir = dir.Parent)
        {
            if (File.Exists(Path.Combine(dir.FullName, "Portal.sln")))
                return dir.FullName;
        }

        throw new InvalidOperationException("Portal.sln not found above " + AppContext.BaseDirectory);
    }
}
