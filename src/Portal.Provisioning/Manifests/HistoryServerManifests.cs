using System.Globalization;
using System.Security.Cryptography;

namespace Portal.Provisioning.Manifests;

/// <summary>
/// A tenant's Spark History Server as pure functions of its row: spark-defaults.conf, one pod of the official image's
/// history server reading the event logs, and a Service the portal proxies. Tenant-level objects (labelled with the
/// tenant, never a cluster), so the tenant's pass applies them and prunes them once the row is gone.
/// </summary>
public static class HistoryServerManifests
{
    /// <summary>Name of the ConfigMap, Deployment and Service.</summary>
    public const string Name = "spark-history";

    /// <summary>Component label of its objects.</summary>
    public const string Component = "history-server";

    /// <summary>The history server's web UI and REST API (<c>spark.history.ui.port</c>, Spark's default 18080).</summary>
    public const int UiPort = 18080;

    /// <summary>Main class of the history server (sbin/start-history-server.sh).</summary>
    public const string MainClass = "org.apache.spark.deploy.history.HistoryServer";

    const string ConfDir = "/etc/spark/conf";
    const string ConfFile = "spark-defaults.conf";
    const string LogVolume = "event-logs";

    /// <summary>
    /// Where the portal serves the history server, for <c>spark.ui.proxyBase</c>: absolute under
    /// <paramref name="publicUrl"/> when configured, as for the clusters' UIs (<see cref="ClusterManifests.UiProxyUrl"/>).
    /// </summary>
    public static string ProxyBase(string? publicUrl, string tenant) =>
        $"{publicUrl?.TrimEnd('/')}/spark-history/{Uri.EscapeDataString(tenant)}";

    /// <summary>Its objects, in apply order; <paramref name="store"/> is the object store it reads, if any.</summary>
    public static IReadOnlyList<IKubernetesObject<V1ObjectMeta>> For(Tenant tenant, HistoryServer server, string proxyBase, ObjectStore? store)
    {
        ArgumentNullException.ThrowIfNull(tenant);
        ArgumentNullException.ThrowIfNull(server);
        var conf = SparkDefaults(server, proxyBase, store);
        return [ConfigMap(tenant, conf), Service(tenant), Deployment(tenant, server, conf, store)];
    }

    /// <summary>The directory the history server reads, as a path inside its pod, for a log on a volume.</summary>
    public static string LocalLogDirectory(HistoryServer server)
    {
        ArgumentNullException.ThrowIfNull(server);
        return $"{StoragePaths.MountRoot}/{server.Source.Volume}/{server.Source.Path}";
    }

    /// <summary>spark-defaults.conf of the history server, sorted so the same row gives the same bytes.</summary>
    public static string SparkDefaults(HistoryServer server, string proxyBase, ObjectStore? store)
    {
        ArgumentNullException.ThrowIfNull(server);
        var conf = new SortedDictionary<string, string>(StringComparer.Ordinal)
        {
            ["spark.history.fs.logDirectory"] = server.Source.Volume is null ? $"s3a://{server.Source.Path}" : $"file:{LocalLogDirectory(server)}",
            ["spark.history.ui.port"] = UiPort.ToString(CultureInfo.InvariantCulture),
            // The links of every page go under the portal's path (UIUtils.uiRoot reads it; docs/spark.md).
            ["spark.ui.proxyBase"] = proxyBase,
        };
        if (store is not null)
            ClusterManifests.S3a(conf, store);

        return PropertiesFormat.Write(conf);
    }

    static V1ObjectMeta Meta(Tenant tenant) => new()
    {
        Name = Name,
        NamespaceProperty = tenant.Namespace,
        Labels = Labels.ForTenant(tenant.Id, Component),
    };

    static V1ConfigMap ConfigMap(Tenant tenant, string conf) => new()
    {
        ApiVersion = "v1",
        Kind = "ConfigMap",
        Metadata = Meta(tenant),
        Data = new Dictionary<string, string> { [ConfFile] = conf },
    };

    static V1Service Service(Tenant tenant) => new()
    {
        ApiVersion = "v1",
        Kind = "Service",
        Metadata = Meta(tenant),
        Spec = new V1ServiceSpec
        {
            Type = "ClusterIP",
            Selector = Selector(tenant),
            Ports = [new V1ServicePort { Name = "ui", Port = UiPort, TargetPort = "ui", Protocol = "TCP" }],
        },
    };

    static Dictionary<string, string> Selector(Tenant tenant) => new()
    {
        [Labels.TenantId] = tenant.Id.ToString(),
        [Labels.Component] = Component,
    };

