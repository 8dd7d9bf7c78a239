using System.Globalization;
using System.Security.Cryptography;
using System.Text;
using k8s;
using k8s.Models;
using Portal.Core.Clusters;

namespace Portal.Provisioning.Manifests;

/// <summary>
/// A Spark standalone cluster as pure functions of its row. Every object but the root hangs off the root ConfigMap
/// (named after the cluster, holding spark-defaults.conf) through a controller owner reference, so deleting that one
/// object lets the garbage collector remove the rest. The root is created first because its UID is only known once
/// the API server has it.
/// </summary>
public static class ClusterManifests
{
    /// <summary>The image's <c>spark</c> user (apache/spark images create it with this id).</summary>
    public const long SparkUserId = 185;

    public const int MasterPort = 7077;
    public const int MasterUiPort = 8080;
    public const int WorkerUiPort = 8081;
    public const int DriverUiPort = 4040;
    public const int ConnectPort = 15002;

    // Fixed so the ports are known; the intra-cluster NetworkPolicy allows every port anyway.
    const int DriverPort = 7078;
    const int BlockManagerPort = 7079;

    const string ConfDir = "/etc/spark/conf";
    const string ConfFile = "spark-defaults.conf";

    /// <summary>Annotation on pod templates carrying a hash of spark-defaults.conf, so a conf change rolls the pods.</summary>
    public const string ConfigHashAnnotation = Labels.Domain + "/config-hash";

    public static string RootName(Cluster cluster) => cluster.Name;

    public static string MasterName(Cluster cluster) => $"{cluster.Name}-master";

    public static string WorkerName(Cluster cluster) => $"{cluster.Name}-worker";

    public static string ConnectName(Cluster cluster) => $"{cluster.Name}-connect";

    public static string IntraClusterPolicyName(Cluster cluster) => $"{cluster.Name}-intra-cluster";

    /// <summary>URL workers and drivers use to reach the master.</summary>
    public static string MasterUrl(Cluster cluster, string @namespace) =>
        $"spark://{MasterName(cluster)}.{@namespace}.svc:{MasterPort}";

    /// <summary>The endpoints users see once the cluster runs.</summary>
    public static ClusterEndpoints Endpoints(Cluster cluster, string @namespace) => new(
        MasterUrl(cluster, @namespace),
        $"http://{MasterName(cluster)}.{@namespace}.svc:{MasterUiPort}",
        cluster.Spec.SparkConnect ? $"sc://{ConnectName(cluster)}.{@namespace}.svc:{ConnectPort}" : null);

    /// <summary>
    /// The root object: spark-defaults.conf, labelled with the cluster id. It has no owner itself; it's the owner.
    /// </summary>
    /// <exception cref="ArgumentException">A Spark conf key or value would break the file's line format.</exception>
    public static V1ConfigMap Root(Cluster cluster, string @namespace) => new()
    {
        ApiVersion = "v1",
        Kind = "ConfigMap",
        Metadata = new V1ObjectMeta
        {
            Name = RootName(cluster),
            NamespaceProperty = @namespace,
            Labels = Labels.ForCluster(cluster, "config"),
        },
        Data = new Dictionary<string, string> { [ConfFile] = SparkDefaults(cluster, @namespace) },
    };

    /// <summary>The controller reference every other object of the cluster carries; needs the applied root's UID.</summary>
    public static V1OwnerReference OwnerReference(V1ConfigMap root) => new()
    {
        ApiVersion = "v1",
        Kind = "ConfigMap",
        Name = root.Metadata.Name,
        Uid = root.Metadata.Uid ?? throw new ArgumentException("The root ConfigMap has no UID yet; apply it first.", nameof(root)),
        Controller = true,
        BlockOwnerDeletion = true,
    };

    /// <summary>Everything but the root, in apply order.</summary>
    public static IReadOnlyList<IKubernetesObject<V1ObjectMeta>> Children(Cluster cluster, string @namespace, V1OwnerReference owner)
    {
        List<IKubernetesObject<V1ObjectMeta>> objects =
        [
            IntraClusterPolicy(cluster, @namespace, owner),
            MasterService(cluster, @namespace, owner),
            MasterDeployment(cluster, @namespace, owner),
            WorkerDeployment(cluster, @namespace, owner),
        ];
        if (cluster.Spec.SparkConnect)
        {
            objects.Add(ConnectService(cluster, @namespace, owner));
            objects.Add(ConnectDeployment(cluster, @namespace, owner));
        }

        return objects;
    }

