using System.Globalization;
using CsCheck;
using k8s.Models;
using Portal.Core.Clusters;
using Portal.Provisioning.Manifests;
using static Portal.Testing.Builders;

namespace Portal.Provisioning.Tests.Manifests;

/// <summary>
/// The Spark facts the manifests rely on (docs/spark.md), each pinned so that undoing it fails a test: how the
/// official images start each daemon, the memory budget, master restarts, Connect's scaling and liveness, scratch space.
/// </summary>
public class SparkRuntimeManifestsTests
{
    const string Ns = "spark-team-a";

    static readonly V1OwnerReference Owner = ClusterManifests.OwnerReference(new V1ConfigMap
    {
        Metadata = new V1ObjectMeta { Name = "etl", Uid = "3f1c8a52-0000-4000-8000-000000000001" },
    });

    static Cluster Etl(string workerMemory = "2Gi", string masterMemory = "1Gi")
    {
        var cluster = ASparkCluster().Named("etl").Build().WithSparkConnect();
        cluster.Spec = cluster.Spec with { WorkerMemory = workerMemory, MasterMemory = masterMemory };
        return cluster;
    }

    static V1Container Container(Cluster cluster, string component) =>
        ClusterManifests.Children(cluster, Ns, Owner).OfType<V1Deployment>()
            .Single(d => d.Spec.Template.Metadata.Labels[Labels.Component] == component).Spec.Template.Spec.Containers[0];

    static V1PodSpec Pod(Cluster cluster, string component) =>
        ClusterManifests.Children(cluster, Ns, Owner).OfType<V1Deployment>()
            .Single(d => d.Spec.Template.Metadata.Labels[Labels.Component] == component).Spec.Template.Spec;

    static string EnvOf(V1Container container, string name) => container.Env.Single(e => e.Name == name).Value;

    static long MiB(string jvmSize) => long.Parse(jvmSize.TrimEnd('m'), CultureInfo.InvariantCulture);

    static long ContainerMiB(V1Container container) => (long)(container.Resources.Limits["memory"].ToDecimal() / (1024 * 1024));

    static string ArgAfter(IList<string> command, string flag) => command[command.IndexOf(flag) + 1];

    public static TheoryData<string> Components => ["master", "worker", "connect"];

    public static TheoryData<string> WorkerSizes => ["1344Mi", "1536Mi", "2Gi", "3Gi", "4Gi", "16Gi", "64Gi", "1Ti"];

    public static TheoryData<string> ConnectSizes => ["896Mi", "1Gi", "1536Mi", "4Gi", "32Gi"];

    [Theory]
    [MemberData(nameof(Components))]
    public void Every_spark_process_runs_under_tini_as_pid_1(string component)
    {
        var command = Container(Etl(), component).Command;

        Assert.Equal(["/usr/bin/tini", "-s", "--"], command.Take(3));
    }

    [Theory]
    [InlineData("master", "org.apache.spark.deploy.master.Master")]
    [InlineData("worker", "org.apache.spark.deploy.worker.Worker")]
    public void Daemons_start_through_spark_class_which_execs_the_jvm(string component, string mainClass)
    {
        var command = Container(Etl(), component).Command;

        Assert.Equal(["/opt/spark/bin/spark-class", mainClass], command.Skip(3).Take(2));
    }

    [Fact]
    public void The_connect_server_starts_through_spark_submit_with_its_class_not_the_daemon_script()
    {
        var command = Container(Etl(), "connect").Command;

        Assert.Equal(("/opt/spark/bin/spark-submit", "org.apache.spark.sql.connect.service.SparkConnectServer"),
            (command[3], ArgAfter(command, "--class")));
    }

    [Theory]
    [MemberData(nameof(Components))]
    public void Pods_get_a_grace_period_that_fits_spark_shutting_down(string component)
    {
        Assert.Equal(ClusterManifests.TerminationGraceSeconds, Pod(Etl(), component).TerminationGracePeriodSeconds);
    }

