using k8s;
using k8s.Models;

namespace Portal.Sandbox.Tests;

/// <summary>A service account's token gets what RBAC grants it, as on a real API server; the admin token gets everything.</summary>
public sealed class RbacTests : SandboxTest
{
    private const string Account = "system:serviceaccount:ops:robot";

    private Kubernetes AsRobot() => new(new KubernetesClientConfiguration { Host = Sandbox.BaseAddress.ToString(), AccessToken = Account });

    private async Task GrantConfigMapReadsInAsync(string ns)
    {
        await Client.RbacAuthorizationV1.CreateNamespacedRoleAsync(new V1Role
        {
            Metadata = new V1ObjectMeta { Name = "read-configmaps" },
            Rules = [new V1PolicyRule { ApiGroups = [""], Resources = ["configmaps"], Verbs = ["get", "list"] }],
        }, ns, cancellationToken: Ct);
        await Client.RbacAuthorizationV1.CreateNamespacedRoleBindingAsync(new V1RoleBinding
        {
            Metadata = new V1ObjectMeta { Name = "robot" },
            RoleRef = new V1RoleRef { ApiGroup = "rbac.authorization.k8s.io", Kind = "Role", Name = "read-configmaps" },
            Subjects = [new Rbacv1Subject { Kind = "ServiceAccount", Name = "robot", NamespaceProperty = "ops" }],
        }, ns, cancellationToken: Ct);
    }

    [Fact]
    public async Task A_service_account_without_a_binding_is_refused_with_the_api_servers_403()
    {
        await CreateNamespace("ops");
        using var robot = AsRobot();

        var (code, status) = await Refused(() => robot.CoreV1.ListNamespacedConfigMapAsync("ops", cancellationToken: Ct));

        Assert.Equal((403, "Forbidden"), (code, status.Reason));
        Assert.Equal("configmaps is forbidden: User \"system:serviceaccount:ops:robot\" cannot list resource \"configmaps\" in API group \"\" in the namespace \"ops\"", status.Message);
    }

    [Fact]
    public async Task A_role_binding_grants_its_verbs_in_its_namespace_only()
    {
        await CreateNamespace("ops");
        await CreateNamespace("other");
        await GrantConfigMapReadsInAsync("ops");
        using var robot = AsRobot();

        await robot.CoreV1.ListNamespacedConfigMapAsync("ops", cancellationToken: Ct);
        var (elsewhere, _) = await Refused(() => robot.CoreV1.ListNamespacedConfigMapAsync("other", cancellationToken: Ct));
        var (write, _) = await Refused(() => robot.CoreV1.CreateNamespacedConfigMapAsync(new V1ConfigMap { Metadata = new V1ObjectMeta { Name = "x" } }, "ops", cancellationToken: Ct));

        Assert.Equal((403, 403), (elsewhere, write));
    }

    [Fact]
    public async Task Self_subject_access_review_answers_for_the_caller()
    {
        await CreateNamespace("ops");
        await GrantConfigMapReadsInAsync("ops");
        using var robot = AsRobot();

        async Task<bool?> Can(string verb) => (await robot.AuthorizationV1.CreateSelfSubjectAccessReviewAsync(new V1SelfSubjectAccessReview
        {
            Spec = new V1SelfSubjectAccessReviewSpec { ResourceAttributes = new V1ResourceAttributes { Verb = verb, Resource = "configmaps", NamespaceProperty = "ops" } },
        }, cancellationToken: Ct)).Status?.Allowed;

        Assert.Equal((true, false), (await Can("list"), await Can("delete")));
    }

    [Fact]
    public async Task The_sandbox_token_is_an_administrator()
    {
        var review = await Client.AuthorizationV1.CreateSelfSubjectAccessReviewAsync(new V1SelfSubjectAccessReview
        {
            Spec = new V1SelfSubjectAccessReviewSpec { ResourceAttributes = new V1ResourceAttributes { Verb = "delete", Resource = "namespaces" } },
        }, cancellationToken: Ct);

        Assert.True(review.Status.Allowed);
    }
}