    /// <summary>
    /// Kind and name of every object <see cref="Root"/> and <see cref="Children"/> produce, without building them:
    /// the resync compares these against one list call per kind for every cluster at once.
    /// </summary>
    public static IEnumerable<(string Kind, string Name)> ObjectNames(Cluster cluster)
    {
        ArgumentNullException.ThrowIfNull(cluster);
        yield return ("ConfigMap", RootName(cluster));
        yield return ("NetworkPolicy", IntraClusterPolicyName(cluster));
        yield return ("Service", MasterName(cluster));
        yield return ("Deployment", MasterName(cluster));
        yield return ("Deployment", WorkerName(cluster));
        if (cluster.Spec.SparkConnect)
        {
            yield return ("Service", ConnectName(cluster));
            yield return ("Deployment", ConnectName(cluster));
        }
    }

    /// <summary>Lets the pods of this cluster, and only these, talk to each other on any port.</summary>
    public static V1NetworkPolicy IntraClusterPolicy(Cluster cluster, string @namespace, V1OwnerReference owner)
    {
        var own = new V1LabelSelector { MatchLabels = Labels.AllPodsOf(cluster) };
        return new V1NetworkPolicy
        {
            ApiVersion = "networking.k8s.io/v1",
            Kind = "NetworkPolicy",
            Metadata = Meta(cluster, @namespace, IntraClusterPolicyName(cluster), "network-policy", owner),
            Spec = new V1NetworkPolicySpec
            {
                PodSelector = own,
                PolicyTypes = ["Ingress", "Egress"],
                Ingress = [new V1NetworkPolicyIngressRule { FromProperty = [new V1NetworkPolicyPeer { PodSelector = own }] }],
                Egress = [new V1NetworkPolicyEgressRule { To = [new V1NetworkPolicyPeer { PodSelector = own }] }],
            },
        };
    }

    public static V1Service MasterService(Cluster cluster, string @namespace, V1OwnerReference owner) =>
        Service(cluster, @namespace, owner, MasterName(cluster), "master",
            [ServicePort("spark", MasterPort), ServicePort("ui", MasterUiPort)]);

    public static V1Service ConnectService(Cluster cluster, string @namespace, V1OwnerReference owner) =>
        Service(cluster, @namespace, owner, ConnectName(cluster), "connect",
            [ServicePort("connect", ConnectPort), ServicePort("ui", DriverUiPort)]);

    public static V1Deployment MasterDeployment(Cluster cluster, string @namespace, V1OwnerReference owner)
    {
        var container = SparkContainer(cluster, "master", cluster.Spec.MasterCores, cluster.Spec.MasterMemory,
            [
                "/opt/spark/bin/spark-class", "org.apache.spark.deploy.master.Master",
                "--host", "$(POD_IP)", "--port", Invariant(MasterPort), "--webui-port", Invariant(MasterUiPort),
            ],
            [Env("SPARK_DAEMON_MEMORY", $"{JvmHeapMiB(cluster.Spec.MasterMemory)}m")],
            [ContainerPort("spark", MasterPort), ContainerPort("ui", MasterUiPort)],
            MasterPort);

        // Recreate: two masters side by side would split the workers between them.
        return Deployment(cluster, @namespace, owner, MasterName(cluster), "master", replicas: 1, container, "Recreate");
    }

    public static V1Deployment WorkerDeployment(Cluster cluster, string @namespace, V1OwnerReference owner)
    {
        var container = SparkContainer(cluster, "worker", cluster.Spec.WorkerCores, cluster.Spec.WorkerMemory,
            [
                "/opt/spark/bin/spark-class", "org.apache.spark.deploy.worker.Worker",
                "--host", "$(POD_IP)", "--webui-port", Invariant(WorkerUiPort), MasterUrl(cluster, @namespace),
            ],
            [
                Env("SPARK_WORKER_CORES", Invariant(WorkerCores(cluster.Spec.WorkerCores))),
                Env("SPARK_WORKER_MEMORY", $"{ExecutorMemoryMiB(cluster.Spec.WorkerMemory)}m"),
                Env("SPARK_DAEMON_MEMORY", $"{WorkerDaemonMiB}m"),
                Env("SPARK_WORKER_DIR", "/tmp/spark-work"),
            ],
            [ContainerPort("ui", WorkerUiPort)],
            WorkerUiPort);
        return Deployment(cluster, @namespace, owner, WorkerName(cluster), "worker", cluster.Spec.Workers, container, "RollingUpdate");
    }

