using k8s.Models;
using Portal.Provisioning.Kubernetes;
using Portal.Provisioning.Manifests;
using Portal.Testing;

namespace Portal.Web.Tests.Operations;

/// <summary>One permission as RBAC grants it: verb, API group, resource, and the namespace a Role limits it to (null: cluster-wide).</summary>
public sealed record Permission(string Verb, string Group, string Resource, string? Namespace)
{
    public bool Covers(KubernetesRequest request) =>
        Verb == request.Verb && Group == request.Group && Resource == request.Resource && (Namespace is null || Namespace == request.Namespace);

    public static IEnumerable<Permission> Of(IEnumerable<V1PolicyRule> rules, string? ns) =>
        from rule in rules
        from g in rule.ApiGroups ?? []
        from r in rule.Resources ?? []
        from v in rule.Verbs
        select new Permission(v, g, r, ns);

    public override string ToString() => $"{Verb} {(Group.Length == 0 ? "" : Group + "/")}{Resource}{(Namespace is null ? "" : $" in {Namespace}")}";
}

/// <summary>
/// The ClusterRole and Roles in deploy/ are exactly what the portal uses: the whole scenario runs as the portal's
/// service account against RBAC enforced as deployed, and every recorded request is compared with every grant.
/// </summary>
public sealed class LeastPrivilegeTests(RbacPortalApp app) : IClassFixture<RbacPortalApp>
{
    private static readonly Lock Gate = new();
    private static Task<IReadOnlyCollection<KubernetesRequest>>? _run;

    private static (V1ClusterRole ClusterRole, IReadOnlyList<V1Role> Roles, IReadOnlyList<object> All) Deployed => DeployManifests.Rbac();

    private static IReadOnlyList<Permission> Granted =>
    [
        .. Permission.Of(Deployed.ClusterRole.Rules, null),
        .. Deployed.Roles.SelectMany(r => Permission.Of(r.Rules, r.Metadata.NamespaceProperty)),
    ];

    /// <summary>What the portal grants in every tenant's namespace, which Kubernetes lets it grant only while it holds it.</summary>
    private static IReadOnlyList<Permission> GrantedToTenants =>
        [.. Permission.Of(TenantManifests.ViewerRoleFor(Builders.ATenant().Build()).Rules, null)];

    /// <summary>The scenario runs once for the class (its outcome, failure included, is shared); each test reads its record.</summary>
    private Task<IReadOnlyCollection<KubernetesRequest>> RecordedAsync()
    {
        lock (Gate)
            return _run ??= RunAsync(app);

        static async Task<IReadOnlyCollection<KubernetesRequest>> RunAsync(RbacPortalApp app)
        {
            await new LeastPrivilegeScenario(app).RunAsync();
            return app.Recorder.Requests;
        }
    }

    [Fact]
    public async Task Every_request_of_the_scenario_is_granted_by_deploy()
    {
        var recorded = await RecordedAsync();

        var missing = recorded.Where(request => !Granted.Any(p => p.Covers(request))).Select(r => r.ToString()).Order().ToList();

        Assert.True(missing.Count == 0, "Used but not granted by deploy/: " + string.Join(", ", missing));
    }

    [Fact]
    public async Task Nothing_is_granted_that_the_scenario_never_uses_or_tenant_roles_need()
    {
        var recorded = await RecordedAsync();

        var unused = Granted
            .Where(p => !recorded.Any(p.Covers))
            .Where(p => !(p.Namespace is null && GrantedToTenants.Any(t => t with { Namespace = null } == p)))
            .Select(p => p.ToString()).Order().ToList();

        Assert.True(unused.Count == 0, "Granted by deploy/ but never used: " + string.Join(", ", unused));
    }

    [Fact]
    public void The_portal_holds_everything_it_grants_in_tenant_roles()
    {
        var clusterWide = Permission.Of(Deployed.ClusterRole.Rules, null).ToHashSet();

        var notHeld = GrantedToTenants.Where(p => !clusterWide.Contains(p)).Select(p => p.ToString()).ToList();

        Assert.True(notHeld.Count == 0, "Granted to tenants but not held by the portal: " + string.Join(", ", notHeld));
    }

    [Fact]
    public void The_check_command_asks_about_exactly_what_deploy_grants()
    {
        var asked = PortalPermissions.All
            .SelectMany(p => p.Verbs.Select(v => new Permission(v, p.Group, p.Resource, p.InPortalNamespace ? "spark-portal" : null)))
            .Select(p => p.ToString()).Order().ToList();

        Assert.Equal(Granted.Select(p => p.ToString()).Order().ToList(), asked);
    }
}