    [Fact]
    public void Workers_reconnect_to_the_master_service_after_a_master_restart()
    {
        var options = EnvOf(Container(Etl(), "worker"), "SPARK_WORKER_OPTS");

        Assert.Contains("-Dspark.worker.preferConfiguredMasterAddress=true", options.Split(' '));
    }

    [Fact]
    public void A_connect_server_whose_master_forgot_it_is_restarted_by_its_liveness_probe()
    {
        var probe = Container(Etl(), "connect").LivenessProbe;

        Assert.Contains("etl-master.spark-team-a.svc:8080/json/", string.Join(' ', probe.Exec.Command), StringComparison.Ordinal);
    }

    [Fact]
    public void The_connect_server_scales_its_executors_so_other_applications_get_cores()
    {
        var command = Container(Etl(), "connect").Command;
        var confs = command.Select((arg, i) => (arg, i)).Where(a => a.arg == "--conf").Select(a => command[a.i + 1]).ToHashSet();

        Assert.Superset(new HashSet<string> { "spark.dynamicAllocation.enabled=true", "spark.dynamicAllocation.shuffleTracking.enabled=true" }, confs);
    }

    [Theory]
    [MemberData(nameof(WorkerSizes))]
    public void A_worker_fits_its_daemon_and_executor_within_its_container(string size)
    {
        var cluster = Etl(workerMemory: size);
        var worker = Container(cluster, "worker");
        var conf = JavaProperties.Load(ClusterManifests.SparkDefaults(cluster, Ns));
        var daemonHeap = MiB(EnvOf(worker, "SPARK_DAEMON_MEMORY"));
        var executorHeap = MiB(conf["spark.executor.memory"]);
        var executorOverhead = MiB(conf["spark.executor.memoryOverhead"]);

        Assert.True(daemonHeap + SparkMemory.DaemonOverheadMiB + executorHeap + executorOverhead <= ContainerMiB(worker),
            $"{daemonHeap} + {SparkMemory.DaemonOverheadMiB} + {executorHeap} + {executorOverhead} > {ContainerMiB(worker)}");
    }

    [Theory]
    [MemberData(nameof(WorkerSizes))]
    public void An_executor_gets_more_heap_than_spark_refuses_and_spark_overhead_rule(string size)
    {
        var conf = JavaProperties.Load(ClusterManifests.SparkDefaults(Etl(workerMemory: size), Ns));
        var heap = MiB(conf["spark.executor.memory"]);

        Assert.Equal((true, Math.Max(384, (long)Math.Ceiling(heap * 0.4))),
            (heap >= SparkMemory.SparkMinimumHeapMiB, MiB(conf["spark.executor.memoryOverhead"])));
    }

    [Theory]
    [MemberData(nameof(WorkerSizes))]
    public void A_worker_offers_exactly_the_executor_heap_so_it_runs_one_executor(string size)
    {
        var cluster = Etl(workerMemory: size);
        var conf = JavaProperties.Load(ClusterManifests.SparkDefaults(cluster, Ns));

        Assert.Equal(conf["spark.executor.memory"], EnvOf(Container(cluster, "worker"), "SPARK_WORKER_MEMORY"));
    }

    [Theory]
    [MemberData(nameof(ConnectSizes))]
    public void The_connect_driver_fits_within_its_container_with_more_heap_than_spark_refuses(string size)
    {
        var connect = Container(Etl(masterMemory: size), "connect");
        var heap = MiB(ArgAfter(connect.Command, "--driver-memory"));
        var overhead = MiB(connect.Command.Single(a => a.StartsWith("spark.driver.memoryOverhead=", StringComparison.Ordinal)).Split('=')[1]);

        Assert.Equal((true, true), (heap >= SparkMemory.SparkMinimumHeapMiB, heap + overhead <= ContainerMiB(connect)));
    }

    [Theory]
    [MemberData(nameof(Components))]
    public void Every_jvm_caps_its_direct_memory(string component)
    {
        var cluster = Etl();
        var container = Container(cluster, component);
        var options = component == "connect" ? ArgAfter(container.Command, "--driver-java-options") : EnvOf(container, "SPARK_DAEMON_JAVA_OPTS");

        Assert.StartsWith("-XX:MaxDirectMemorySize=", options, StringComparison.Ordinal);
    }

