using System.Net;
using System.Text;
using k8s.Models;
using Portal.Core.Clusters;
using Portal.Core.Storage;
using Portal.Provisioning.Manifests;
using static Portal.Testing.Builders;

namespace Portal.Provisioning.Tests.Manifests;

/// <summary>A tenant's volumes and object stores in its namespace, and a cluster's use of them in its pods.</summary>
public sealed class StorageManifestsTests
{
    const string Ns = "spark-team-a";
    const string SecretKey = "wJalrXUtnFEMI-K7MDENG-bPxRfiCYEXAMPLEKEY";

    static readonly V1OwnerReference Owner = ClusterManifests.OwnerReference(new V1ConfigMap
    {
        Metadata = new V1ObjectMeta { Name = "etl", Uid = "3f1c8a52-0000-4000-8000-000000000001" },
    });

    static readonly ObjectStore Lake = new()
    {
        Name = "lake",
        Endpoint = "https://10.20.30.40:9000",
        Region = "eu-west-1",
        BucketPrefix = "analytics/spark",
        PathStyleAccess = true,
        AccessKeyId = "AKIAEXAMPLE",
        ProtectedSecretKey = "ciphertext",
        CreatedBy = "alice",
        KeyVersion = 3,
    };

    static readonly TenantVolume Shared = new() { Name = "shared", StorageClass = "standard", Size = "100Gi", AccessMode = VolumeAccessMode.ReadWriteMany, CreatedBy = "alice" };

    static Cluster StoringCluster() => ASparkCluster().Named("etl").Build().WithSparkConnect().WithStorage(
        [new ClusterVolume("shared", "shared", ReadOnly: false), new ClusterVolume("reference", "ref", ReadOnly: true)],
        "lake", new EventLogSpec("shared", null, "spark-events"));

    static IEnumerable<V1Deployment> Deployments(Cluster cluster) =>
        ClusterManifests.Children(cluster, Ns, Owner, Lake).OfType<V1Deployment>();

    static V1Deployment DeploymentOf(string component) =>
        Deployments(StoringCluster()).Single(d => d.Spec.Template.Metadata.Labels[Labels.Component] == component);

    public static TheoryData<string> Components => ["master", "worker", "connect"];

    [Fact]
    public void A_volume_is_a_claim_of_its_class_size_and_access_mode_named_like_it()
    {
        var claim = StorageManifests.Claim(ATenant().Build(), Shared);

        Assert.Equal(("shared", "standard", "ReadWriteMany", "100Gi"),
            (claim.Metadata.Name, claim.Spec.StorageClassName, claim.Spec.AccessModes.Single(), claim.Spec.Resources.Requests["storage"].ToString()));
    }

    [Fact]
    public void A_claim_carries_no_cluster_label_so_no_cluster_deletion_reaches_it()
    {
        var claim = StorageManifests.Claim(ATenant().Build(), Shared);

        Assert.DoesNotContain(Labels.ClusterId, claim.Metadata.Labels.Keys);
    }

    [Fact]
    public void The_quota_counts_the_tenants_volumes_and_their_storage()
    {
        var quota = TenantManifests.ResourceQuota(ATenant().Build().WithQuota(new Core.Tenants.TenantQuota { Storage = "2Ti", MaxVolumes = 7 }));

        Assert.Equal(("2Ti", "7"), (quota.Spec.Hard["requests.storage"].ToString(), quota.Spec.Hard["persistentvolumeclaims"].ToString()));
    }

    [Theory]
    [MemberData(nameof(Components))]
    public void Every_pod_mounts_each_volume_under_the_fixed_root(string component)
    {
        var mounts = DeploymentOf(component).Spec.Template.Spec.Containers[0].VolumeMounts.Where(m => m.Name.StartsWith("vol-", StringComparison.Ordinal));

        Assert.Equal(["/mnt/data/ref", "/mnt/data/shared"], mounts.Select(m => m.MountPath).Order(StringComparer.Ordinal));
    }

    [Theory]
    [MemberData(nameof(Components))]
    public void A_volume_mounted_read_only_is_read_only_in_the_mount_and_the_claim_source(string component)
    {
        var pod = DeploymentOf(component).Spec.Template.Spec;

        Assert.Equal((true, true), (pod.Containers[0].VolumeMounts.Single(m => m.Name == "vol-reference").ReadOnlyProperty,
            pod.Volumes.Single(v => v.Name == "vol-reference").PersistentVolumeClaim.ReadOnlyProperty));
    }

