using System.Text;
using k8s;
using k8s.Models;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.TestHost;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Logging.Testing;
using Portal.Provisioning.Kubernetes;
using Portal.Sandbox;
using Portal.Sandbox.Api;
using Portal.Testing;

[assembly: AssemblyFixture(typeof(Portal.Web.Tests.Operations.RbacSandboxServer))]

namespace Portal.Web.Tests.Operations;

/// <summary>
/// A sandbox of its own for the least-privilege scenario (started with the assembly, before any portal host, for the
/// reason <see cref="SandboxServer"/> gives), holding deploy/'s namespace, service account and RBAC as an operator's
/// <c>kubectl apply -k deploy/base</c> leaves them. Its own, so no other portal's orphan sweep or Lease meets this one.
/// </summary>
public sealed class RbacSandboxServer : IAsyncLifetime
{
    /// <summary>The portal's service account, as deploy/base names it.</summary>
    public const string ServiceAccount = "system:serviceaccount:spark-portal:spark-portal";

    private static KubeSandbox? _sandbox;

    public static KubeSandbox Sandbox => _sandbox ?? throw new InvalidOperationException("The RBAC sandbox has not started.");

    /// <summary>A client as the cluster's administrator (the sandbox's own token).</summary>
    public static IKubernetes Admin()
    {
        using var kubeconfig = new MemoryStream(Encoding.UTF8.GetBytes(Sandbox.KubeconfigYaml));
        return new Kubernetes(KubernetesClientConfiguration.BuildConfigFromConfigFile(kubeconfig));
    }

    /// <summary>The client configuration of the portal's service account (the sandbox's stand-in for its token).</summary>
    public static KubernetesClientConfiguration AsPortal() => new() { Host = Sandbox.BaseAddress.ToString(), AccessToken = ServiceAccount };

    public async ValueTask InitializeAsync()
    {
        _sandbox = await KubeSandbox.StartAsync(new SandboxOptions { PodStartDelay = TimeSpan.FromMilliseconds(50), SparkRegistrationDelay = TimeSpan.FromMilliseconds(200) });
        using var admin = Admin();
        foreach (var obj in DeployManifests.Rbac().All)
        {
            switch (obj)
            {
                case V1Namespace ns: await admin.CoreV1.CreateNamespaceAsync(ns); break;
                case V1ServiceAccount sa: await admin.CoreV1.CreateNamespacedServiceAccountAsync(sa, sa.Metadata.NamespaceProperty); break;
                case V1ClusterRole role: await admin.RbacAuthorizationV1.CreateClusterRoleAsync(role); break;
                case V1ClusterRoleBinding binding: await admin.RbacAuthorizationV1.CreateClusterRoleBindingAsync(binding); break;
                case V1Role role: await admin.RbacAuthorizationV1.CreateNamespacedRoleAsync(role, role.Metadata.NamespaceProperty); break;
                case V1RoleBinding binding: await admin.RbacAuthorizationV1.CreateNamespacedRoleBindingAsync(binding, binding.Metadata.NamespaceProperty); break;
            }
        }
    }

    public async ValueTask DisposeAsync()
    {
        if (_sandbox is not null)
            await _sandbox.DisposeAsync();
    }
}

/// <summary>
/// The whole portal, provisioning included, talking to <see cref="RbacSandboxServer"/> as its service account, with
/// every Kubernetes request it sends recorded. The sandbox enforces RBAC for that account, so a request deploy/
/// doesn't allow fails here as it would on a real cluster.
/// </summary>
public sealed class RbacPortalApp(PostgresServer postgres) : PortalApp(postgres)
{
    public KubernetesRequestRecorder Recorder { get; } = new();

    /// <summary>Warnings and errors the portal logged, so a step that times out can say what the portal saw meanwhile.</summary>
    public FakeLogCollector Log => Services.GetRequiredService<FakeLogCollector>();

    protected override bool Provisions => true;

    protected override void ConfigureWebHost(IWebHostBuilder builder)
    {
        base.ConfigureWebHost(builder);
        // Fast loops, so expiry, the orphan sweep and the Lease all happen within the test.
        builder.UseSetting("Kubernetes:PollSeconds", "1");
        builder.UseSetting("Kubernetes:WaitingRequeueSeconds", "1");
        builder.UseSetting("Kubernetes:ResyncSeconds", "10");
        builder.UseSetting("Kubernetes:LeaseDurationSeconds", "3");
        builder.UseSetting("Kubernetes:SparkStatusSeconds", "1");
        // Through the API server, as a portal outside the cluster reaches Spark: the rights that route needs
        // (pods/portforward, services/proxy) are deploy's too, and the test sees them used.
        builder.UseSetting("Gateway:Route", "KubernetesApi");
        // What the sandbox authorized for the portal's account, WebSocket upgrades included (the client's handler
        // never sees those).
        RbacSandboxServer.Sandbox.Authorizations.Allowed += RecordAuthorized;
        builder.ConfigureLogging(logging => logging.AddFakeLogging(o => o.CollectRecordsForDisabledLogLevels = false));
        builder.ConfigureTestServices(services =>
            services.AddSingleton(_ => KubernetesConnection.FromConfig(KubernetesMode.InCluster, RbacSandboxServer.AsPortal(), Recorder)));
    }

    private void RecordAuthorized(AuthorizedRequest request)
    {
        if (request.User == RbacSandboxServer.ServiceAccount)
            Recorder.Add(new KubernetesRequest(request.Verb, request.Group, request.Resource, request.Namespace));
    }

    public override async ValueTask DisposeAsync()
    {
        RbacSandboxServer.Sandbox.Authorizations.Allowed -= RecordAuthorized;
        await base.DisposeAsync();
    }
}