    [Fact]
    public void Executors_cap_direct_memory_after_the_users_own_java_options()
    {
        var cluster = ASparkCluster().Named("etl").WithConf("spark.executor.extraJavaOptions", "-XX:MaxDirectMemorySize=64g -Dx=1").Build();

        var options = JavaProperties.Load(ClusterManifests.SparkDefaults(cluster, Ns))["spark.executor.extraJavaOptions"];

        Assert.Matches("^-XX:MaxDirectMemorySize=64g -Dx=1 -XX:MaxDirectMemorySize=[0-9]+m$", options);
    }

    [Theory]
    [InlineData("master", "2Gi")]
    [InlineData("worker", "10Gi")]
    [InlineData("connect", "2Gi")]
    public void Scratch_space_is_a_size_limited_empty_dir(string component, string scratch)
    {
        var volume = Pod(Etl(), component).Volumes.Single(v => v.Name == "scratch");

        Assert.Equal(scratch, volume.EmptyDir.SizeLimit.ToString());
    }

    [Theory]
    [InlineData("master", "2560Mi")]
    [InlineData("worker", "10752Mi")]
    [InlineData("connect", "2560Mi")]
    public void Every_spark_container_requests_and_is_limited_to_its_scratch_and_logs(string component, string storage)
    {
        var resources = Container(Etl(), component).Resources;

        Assert.Equal((storage, storage), (resources.Requests["ephemeral-storage"].ToString(), resources.Limits["ephemeral-storage"].ToString()));
    }

    [Theory]
    [MemberData(nameof(Components))]
    public void Spark_local_dirs_are_on_the_scratch_volume(string component)
    {
        var cluster = Etl();
        var container = Container(cluster, component);
        var mount = container.VolumeMounts.Single(m => m.Name == "scratch").MountPath;
        var conf = JavaProperties.Load(ClusterManifests.SparkDefaults(cluster, Ns));

        Assert.Equal((true, true), (EnvOf(container, "SPARK_LOCAL_DIRS").StartsWith(mount + "/", StringComparison.Ordinal),
            conf["spark.local.dir"].StartsWith(mount + "/", StringComparison.Ordinal)));
    }

    [Fact]
    public void A_conf_value_ending_in_a_backslash_does_not_swallow_the_next_key()
    {
        var cluster = ASparkCluster().Named("etl").WithConf("spark.masten", "\\").Build();

        var conf = JavaProperties.Load(ClusterManifests.SparkDefaults(cluster, Ns));

        Assert.Equal(("\\", "spark://etl-master.spark-team-a.svc:7077"), (conf["spark.masten"], conf["spark.master"]));
    }

    static readonly Gen<string> Text = Gen.OneOf(
        Gen.String[Gen.Char["\\=:#! \t\r\n\f\u0000\u007fab"], 0, 12],
        Gen.String,
        Gen.Const("\\"));

    [Fact]
    public void Whatever_a_user_sets_spark_reads_every_portal_key_unchanged_and_the_users_keys_as_given()
    {
        var portalKeys = JavaProperties.Load(ClusterManifests.SparkDefaults(ASparkCluster().Named("etl").Build(), Ns));
        var owned = portalKeys.Keys.Where(k => k != "spark.executor.extraJavaOptions").ToHashSet();

        // CsCheck prints the seed of a failing sample; Sample(..., seed: "…") replays it.
        Gen.Dictionary(Gen.OneOf(Gen.Const("spark.x"), Gen.String.Select(s => "spark." + s), Text), Text)[0, 8].Sample(conf =>
        {
            var cluster = ASparkCluster().Named("etl").Build();
            cluster.Spec = cluster.Spec with { SparkConf = conf };

            var read = JavaProperties.Load(ClusterManifests.SparkDefaults(cluster, Ns));

            return owned.All(k => read[k] == portalKeys[k])
                && conf.Where(e => !owned.Contains(e.Key) && e.Key != "spark.executor.extraJavaOptions").All(e => read.TryGetValue(e.Key, out var v) && v == e.Value);
        });
    }
}
