using k8s;
using k8s.Models;
using Portal.Provisioning.Manifests;
using static Portal.Testing.Builders;

namespace Portal.Provisioning.Tests.Manifests;

public class ClusterManifestsTests
{
    const string Ns = "spark-team-a";

    static readonly V1OwnerReference Owner = ClusterManifests.OwnerReference(new V1ConfigMap
    {
        Metadata = new V1ObjectMeta { Name = "etl", Uid = "3f1c8a52-0000-4000-8000-000000000001" },
    });

    static IEnumerable<V1Deployment> Deployments(Core.Clusters.Cluster cluster) =>
        ClusterManifests.Children(cluster, Ns, Owner).OfType<V1Deployment>();

    public static TheoryData<string> Components => ["master", "worker", "connect"];

    static V1Deployment DeploymentOf(string component) =>
        Deployments(ASparkCluster().Named("etl").Build().WithSparkConnect())
            .Single(d => d.Spec.Template.Metadata.Labels[Labels.Component] == component);

    [Theory]
    [MemberData(nameof(Components))]
    public void Every_pod_runs_as_the_non_root_spark_user(string component)
    {
        var pod = DeploymentOf(component).Spec.Template.Spec;

        Assert.Equal((true, 185L, true, 185L), (pod.SecurityContext.RunAsNonRoot!.Value, pod.SecurityContext.RunAsUser!.Value,
            pod.Containers[0].SecurityContext.RunAsNonRoot!.Value, pod.Containers[0].SecurityContext.RunAsUser!.Value));
    }

    [Theory]
    [MemberData(nameof(Components))]
    public void Every_container_drops_all_capabilities_and_privilege_escalation(string component)
    {
        var security = Assert.Single(DeploymentOf(component).Spec.Template.Spec.Containers).SecurityContext;

        Assert.Equal((false, "ALL"), (security.AllowPrivilegeEscalation!.Value, string.Join(',', security.Capabilities.Drop)));
    }

    [Theory]
    [MemberData(nameof(Components))]
    public void Every_pod_uses_the_runtime_default_seccomp_profile(string component)
    {
        var pod = DeploymentOf(component).Spec.Template.Spec;

        Assert.Equal("RuntimeDefault", pod.SecurityContext.SeccompProfile.Type);
    }

    [Theory]
    [MemberData(nameof(Components))]
    public void Every_container_requests_what_it_is_limited_to(string component)
    {
        var resources = DeploymentOf(component).Spec.Template.Spec.Containers[0].Resources;

        Assert.Equal(
            resources.Limits.ToDictionary(kv => kv.Key, kv => kv.Value.ToString()),
            resources.Requests.ToDictionary(kv => kv.Key, kv => kv.Value.ToString()));
    }

    [Theory]
    [InlineData("master", 7077)]
    [InlineData("connect", 15002)]
    [InlineData("worker", 8081)]
    public void Readiness_is_probed_on_the_components_port(string component, int port)
    {
        var probe = DeploymentOf(component).Spec.Template.Spec.Containers[0].ReadinessProbe;

        Assert.Equal(port.ToString(System.Globalization.CultureInfo.InvariantCulture), probe.TcpSocket.Port.Value);
    }

    [Theory]
    [MemberData(nameof(Components))]
    public void Spark_pods_mount_no_service_account_token(string component)
    {
        var pod = DeploymentOf(component).Spec.Template.Spec;

        Assert.Equal((TenantManifests.SparkServiceAccount, false), (pod.ServiceAccountName, pod.AutomountServiceAccountToken!.Value));
    }

    [Fact]
    public void Objects_are_named_after_the_cluster()
    {
        var names = ClusterManifests.Children(ASparkCluster().Named("etl").Build().WithSparkConnect(), Ns, Owner)
            .Select(o => $"{o.Kind}/{o.Metadata.Name}");

        Assert.Equal(
            ["NetworkPolicy/etl-intra-cluster", "Service/etl-master", "Deployment/etl-master", "Deployment/etl-worker", "Service/etl-connect", "Deployment/etl-connect"],
            names);
    }