    public static V1Deployment ConnectDeployment(Cluster cluster, string @namespace, V1OwnerReference owner)
    {
        // The Connect server is the driver of every Connect session: it runs beside the master, sized like it.
        var container = SparkContainer(cluster, "connect", cluster.Spec.MasterCores, cluster.Spec.MasterMemory,
            [
                "/opt/spark/sbin/start-connect-server.sh",
                "--master", MasterUrl(cluster, @namespace),
                "--driver-memory", $"{JvmHeapMiB(cluster.Spec.MasterMemory)}m",
                "--conf", "spark.driver.host=$(POD_IP)",
            ],
            [Env("SPARK_NO_DAEMONIZE", "true")],
            [ContainerPort("connect", ConnectPort), ContainerPort("ui", DriverUiPort)],
            ConnectPort);
        return Deployment(cluster, @namespace, owner, ConnectName(cluster), "connect", replicas: 1, container, "Recreate");
    }

    /// <summary>
    /// spark-defaults.conf: defaults sized from the spec, then the user's entries, then the keys the portal must
    /// control (master URL, bind address, ports) which win over both. Sorted, so the same spec gives the same bytes.
    /// </summary>
    public static string SparkDefaults(Cluster cluster, string @namespace)
    {
        var conf = new SortedDictionary<string, string>(StringComparer.Ordinal)
        {
            ["spark.executor.cores"] = Invariant(WorkerCores(cluster.Spec.WorkerCores)),
            ["spark.executor.memory"] = $"{ExecutorMemoryMiB(cluster.Spec.WorkerMemory)}m",
        };
        foreach (var (key, value) in cluster.Spec.SparkConf)
        {
            conf[key] = value;
        }

        conf["spark.master"] = MasterUrl(cluster, @namespace);
        conf["spark.driver.bindAddress"] = "0.0.0.0";
        conf["spark.driver.port"] = Invariant(DriverPort);
        conf["spark.blockManager.port"] = Invariant(BlockManagerPort);
        conf["spark.ui.port"] = Invariant(DriverUiPort);
        conf["spark.connect.grpc.binding.port"] = Invariant(ConnectPort);

        var text = new StringBuilder();
        foreach (var (key, value) in conf)
        {
            if (key.Length == 0 || key.Any(char.IsWhiteSpace) || value.Contains('\n') || value.Contains('\r'))
            {
                throw new ArgumentException($"Spark conf entry '{key}' can't be written to spark-defaults.conf.", nameof(cluster));
            }

            text.Append(key).Append(' ').Append(value).Append('\n');
        }

        return text.ToString();
    }

    /// <summary>Spark wants whole cores; a fractional request rounds up, and never below one.</summary>
    public static int WorkerCores(string quantity) =>
        Math.Max(1, (int)Math.Ceiling(new ResourceQuantity(quantity).ToDecimal()));

    /// <summary>Heap of the worker daemon itself; the rest of the container goes to executors.</summary>
    public const int WorkerDaemonMiB = 256;

    /// <summary>
    /// Memory a worker offers executors: 75 % of the container (the JVM needs the rest off-heap) less the daemon's own
    /// heap, never below 256 MiB.
    /// </summary>
    public static long ExecutorMemoryMiB(string quantity) => Math.Max(256, JvmHeapMiB(quantity) - WorkerDaemonMiB);

    static long JvmHeapMiB(string quantity) =>
        Math.Max(256, (long)(new ResourceQuantity(quantity).ToDecimal() * 3 / 4 / (1024 * 1024)));

    static V1Service Service(Cluster cluster, string @namespace, V1OwnerReference owner, string name, string component, List<V1ServicePort> ports) => new()
    {
        ApiVersion = "v1",
        Kind = "Service",
        Metadata = Meta(cluster, @namespace, name, component, owner),
        Spec = new V1ServiceSpec { Type = "ClusterIP", Selector = Labels.Selector(cluster, component), Ports = ports },
    };

    static V1Deployment Deployment(Cluster cluster, string @namespace, V1OwnerReference owner, string name, string component,
        int replicas, V1Container container, string strategy) => new()
        {
            ApiVersion = "apps/v1",
            Kind = "Deployment",
            Metadata = Meta(cluster, @namespace, name, component, owner),
            Spec = new V1DeploymentSpec
            {
                Replicas = replicas,
                Selector = new V1LabelSelector { MatchLabels = Labels.Selector(cluster, component) },
                Strategy = new V1DeploymentStrategy { Type = strategy },
                Template = new V1PodTemplateSpec
                {
                    Metadata = new V1ObjectMeta
                    {
                        Labels = Labels.ForCluster(cluster, component),
                        Annotations = new Dictionary<string, string> { [ConfigHashAnnotation] = ConfigHash(cluster, @namespace) },
                    },
                    Spec = PodSpec(cluster, container),
                },
            },
        };