    static V1Deployment Deployment(Tenant tenant, HistoryServer server, string conf, ObjectStore? store)
    {
        var memory = SparkMemory.Master(SparkMemory.ContainerMiB(server.Memory));
        var resources = new Dictionary<string, ResourceQuantity>
        {
            ["cpu"] = new(server.Cores),
            ["memory"] = new(server.Memory),
            ["ephemeral-storage"] = new(HistoryServer.EphemeralStorage),
        };
        List<V1EnvVar> env =
        [
            new() { Name = "SPARK_CONF_DIR", Value = ConfDir },
            new() { Name = "SPARK_DAEMON_MEMORY", Value = $"{memory.HeapMiB}m" },
            new() { Name = "SPARK_DAEMON_JAVA_OPTS", Value = $"-XX:MaxDirectMemorySize={memory.DirectMiB}m" },
        ];
        if (store is not null)
        {
            var secret = StorageManifests.SecretName(store.Name);
            env.Add(new V1EnvVar { Name = StorageManifests.AccessKeyIdVariable, ValueFrom = new V1EnvVarSource { SecretKeyRef = new V1SecretKeySelector { Name = secret, Key = StorageManifests.AccessKeyIdVariable } } });
            env.Add(new V1EnvVar { Name = StorageManifests.SecretKeyVariable, ValueFrom = new V1EnvVarSource { SecretKeyRef = new V1SecretKeySelector { Name = secret, Key = StorageManifests.SecretKeyVariable } } });
        }

        var mountPath = server.Source.Volume is { } volume ? $"{StoragePaths.MountRoot}/{volume}" : null;
        var container = new V1Container
        {
            Name = "history",
            Image = server.Image,
            ImagePullPolicy = "IfNotPresent",
            // spark-class exec's the JVM, so under tini the history server gets SIGTERM (as the cluster daemons).
            Command = [ClusterManifests.Tini, "-s", "--", "/opt/spark/bin/spark-class", MainClass],
            Env = env,
            Ports = [new V1ContainerPort { Name = "ui", ContainerPort = UiPort, Protocol = "TCP" }],
            Resources = new V1ResourceRequirements { Requests = resources, Limits = new Dictionary<string, ResourceQuantity>(resources) },
            ReadinessProbe = new V1Probe { TcpSocket = new V1TCPSocketAction { Port = UiPort }, PeriodSeconds = 5, FailureThreshold = 3 },
            SecurityContext = ClusterManifests.RestrictedContainerSecurity(),
            VolumeMounts =
            [
                new V1VolumeMount { Name = "conf", MountPath = ConfDir, ReadOnlyProperty = true },
                new V1VolumeMount { Name = "scratch", MountPath = ClusterManifests.ScratchDir },
                .. mountPath is null ? [] : new[] { new V1VolumeMount { Name = LogVolume, MountPath = mountPath, ReadOnlyProperty = true } },
            ],
        };
        var pod = new V1PodSpec
        {
            ServiceAccountName = TenantManifests.SparkServiceAccount,
            AutomountServiceAccountToken = false,
            EnableServiceLinks = false,
            TerminationGracePeriodSeconds = ClusterManifests.TerminationGraceSeconds,
            SecurityContext = ClusterManifests.RestrictedPodSecurity(),
            Containers = [container],
            Volumes =
            [
                new V1Volume { Name = "conf", ConfigMap = new V1ConfigMapVolumeSource { Name = Name } },
                new V1Volume { Name = "scratch", EmptyDir = new V1EmptyDirVolumeSource { SizeLimit = new ResourceQuantity("512Mi") } },
                .. server.Source.Volume is { } claim
                    ? new[] { new V1Volume { Name = LogVolume, PersistentVolumeClaim = new V1PersistentVolumeClaimVolumeSource { ClaimName = claim } } }
                    : [],
            ],
        };
        if (mountPath is not null)
        {
            // The history server reads its directory read-only and, like a driver, never creates it: a first start
            // before any cluster wrote a log would otherwise fail (docs/spark.md, "History server").
            pod.InitContainers =
            [
                new V1Container
                {
                    Name = "prepare-event-log",
                    Image = server.Image,
                    ImagePullPolicy = "IfNotPresent",
                    Command = ["/bin/mkdir", "-p", LocalLogDirectory(server)],
                    Resources = container.Resources,
                    SecurityContext = ClusterManifests.RestrictedContainerSecurity(),
                    VolumeMounts = [new V1VolumeMount { Name = LogVolume, MountPath = mountPath }],
                },
            ];
        }

        var annotations = new Dictionary<string, string>
        {
            [ClusterManifests.ConfigHashAnnotation] = Convert.ToHexStringLower(SHA256.HashData(Encoding.UTF8.GetBytes(conf)))[..16],
        };
        if (store is not null)
            annotations[ClusterManifests.KeyVersionAnnotation] = store.KeyVersion.ToString(CultureInfo.InvariantCulture);
        return new V1Deployment
        {
            ApiVersion = "apps/v1",
            Kind = "Deployment",
            Metadata = Meta(tenant),
            Spec = new V1DeploymentSpec
            {
                Replicas = 1,
                Selector = new V1LabelSelector { MatchLabels = Selector(tenant) },
                Strategy = new V1DeploymentStrategy { Type = "Recreate" },
                Template = new V1PodTemplateSpec
                {
                    Metadata = new V1ObjectMeta { Labels = Labels.ForTenant(tenant.Id, Component), Annotations = annotations },
                    Spec = pod,
                },
            },
        };
    }
}