    [Theory]
    [MemberData(nameof(Components))]
    public void The_object_store_key_reaches_every_container_by_reference_to_its_secret(string component)
    {
        var env = DeploymentOf(component).Spec.Template.Spec.Containers[0].Env.Where(e => e.Name.StartsWith("AWS_", StringComparison.Ordinal)).ToList();

        Assert.Equal([("AWS_ACCESS_KEY_ID", "objectstore-lake", null), ("AWS_SECRET_ACCESS_KEY", "objectstore-lake", null)],
            env.Select(e => (e.Name, e.ValueFrom?.SecretKeyRef?.Name, (string?)e.Value)).Order());
    }

    [Fact]
    public void Spark_conf_points_s3a_at_the_endpoint_and_holds_no_key()
    {
        var conf = JavaProperties.Load(ClusterManifests.SparkDefaults(StoringCluster(), Ns, store: Lake));

        Assert.Equal(("https://10.20.30.40:9000", "eu-west-1", "true"),
            (conf["spark.hadoop.fs.s3a.endpoint"], conf["spark.hadoop.fs.s3a.endpoint.region"], conf["spark.hadoop.fs.s3a.path.style.access"]));
        Assert.DoesNotContain(conf.Keys, k => k.Contains("secret", StringComparison.OrdinalIgnoreCase) || k.Contains("access.key", StringComparison.OrdinalIgnoreCase));
    }

    [Fact]
    public void Spark_writes_event_logs_to_the_directory_on_the_mounted_volume()
    {
        var conf = JavaProperties.Load(ClusterManifests.SparkDefaults(StoringCluster(), Ns, store: Lake));

        Assert.Equal(("true", "file:/mnt/data/shared/spark-events"), (conf["spark.eventLog.enabled"], conf["spark.eventLog.dir"]));
    }

    [Theory]
    [InlineData("master")]
    [InlineData("connect")]
    public void The_drivers_pods_create_the_event_log_directory_before_spark_starts(string component)
    {
        var init = Assert.Single(DeploymentOf(component).Spec.Template.Spec.InitContainers);

        Assert.Equal(["/bin/mkdir", "-p", "/mnt/data/shared/spark-events"], init.Command);
    }

    [Fact]
    public void A_rotated_key_changes_the_pod_templates_so_the_pods_restart()
    {
        var before = DeploymentOf("worker").Spec.Template.Metadata.Annotations[ClusterManifests.KeyVersionAnnotation];
        var rotatedStore = new ObjectStore
        {
            Name = Lake.Name, Endpoint = Lake.Endpoint, Region = Lake.Region, BucketPrefix = Lake.BucketPrefix, AccessKeyId = Lake.AccessKeyId,
            ProtectedSecretKey = "other", CreatedBy = "alice", KeyVersion = Lake.KeyVersion + 1,
        };
        var rotated = ClusterManifests.WorkerDeployment(StoringCluster(), Ns, Owner, rotatedStore).Spec.Template.Metadata.Annotations[ClusterManifests.KeyVersionAnnotation];

        Assert.Equal(("3", "4"), (before, rotated));
    }

    [Fact]
    public void The_secret_holds_the_key_under_the_names_the_aws_sdk_reads()
    {
        var secret = StorageManifests.Secret(ATenant().Build(), new ObjectStoreKey(Lake, SecretKey, []));

        Assert.Equal(("AKIAEXAMPLE", SecretKey),
            (Encoding.UTF8.GetString(secret.Data["AWS_ACCESS_KEY_ID"]), Encoding.UTF8.GetString(secret.Data["AWS_SECRET_ACCESS_KEY"])));
    }

    [Fact]
    public void No_cluster_object_holds_the_secret_key()
    {
        var cluster = StoringCluster();
        var root = ClusterManifests.Root(cluster, Ns, "/spark/t/etl", Lake);
        var everything = string.Join("\n", ClusterManifests.Children(cluster, Ns, Owner, Lake).Append(root).Select(o => k8s.KubernetesJson.Serialize(o)));

        Assert.DoesNotContain("ciphertext", everything, StringComparison.Ordinal);
    }

    [Fact]
    public void The_endpoints_address_joins_the_tenants_egress_on_its_port()
    {
        var policy = StorageManifests.EgressPolicy(ATenant().Build(), [new ObjectStoreKey(Lake, SecretKey, [IPAddress.Parse("10.20.30.40")])]);

        var rule = Assert.Single(policy!.Spec.Egress);
        Assert.Equal(("10.20.30.40/32", 9000), (rule.To.Single().IpBlock.Cidr, int.Parse(rule.Ports.Single().Port.Value, System.Globalization.CultureInfo.InvariantCulture)));
    }

    [Fact]
    public void An_endpoint_that_did_not_resolve_opens_no_egress()
    {
        Assert.Null(StorageManifests.EgressPolicy(ATenant().Build(), [new ObjectStoreKey(Lake, SecretKey, [])]));
    }
}
