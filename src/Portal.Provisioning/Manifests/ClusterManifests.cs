using System.Globalization;
using System.Security.Cryptography;

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

    // Spark's own defaults (docs/spark-standalone.md, docs/configuration.md), set explicitly anyway; docs/spark.md, "Ports".

    /// <summary>The master's RPC port, the one in spark:// URLs (<c>--port</c>).</summary>
    public const int MasterPort = 7077;

    /// <summary>The master's web UI, which also serves the <c>/json/</c> status the reconciler reads (<c>--webui-port</c>).</summary>
    public const int MasterUiPort = 8080;

    /// <summary>A worker's web UI (<c>--webui-port</c>).</summary>
    public const int WorkerUiPort = 8081;

    /// <summary>A driver's UI and REST API (<c>spark.ui.port</c>); here the Connect server's, since it is the driver.</summary>
    public const int DriverUiPort = 4040;

    /// <summary>The Spark Connect gRPC port that sc:// URLs name (<c>spark.connect.grpc.binding.port</c>).</summary>
    public const int ConnectPort = 15002;

    // Fixed so the ports are known; the intra-cluster NetworkPolicy allows every port anyway.
    const int DriverPort = 7078;
    const int BlockManagerPort = 7079;

    const string ConfDir = "/etc/spark/conf";
    const string ConfFile = "spark-defaults.conf";

    /// <summary>Annotation on pod templates carrying a hash of spark-defaults.conf, so a conf change rolls the pods.</summary>
    public const string ConfigHashAnnotation = Labels.Domain + "/config-hash";

    /// <summary>Name of the root ConfigMap: the cluster's own name, so it is unique in the namespace.</summary>
    public static string RootName(Cluster cluster) => cluster.Name;

    /// <summary>Name of the master's Deployment and Service; the Service name is the host in <see cref="MasterUrl"/>.</summary>
    public static string MasterName(Cluster cluster) => $"{cluster.Name}-master";

    /// <summary>Name of the workers' Deployment.</summary>
    public static string WorkerName(Cluster cluster) => $"{cluster.Name}-worker";

    /// <summary>Name of the Connect server's Deployment and Service; the Service name is the host in sc:// URLs.</summary>
    public static string ConnectName(Cluster cluster) => $"{cluster.Name}-connect";

    /// <summary>Name of the NetworkPolicy from <see cref="IntraClusterPolicy"/>.</summary>
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
    /// <param name="cluster">The cluster.</param>
    /// <param name="namespace">The tenant's namespace.</param>
    /// <param name="uiProxyUrl">Where the portal serves this cluster's Spark UI (<see cref="UiProxyUrl"/>); null: Spark's own links.</param>
    /// <param name="store">The object store <see cref="ClusterSpec.ObjectStore"/> names, or null.</param>
    public static V1ConfigMap Root(Cluster cluster, string @namespace, string? uiProxyUrl = null, ObjectStore? store = null) => new()
    {
        ApiVersion = "v1",
        Kind = "ConfigMap",
        Metadata = new V1ObjectMeta
        {
            Name = RootName(cluster),
            NamespaceProperty = @namespace,
            Labels = Labels.ForCluster(cluster, "config"),
        },
        Data = new Dictionary<string, string> { [ConfFile] = SparkDefaults(cluster, @namespace, uiProxyUrl, store) },
    };

    /// <summary>
    /// The portal URL of a cluster's Spark UI, for <c>spark.ui.reverseProxyUrl</c>: absolute under
    /// <paramref name="publicUrl"/> when the portal's public address is configured (the API server's service proxy
    /// rewrites server-relative links in HTML, but not links to another host), else server-relative, which Spark
    /// also accepts (docs/spark.md, "Reverse proxy").
    /// </summary>
    public static string UiProxyUrl(string? publicUrl, string tenant, Cluster cluster)
    {
        ArgumentNullException.ThrowIfNull(cluster);
        return $"{publicUrl?.TrimEnd('/')}/spark/{Uri.EscapeDataString(tenant)}/{Uri.EscapeDataString(cluster.Name)}";
    }

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

    /// <summary>Everything but the root, in apply order; <paramref name="store"/> is the object store the spec names.</summary>
    public static IReadOnlyList<IKubernetesObject<V1ObjectMeta>> Children(Cluster cluster, string @namespace, V1OwnerReference owner, ObjectStore? store = null)
    {
        List<IKubernetesObject<V1ObjectMeta>> objects =
        [
            IntraClusterPolicy(cluster, @namespace, owner),
            MasterService(cluster, @namespace, owner),
            MasterDeployment(cluster, @namespace, owner, store),
            WorkerDeployment(cluster, @namespace, owner, store),
        ];
        if (cluster.Spec.SparkConnect)
        {
            objects.Add(ConnectService(cluster, @namespace, owner));
            objects.Add(ConnectDeployment(cluster, @namespace, owner, store));
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

    /// <summary>The master's stable address: RPC for workers and drivers, and its web UI.</summary>
    public static V1Service MasterService(Cluster cluster, string @namespace, V1OwnerReference owner) =>
        Service(cluster, @namespace, owner, MasterName(cluster), "master",
            [ServicePort("spark", MasterPort), ServicePort("ui", MasterUiPort)]);

    /// <summary>The Connect server's address: gRPC for clients, and its driver UI.</summary>
    public static V1Service ConnectService(Cluster cluster, string @namespace, V1OwnerReference owner) =>
        Service(cluster, @namespace, owner, ConnectName(cluster), "connect",
            [ServicePort("connect", ConnectPort), ServicePort("ui", DriverUiPort)]);

    /// <summary>
    /// tini, which the official images install (their Dockerfile's apt-get line) and their entrypoint.sh runs only for
    /// Kubernetes driver and executor modes: as PID 1 it passes SIGTERM on to the JVM (a shell as PID 1 drops it) and
    /// reaps the zombies of Python workers; -s as the entrypoint does.
    /// </summary>
    public const string Tini = "/usr/bin/tini";

    /// <summary>
    /// How long Kubernetes waits after SIGTERM: the JVM runs under tini, which passes the signal on, and Spark's
    /// shutdown hooks (a worker killing its executors, a driver ending its application) take seconds, not the
    /// default 30.
    /// </summary>
    public const long TerminationGraceSeconds = 15;

    /// <summary>The single Spark master, its daemon heap sized from the container's memory.</summary>
    public static V1Deployment MasterDeployment(Cluster cluster, string @namespace, V1OwnerReference owner, ObjectStore? store = null)
    {
        var memory = SparkMemory.Master(SparkMemory.ContainerMiB(cluster.Spec.MasterMemory));
        // spark-class exec's the JVM (bin/spark-class ends in `exec "${CMD[@]}"`), so under tini the Master is the
        // only child and receives SIGTERM; start-master.sh would wrap it in spark-daemon.sh's shell instead.
        var container = SparkContainer(cluster, "master", cluster.Spec.MasterCores, cluster.Spec.MasterMemory, cluster.Spec.MasterScratch,
            [
                Tini, "-s", "--", "/opt/spark/bin/spark-class", "org.apache.spark.deploy.master.Master",
                "--host", "$(POD_IP)", "--port", Invariant(MasterPort), "--webui-port", Invariant(MasterUiPort),
            ],
            [
                Env("SPARK_DAEMON_MEMORY", $"{memory.HeapMiB}m"),
                Env("SPARK_DAEMON_JAVA_OPTS", $"-XX:MaxDirectMemorySize={memory.DirectMiB}m"),
            ],
            [ContainerPort("spark", MasterPort), ContainerPort("ui", MasterUiPort)],
            MasterPort);

        // Recreate: two masters side by side would split the workers between them.
        return Deployment(cluster, @namespace, owner, MasterName(cluster), "master", replicas: 1, container, "Recreate", store, prepareEventLog: true);
    }

    /// <summary>
    /// The workers, <see cref="ClusterSpec.Workers"/> replicas registering with the master; each leaves room beside
    /// its daemon for one executor.
    /// </summary>
    public static V1Deployment WorkerDeployment(Cluster cluster, string @namespace, V1OwnerReference owner, ObjectStore? store = null)
    {
        var memory = SparkMemory.Worker(SparkMemory.ContainerMiB(cluster.Spec.WorkerMemory));
        var container = SparkContainer(cluster, "worker", cluster.Spec.WorkerCores, cluster.Spec.WorkerMemory, cluster.Spec.WorkerScratch,
            [
                Tini, "-s", "--", "/opt/spark/bin/spark-class", "org.apache.spark.deploy.worker.Worker",
                "--host", "$(POD_IP)", "--webui-port", Invariant(WorkerUiPort), MasterUrl(cluster, @namespace),
            ],
            [
                Env("SPARK_WORKER_CORES", Invariant(WorkerCores(cluster.Spec.WorkerCores))),
                // What the worker offers executors is the executor's heap: with spark.executor.memory set to the same
                // figure, each worker runs exactly one executor, and its overhead is budgeted beside it.
                Env("SPARK_WORKER_MEMORY", $"{memory.Executor.HeapMiB}m"),
                Env("SPARK_DAEMON_MEMORY", $"{memory.Daemon.HeapMiB}m"),
                Env("SPARK_DAEMON_JAVA_OPTS", $"-XX:MaxDirectMemorySize={memory.Daemon.DirectMiB}m"),
                // preferConfiguredMasterAddress: after a master restart, reconnect to the Service name given above, not
                // to the dead master's pod IP (apache/spark #17821). cleanup: finished applications' work dirs leave
                // the size-limited scratch volume.
                Env("SPARK_WORKER_OPTS", "-Dspark.worker.preferConfiguredMasterAddress=true -Dspark.worker.cleanup.enabled=true -Dspark.worker.cleanup.appDataTtl=3600"),
                Env("SPARK_WORKER_DIR", $"{ScratchDir}/work"),
            ],
            [ContainerPort("ui", WorkerUiPort)],
            WorkerUiPort);
        return Deployment(cluster, @namespace, owner, WorkerName(cluster), "worker", cluster.Spec.Workers, container, "RollingUpdate", store);
    }

    /// <summary>
    /// The Spark Connect server: the driver of every Connect session. Started with spark-submit and the server's
    /// class, as sbin/start-connect-server.sh does, but without its spark-daemon.sh shell, which as PID 1 would drop
    /// SIGTERM; spark-submit knows the class and needs no application jar (SparkSubmitCommandBuilder).
    /// </summary>
    public static V1Deployment ConnectDeployment(Cluster cluster, string @namespace, V1OwnerReference owner, ObjectStore? store = null)
    {
        var driver = SparkMemory.ConnectDriver(SparkMemory.ContainerMiB(cluster.Spec.MasterMemory));
        var container = SparkContainer(cluster, "connect", cluster.Spec.MasterCores, cluster.Spec.MasterMemory, cluster.Spec.MasterScratch,
            [
                Tini, "-s", "--", "/opt/spark/bin/spark-submit",
                "--class", ConnectServerClass,
                "--name", ConnectAppName,
                "--master", MasterUrl(cluster, @namespace),
                "--driver-memory", $"{driver.HeapMiB}m",
                "--driver-java-options", $"-XX:MaxDirectMemorySize={driver.DirectMiB}m",
                "--conf", "spark.driver.host=$(POD_IP)",
                "--conf", $"spark.driver.memoryOverhead={driver.OverheadMiB}m",
                .. ConnectScaling.SelectMany(c => new[] { "--conf", $"{c.Key}={c.Value}" }),
            ],
            [],
            [ContainerPort("connect", ConnectPort), ContainerPort("ui", DriverUiPort)],
            ConnectPort);
        container.LivenessProbe = ConnectLiveness(cluster, @namespace);
        return Deployment(cluster, @namespace, owner, ConnectName(cluster), "connect", replicas: 1, container, "Recreate", store, prepareEventLog: true);
    }

    /// <summary>Application name of the Connect server, as start-connect-server.sh names it.</summary>
    public const string ConnectAppName = "Spark Connect server";

    /// <summary>Main class of the Spark Connect server (sbin/start-connect-server.sh).</summary>
    public const string ConnectServerClass = "org.apache.spark.sql.connect.service.SparkConnectServer";

    /// <summary>
    /// The Connect server is an application that would otherwise hold every core of the cluster for its lifetime
    /// (standalone's spark.cores.max is unset by default): dynamic allocation lets it take executors while sessions
    /// run jobs and give them back when idle, so other applications on the cluster get cores. Shuffle tracking
    /// replaces the external shuffle service, which the workers don't run (docs/spark.md, "Process model").
    /// </summary>
    public static IReadOnlyDictionary<string, string> ConnectScaling { get; } = new SortedDictionary<string, string>(StringComparer.Ordinal)
    {
        ["spark.dynamicAllocation.enabled"] = "true",
        ["spark.dynamicAllocation.shuffleTracking.enabled"] = "true",
        ["spark.dynamicAllocation.minExecutors"] = "0",
        ["spark.dynamicAllocation.executorIdleTimeout"] = "60s",
        // Shuffle tracking keeps an executor holding shuffle data until that data is gone (default: forever).
        ["spark.dynamicAllocation.shuffleTracking.timeout"] = "30min",
    };

    /// <summary>
    /// A Connect server whose master went away (restarted, so without its applications) keeps serving sessions that
    /// can never get an executor: the driver's own UI stays up, so only the master can tell. The probe asks the
    /// driver for its application id and the master whether it still knows it; the image has wget (its Dockerfile
    /// installs it). Generous delays: a driver takes tens of seconds to start, and a master being replaced is
    /// back within a minute.
    /// </summary>
    static V1Probe ConnectLiveness(Cluster cluster, string @namespace) => new()
    {
        Exec = new V1ExecAction
        {
            Command =
            [
                "/bin/sh", "-c",
                $"app=$(wget -qO- http://127.0.0.1:{DriverUiPort}/api/v1/applications | grep -o '\"id\" *: *\"[^\"]*\"' | head -n 1 | cut -d '\"' -f 4) " +
                $"&& [ -n \"$app\" ] && wget -qO- http://{MasterName(cluster)}.{@namespace}.svc:{MasterUiPort}/json/ | grep -q \"$app\"",
            ],
        },
        InitialDelaySeconds = 90,
        PeriodSeconds = 30,
        TimeoutSeconds = 10,
        FailureThreshold = 3,
    };

    /// <summary>
    /// spark-defaults.conf: defaults sized from the spec, then the user's entries, then the keys the portal must
    /// control (master URL, bind address, ports, memory budget) which win over both. Sorted, so the same spec gives
    /// the same bytes. Written in java.util.Properties syntax, which is how Spark reads it
    /// (Utils.getPropertiesFromFile), so no value can run on into the next line.
    /// </summary>
    public static string SparkDefaults(Cluster cluster, string @namespace, string? uiProxyUrl = null, ObjectStore? store = null)
    {
        var memory = SparkMemory.Worker(SparkMemory.ContainerMiB(cluster.Spec.WorkerMemory));
        var conf = new SortedDictionary<string, string>(StringComparer.Ordinal)
        {
            ["spark.executor.cores"] = Invariant(WorkerCores(cluster.Spec.WorkerCores)),
        };
        foreach (var (key, value) in cluster.Spec.SparkConf)
        {
            conf[key] = value;
        }

        // The JVM honours the last of repeated -XX flags, so the portal's cap follows whatever the user set.
        conf["spark.executor.extraJavaOptions"] =
            $"{(conf.TryGetValue("spark.executor.extraJavaOptions", out var user) ? user + " " : "")}-XX:MaxDirectMemorySize={memory.Executor.DirectMiB}m";
        conf["spark.executor.memory"] = $"{memory.Executor.HeapMiB}m";
        conf["spark.executor.memoryOverhead"] = $"{memory.Executor.OverheadMiB}m";
        conf["spark.master"] = MasterUrl(cluster, @namespace);
        conf["spark.driver.bindAddress"] = "0.0.0.0";
        conf["spark.driver.port"] = Invariant(DriverPort);
        conf["spark.blockManager.port"] = Invariant(BlockManagerPort);
        conf["spark.ui.port"] = Invariant(DriverUiPort);
        conf["spark.connect.grpc.binding.port"] = Invariant(ConnectPort);
        conf["spark.local.dir"] = $"{ScratchDir}/local";
        if (uiProxyUrl is not null)
        {
            // The master proxies its workers' and applications' UIs and every UI links under this URL, so the portal
            // needs one route per cluster and no pod address ever reaches a browser.
            conf["spark.ui.reverseProxy"] = "true";
            conf["spark.ui.reverseProxyUrl"] = uiProxyUrl;
            // The portal proxies the UIs read-only (GET and HEAD), so no kill button that could not work is shown.
            conf["spark.ui.killEnabled"] = "false";
        }

        if (store is not null)
        {
            // Where s3a:// paths go. The key is not here: Spark copies AWS_ACCESS_KEY_ID and AWS_SECRET_ACCESS_KEY (the
            // store's Secret, in the environment) into fs.s3a.access.key and .secret.key of its in-memory Hadoop
            // configuration, which s3a's default credential chain reads (docs/spark.md, "Object storage").
            S3a(conf, store);
        }

        if (cluster.Spec.EventLog is { } eventLog)
        {
            conf["spark.eventLog.enabled"] = "true";
            conf["spark.eventLog.dir"] = StoragePaths.EventLogDirectory(eventLog, cluster.Spec.Volumes);
        }

        return PropertiesFormat.Write(conf);
    }

    /// <summary>The <c>spark.hadoop.fs.s3a.*</c> entries that point s3a:// paths at <paramref name="store"/>, without its key.</summary>
    public static void S3a(IDictionary<string, string> conf, ObjectStore store)
    {
        ArgumentNullException.ThrowIfNull(conf);
        ArgumentNullException.ThrowIfNull(store);
        conf["spark.hadoop.fs.s3a.endpoint"] = store.Endpoint;
        conf["spark.hadoop.fs.s3a.endpoint.region"] = store.Region;
        conf["spark.hadoop.fs.s3a.path.style.access"] = store.PathStyleAccess ? "true" : "false";
    }

    /// <summary>Annotation on pod templates carrying the object store's key version, so a rotated key restarts the pods.</summary>
    public const string KeyVersionAnnotation = Labels.Domain + "/object-store-key-version";

    /// <summary>Spark wants whole cores; a fractional request rounds up, and never below one.</summary>
    public static int WorkerCores(string quantity) =>
        Math.Max(1, (int)Math.Ceiling(new ResourceQuantity(quantity).ToDecimal()));

    /// <summary>
    /// Where every Spark pod's scratch emptyDir is mounted: spark.local.dir (shuffle, spill), the worker's work dir
    /// (executor logs, application files) and the JVM's temp files.
    /// </summary>
    public const string ScratchDir = "/tmp";

    static V1Service Service(Cluster cluster, string @namespace, V1OwnerReference owner, string name, string component, List<V1ServicePort> ports) => new()
    {
        ApiVersion = "v1",
        Kind = "Service",
        Metadata = Meta(cluster, @namespace, name, component, owner),
        Spec = new V1ServiceSpec { Type = "ClusterIP", Selector = Labels.Selector(cluster, component), Ports = ports },
    };

    static V1Deployment Deployment(Cluster cluster, string @namespace, V1OwnerReference owner, string name, string component,
        int replicas, V1Container container, string strategy, ObjectStore? store, bool prepareEventLog = false)
    {
        AddStorage(cluster, container, store);
        var annotations = new Dictionary<string, string> { [ConfigHashAnnotation] = ConfigHash(cluster, @namespace, store) };
        if (store is not null)
            annotations[KeyVersionAnnotation] = Invariant(store.KeyVersion);
        var pod = PodSpec(cluster, container, component == "worker" ? cluster.Spec.WorkerScratch : cluster.Spec.MasterScratch);
        if (prepareEventLog && EventLogPreparation(cluster, container) is { } prepare)
            pod.InitContainers = [prepare];
        return new()
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
                    Metadata = new V1ObjectMeta { Labels = Labels.ForCluster(cluster, component), Annotations = annotations },
                    Spec = pod,
                },
            },
        };
    }

    /// <summary>
    /// The tenant volumes the spec mounts, in the container at their paths under /mnt/data, and the object store's key
    /// in its environment, by reference to the store's Secret.
    /// </summary>
    static void AddStorage(Cluster cluster, V1Container container, ObjectStore? store)
    {
        foreach (var mount in cluster.Spec.Volumes)
        {
            container.VolumeMounts.Add(new V1VolumeMount { Name = PodVolumeName(mount), MountPath = StoragePaths.MountPath(mount), ReadOnlyProperty = mount.ReadOnly });
        }

        if (store is not null)
        {
            var secret = StorageManifests.SecretName(store.Name);
            container.Env.Add(SecretEnv(StorageManifests.AccessKeyIdVariable, secret));
            container.Env.Add(SecretEnv(StorageManifests.SecretKeyVariable, secret));
        }
    }

    static V1EnvVar SecretEnv(string name, string secret) => new()
    {
        Name = name,
        ValueFrom = new V1EnvVarSource { SecretKeyRef = new V1SecretKeySelector { Name = secret, Key = name } },
    };

    /// <summary>The pod volume of a tenant volume mount.</summary>
    public static string PodVolumeName(ClusterVolume mount)
    {
        ArgumentNullException.ThrowIfNull(mount);
        return $"vol-{mount.Volume}";
    }

    /// <summary>
    /// Spark refuses to start a driver whose event-log directory doesn't exist and never creates it (docs/spark.md,
    /// "Event logs"), so the drivers' pods create it first, as the spark user, with the same image and fences.
    /// </summary>
    static V1Container? EventLogPreparation(Cluster cluster, V1Container main)
    {
        if (cluster.Spec.EventLog is not { Volume: not null } eventLog)
            return null;
        return new V1Container
        {
            Name = "prepare-event-log",
            Image = main.Image,
            ImagePullPolicy = main.ImagePullPolicy,
            Command = ["/bin/mkdir", "-p", StoragePaths.LocalEventLogDirectory(eventLog, cluster.Spec.Volumes)],
            Resources = new V1ResourceRequirements
            {
                Requests = new Dictionary<string, ResourceQuantity>(main.Resources.Requests),
                Limits = new Dictionary<string, ResourceQuantity>(main.Resources.Limits),
            },
            SecurityContext = main.SecurityContext,
            VolumeMounts = [.. main.VolumeMounts.Where(m => m.Name.StartsWith("vol-", StringComparison.Ordinal))],
        };
    }

    // Pod Security "restricted": non-root as the image's spark user, no privilege escalation, no capabilities,
    // the runtime's default seccomp profile. No service-account token: Spark standalone never calls the API.
    static V1PodSpec PodSpec(Cluster cluster, V1Container container, string scratch) => new()
    {
        ServiceAccountName = TenantManifests.SparkServiceAccount,
        AutomountServiceAccountToken = false,
        EnableServiceLinks = false,
        TerminationGracePeriodSeconds = TerminationGraceSeconds,
        SecurityContext = RestrictedPodSecurity(),
        Containers = [container],
        Volumes =
        [
            new V1Volume { Name = "conf", ConfigMap = new V1ConfigMapVolumeSource { Name = RootName(cluster) } },
            // Size-limited: a pod whose spill outgrows it is evicted on its own, before it fills the node's disk.
            new V1Volume { Name = "scratch", EmptyDir = new V1EmptyDirVolumeSource { SizeLimit = new ResourceQuantity(scratch) } },
            .. cluster.Spec.Volumes.Select(m => new V1Volume
            {
                Name = PodVolumeName(m),
                PersistentVolumeClaim = new V1PersistentVolumeClaimVolumeSource { ClaimName = m.Volume, ReadOnlyProperty = m.ReadOnly },
            }),
        ],
    };

    /// <summary>
    /// Pod Security "restricted" for a Spark pod: non-root as the image's spark user (its group owns mounted volumes),
    /// the runtime's default seccomp profile.
    /// </summary>
    public static V1PodSecurityContext RestrictedPodSecurity() => new()
    {
        RunAsNonRoot = true,
        RunAsUser = SparkUserId,
        RunAsGroup = SparkUserId,
        FsGroup = SparkUserId,
        SeccompProfile = new V1SeccompProfile { Type = "RuntimeDefault" },
    };

    /// <summary>Pod Security "restricted" for a Spark container: also no privilege escalation and no capabilities.</summary>
    public static V1SecurityContext RestrictedContainerSecurity() => new()
    {
        RunAsNonRoot = true,
        RunAsUser = SparkUserId,
        AllowPrivilegeEscalation = false,
        Capabilities = new V1Capabilities { Drop = ["ALL"] },
        SeccompProfile = new V1SeccompProfile { Type = "RuntimeDefault" },
    };

    static V1Container SparkContainer(Cluster cluster, string name, string cpu, string memory, string scratch, List<string> command,
        List<V1EnvVar> env, List<V1ContainerPort> ports, int readinessPort)
    {
        var resources = new Dictionary<string, ResourceQuantity>
        {
            ["cpu"] = new ResourceQuantity(cpu),
            ["memory"] = new ResourceQuantity(memory),
            // The scratch volume plus logs and the writable layer: counted by the tenant's requests.ephemeral-storage.
            ["ephemeral-storage"] = new ResourceQuantity($"{ClusterDemand.PodEphemeralStorageMiB(scratch)}Mi"),
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
                Env("SPARK_LOCAL_DIRS", $"{ScratchDir}/local"),
                .. env,
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
            SecurityContext = RestrictedContainerSecurity(),
            VolumeMounts =
            [
                new V1VolumeMount { Name = "conf", MountPath = ConfDir, ReadOnlyProperty = true },
                new V1VolumeMount { Name = "scratch", MountPath = ScratchDir },
            ],
        };
    }

    static string ConfigHash(Cluster cluster, string @namespace, ObjectStore? store) =>
        Convert.ToHexStringLower(SHA256.HashData(Encoding.UTF8.GetBytes(SparkDefaults(cluster, @namespace, store: store))))[..16];

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