    [Fact]
    public void Every_child_is_controlled_by_the_root_config_map()
    {
        var owners = ClusterManifests.Children(ASparkCluster().Named("etl").Build().WithSparkConnect(), Ns, Owner)
            .Select(o => Assert.Single(o.Metadata.OwnerReferences));

        Assert.All(owners, o => Assert.Equal(("ConfigMap", "etl", Owner.Uid, true, true), (o.Kind, o.Name, o.Uid, o.Controller, o.BlockOwnerDeletion)));
    }

    [Fact]
    public void Every_object_carries_the_standard_labels_and_the_cluster_id()
    {
        var cluster = ASparkCluster().Named("etl").Build().WithSparkConnect();
        var objects = ClusterManifests.Children(cluster, Ns, Owner).Prepend(ClusterManifests.Root(cluster, Ns));

        Assert.All(objects, o => Assert.Equal(
            ("spark", "etl", "spark-portal", "spark-portal", cluster.Id.ToString(), cluster.TenantId.ToString()),
            (o.Metadata.Labels[Labels.Name], o.Metadata.Labels[Labels.Instance], o.Metadata.Labels[Labels.ManagedBy],
             o.Metadata.Labels[Labels.PartOf], o.Metadata.Labels[Labels.ClusterId], o.Metadata.Labels[Labels.TenantId])));
    }

    [Fact]
    public void Deployment_selectors_leave_out_labels_a_spec_change_can_alter()
    {
        var selectors = Deployments(ASparkCluster().Named("etl").Build().WithSparkConnect()).Select(d => d.Spec.Selector.MatchLabels);

        Assert.All(selectors, s => Assert.DoesNotContain(Labels.Version, s.Keys));
    }

    [Fact]
    public void No_spark_connect_objects_exist_unless_asked_for()
    {
        var names = ClusterManifests.Children(ASparkCluster().Named("etl").Build(), Ns, Owner).Select(o => o.Metadata.Name);

        Assert.DoesNotContain("etl-connect", names);
    }

    [Fact]
    public void Workers_run_the_requested_count()
    {
        var workers = ClusterManifests.WorkerDeployment(ASparkCluster().Named("etl").WithWorkers(5).Build(), Ns, Owner);

        Assert.Equal(5, workers.Spec.Replicas);
    }

    [Fact]
    public void Workers_offer_whole_cores_and_leave_memory_for_the_jvm()
    {
        var env = ClusterManifests.WorkerDeployment(ASparkCluster().Named("etl").Build().WithWorkerSize("1500m", "4Gi"), Ns, Owner)
            .Spec.Template.Spec.Containers[0].Env.ToDictionary(e => e.Name, e => e.Value);

        Assert.Equal(("2", "2605m"), (env["SPARK_WORKER_CORES"], env["SPARK_WORKER_MEMORY"]));
    }

    [Fact]
    public void Workers_connect_to_the_master_service_url()
    {
        var command = ClusterManifests.WorkerDeployment(ASparkCluster().Named("etl").Build(), Ns, Owner).Spec.Template.Spec.Containers[0].Command;

        Assert.Equal("spark://etl-master.spark-team-a.svc:7077", command[^1]);
    }

    [Fact]
    public void The_cluster_image_runs_in_every_container()
    {
        var images = Deployments(ASparkCluster().Named("etl").Build().WithImage("registry.local/spark:4.0.1").WithSparkConnect())
            .Select(d => d.Spec.Template.Spec.Containers[0].Image);

        Assert.All(images, i => Assert.Equal("registry.local/spark:4.0.1", i));
    }

    [Fact]
    public void Portal_controlled_spark_conf_wins_over_the_users()
    {
        var conf = ClusterManifests.SparkDefaults(ASparkCluster().Named("etl").WithConf("spark.master", "local[*]").Build(), Ns);

        Assert.Contains("spark.master=spark\\://etl-master.spark-team-a.svc\\:7077\n", conf, StringComparison.Ordinal);
    }