    // Pod Security "restricted": non-root as the image's spark user, no privilege escalation, no capabilities,
    // the runtime's default seccomp profile. No service-account token: Spark standalone never calls the API.
    static V1PodSpec PodSpec(Cluster cluster, V1Container container) => new()
    {
        ServiceAccountName = TenantManifests.SparkServiceAccount,
        AutomountServiceAccountToken = false,
        EnableServiceLinks = false,
        SecurityContext = new V1PodSecurityContext
        {
            RunAsNonRoot = true,
            RunAsUser = SparkUserId,
            RunAsGroup = SparkUserId,
            FsGroup = SparkUserId,
            SeccompProfile = new V1SeccompProfile { Type = "RuntimeDefault" },
        },
        Containers = [container],
        Volumes =
        [
            new V1Volume { Name = "conf", ConfigMap = new V1ConfigMapVolumeSource { Name = RootName(cluster) } },
            new V1Volume { Name = "scratch", EmptyDir = new V1EmptyDirVolumeSource() },
        ],
    };

    static V1Container SparkContainer(Cluster cluster, string name, string cpu, string memory, List<string> command,
        List<V1EnvVar> env, List<V1ContainerPort> ports, int readinessPort)
    {
        var resources = new Dictionary<string, ResourceQuantity>
        {
            ["cpu"] = new ResourceQuantity(cpu),
            ["memory"] = new ResourceQuantity(memory),
        };
        return new V1Container
        {
            Name = name,
            Image = cluster.Spec.Image,
            ImagePullPolicy = "IfNotPresent",
            Command = command,
            Env =
            [
                new V1EnvVar { Name = "POD_IP", ValueFrom = new V1EnvVarSource { FieldRef = new V1ObjectFieldSelector { FieldPath = "status.podIP" } } },
                Env("SPARK_CONF_DIR", ConfDir),
                Env("SPARK_NO_DAEMONIZE", "true"),
                .. env.Where(e => e.Name != "SPARK_NO_DAEMONIZE"),
            ],
            Ports = ports,
            // Requests equal limits: Guaranteed QoS, and the quota's requests and limits fill at the same rate.
            Resources = new V1ResourceRequirements { Requests = resources, Limits = new Dictionary<string, ResourceQuantity>(resources) },
            ReadinessProbe = new V1Probe
            {
                TcpSocket = new V1TCPSocketAction { Port = readinessPort },
                PeriodSeconds = 5,
                FailureThreshold = 3,
            },
            SecurityContext = new V1SecurityContext
            {
                RunAsNonRoot = true,
                RunAsUser = SparkUserId,
                AllowPrivilegeEscalation = false,
                Capabilities = new V1Capabilities { Drop = ["ALL"] },
                SeccompProfile = new V1SeccompProfile { Type = "RuntimeDefault" },
            },
            VolumeMounts =
            [
                new V1VolumeMount { Name = "conf", MountPath = ConfDir, ReadOnlyProperty = true },
                new V1VolumeMount { Name = "scratch", MountPath = "/tmp" },
            ],
        };
    }

    static string ConfigHash(Cluster cluster, string @namespace) =>
        Convert.ToHexStringLower(SHA256.HashData(Encoding.UTF8.GetBytes(SparkDefaults(cluster, @namespace))))[..16];

    static V1ObjectMeta Meta(Cluster cluster, string @namespace, string name, string component, V1OwnerReference owner) => new()
    {
        Name = name,
        NamespaceProperty = @namespace,
        Labels = Labels.ForCluster(cluster, component),
        OwnerReferences = [owner],
    };

    static V1ServicePort ServicePort(string name, int port) =>
        new() { Name = name, Port = port, TargetPort = name, Protocol = "TCP" };

    static V1ContainerPort ContainerPort(string name, int port) => new() { Name = name, ContainerPort = port, Protocol = "TCP" };

    static V1EnvVar Env(string name, string value) => new() { Name = name, Value = value };

    static string Invariant(long value) => value.ToString(CultureInfo.InvariantCulture);
}

/// <summary>How users reach a running cluster.</summary>
/// <param name="Master">spark:// URL of the standalone master.</param>
/// <param name="MasterUi">http URL of the master's web UI.</param>
/// <param name="Connect">sc:// URL of the Spark Connect server, when the cluster has one.</param>
public sealed record ClusterEndpoints(string Master, string MasterUi, string? Connect);