    [Fact]
    public void User_spark_conf_lands_in_spark_defaults()
    {
        var conf = ClusterManifests.SparkDefaults(ASparkCluster().Named("etl").WithConf("spark.sql.shuffle.partitions", "64").Build(), Ns);

        Assert.Contains("spark.sql.shuffle.partitions=64\n", conf, StringComparison.Ordinal);
    }

    [Fact]
    public void A_conf_value_with_a_newline_stays_one_entry()
    {
        var cluster = ASparkCluster().Named("etl").WithConf("spark.x", "a\nspark.master local").Build();

        var conf = JavaProperties.Load(ClusterManifests.SparkDefaults(cluster, Ns));

        Assert.Equal(("a\nspark.master local", "spark://etl-master.spark-team-a.svc:7077"), (conf["spark.x"], conf["spark.master"]));
    }

    [Fact]
    public void A_conf_change_changes_the_pod_template()
    {
        var before = ClusterManifests.WorkerDeployment(ASparkCluster().Named("etl").Build(), Ns, Owner);
        var after = ClusterManifests.WorkerDeployment(ASparkCluster().Named("etl").WithConf("spark.sql.shuffle.partitions", "64").Build(), Ns, Owner);

        Assert.NotEqual(
            before.Spec.Template.Metadata.Annotations[ClusterManifests.ConfigHashAnnotation],
            after.Spec.Template.Metadata.Annotations[ClusterManifests.ConfigHashAnnotation]);
    }

    [Fact]
    public void The_same_spec_gives_the_same_json()
    {
        var cluster = ASparkCluster().Named("etl").WithConf("b", "2").WithConf("a", "1").Build().WithSparkConnect();

        Assert.Equal(
            ClusterManifests.Children(cluster, Ns, Owner).Select(o => KubernetesJson.Serialize(o)).Prepend(KubernetesJson.Serialize(ClusterManifests.Root(cluster, Ns))),
            ClusterManifests.Children(cluster, Ns, Owner).Select(o => KubernetesJson.Serialize(o)).Prepend(KubernetesJson.Serialize(ClusterManifests.Root(cluster, Ns))));
    }

    [Fact]
    public void Pods_of_one_cluster_may_talk_only_to_each_other()
    {
        var cluster = ASparkCluster().Named("etl").Build();
        var policy = ClusterManifests.IntraClusterPolicy(cluster, Ns, Owner);

        Assert.Equal(
            [cluster.Id.ToString(), cluster.Id.ToString(), cluster.Id.ToString()],
            [policy.Spec.PodSelector.MatchLabels[Labels.ClusterId],
             policy.Spec.Ingress[0].FromProperty[0].PodSelector.MatchLabels[Labels.ClusterId],
             policy.Spec.Egress[0].To[0].PodSelector.MatchLabels[Labels.ClusterId]]);
    }

    [Fact]
    public void Endpoints_name_the_services_in_the_tenant_namespace()
    {
        var endpoints = ClusterManifests.Endpoints(ASparkCluster().Named("etl").Build().WithSparkConnect(), Ns);

        Assert.Equal(
            new ClusterEndpoints("spark://etl-master.spark-team-a.svc:7077", "http://etl-master.spark-team-a.svc:8080", "sc://etl-connect.spark-team-a.svc:15002"),
            endpoints);
    }

    [Theory]
    [InlineData(false)]
    [InlineData(true)]
    public void Object_names_list_exactly_what_the_manifests_produce(bool connect)
    {
        var cluster = ASparkCluster().Named("etl").Build();
        cluster = connect ? cluster.WithSparkConnect() : cluster;

        var produced = ClusterManifests.Children(cluster, Ns, Owner).Prepend(ClusterManifests.Root(cluster, Ns)).Select(o => (o.Kind, o.Metadata.Name));

        Assert.Equal(produced.Order(), ClusterManifests.ObjectNames(cluster).Order());
    }

    [Fact]
    public void An_owner_reference_needs_an_applied_root()
    {
        var unapplied = ClusterManifests.Root(ASparkCluster().Named("etl").Build(), Ns);

        Assert.Throws<ArgumentException>(() => ClusterManifests.OwnerReference(unapplied));
    }
}
