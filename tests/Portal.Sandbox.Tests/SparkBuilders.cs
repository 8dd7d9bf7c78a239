using k8s.Models;

namespace Portal.Sandbox.Tests;

/// <summary>
/// Spark standalone objects shaped like the portal's: Deployments whose containers start Spark's daemons under tini
/// (apache/spark images), and Services with named target ports.
/// </summary>
internal static class SparkBuilders
{
    public const string Image = "apache/spark:4.0.1-scala2.13-java21-python3-ubuntu";

    public static SparkDeploymentBuilder ASparkMaster(string name = "etl-master") => new(name, "master",
        ["/opt/spark/bin/spark-class", "org.apache.spark.deploy.master.Master", "--host", "$(POD_IP)", "--port", "7077", "--webui-port", "8080"],
        [Port("spark", 7077), Port("ui", 8080)]);

    public static SparkDeploymentBuilder ASparkWorker(string name = "etl-worker", string masterUrl = "spark://etl-master:7077") => new(name, "worker",
        ["/opt/spark/bin/spark-class", "org.apache.spark.deploy.worker.Worker", "--host", "$(POD_IP)", "--webui-port", "8081", masterUrl],
        [Port("ui", 8081)]);

    public static SparkDeploymentBuilder ASparkConnect(string name = "etl-connect", string masterUrl = "spark://etl-master.spark-x.svc.cluster.local:7077", params string[] conf) => new(name, "connect",
        ["/opt/spark/bin/spark-submit", "--class", "org.apache.spark.sql.connect.service.SparkConnectServer", "--master", masterUrl,
            .. conf.SelectMany(c => new[] { "--conf", c }), "spark-internal"],
        [Port("connect", 15002), Port("ui", 4040)]);

    public static V1Service AService(string name, params (string Name, int Port)[] ports) => new()
    {
        Metadata = new V1ObjectMeta { Name = name },
        Spec = new V1ServiceSpec
        {
            Selector = new Dictionary<string, string> { ["app"] = name },
            Ports = [.. ports.Select(p => new V1ServicePort { Name = p.Name, Port = p.Port, TargetPort = p.Name })],
        },
    };

    public static V1Service AMasterService(string name = "etl-master") => AService(name, ("spark", 7077), ("ui", 8080));

    public static V1Service AConnectService(string name = "etl-connect") => AService(name, ("connect", 15002), ("ui", 4040));

    /// <summary>A ConfigMap holding spark-defaults.conf with these lines.</summary>
    public static V1ConfigMap ASparkDefaults(string name, params string[] lines) => new()
    {
        Metadata = new V1ObjectMeta { Name = name },
        Data = new Dictionary<string, string> { ["spark-defaults.conf"] = string.Join('\n', lines) + "\n" },
    };

    static V1ContainerPort Port(string name, int port) => new() { Name = name, ContainerPort = port };
}

internal sealed class SparkDeploymentBuilder(string name, string container, string[] args, V1ContainerPort[] ports)
{
    readonly List<V1EnvVar> _env = [new() { Name = "POD_IP", ValueFrom = new V1EnvVarSource { FieldRef = new V1ObjectFieldSelector { FieldPath = "status.podIP" } } }];
    string _image = SparkBuilders.Image;
    V1Probe? _liveness;
    string? _confMap;

    public SparkDeploymentBuilder WithEnv(string key, string value)
    {
        _env.Add(new V1EnvVar { Name = key, Value = value });
        return this;
    }

    public SparkDeploymentBuilder WithCores(int cores) => WithEnv("SPARK_WORKER_CORES", cores.ToString(System.Globalization.CultureInfo.InvariantCulture));

    public SparkDeploymentBuilder WithMemory(string memory) => WithEnv("SPARK_WORKER_MEMORY", memory);

    public SparkDeploymentBuilder PreferringConfiguredMasterAddress() => WithEnv("SPARK_WORKER_OPTS", "-Dspark.worker.preferConfiguredMasterAddress=true");

    /// <summary>spark-defaults.conf from a ConfigMap mounted at SPARK_CONF_DIR, as the portal mounts its cluster's conf.</summary>
    public SparkDeploymentBuilder WithSparkDefaultsFrom(string configMap)
    {
        _confMap = configMap;
        return WithEnv("SPARK_CONF_DIR", "/etc/spark/conf");
    }

    public SparkDeploymentBuilder WithImage(string image)
    {
        _image = image;
        return this;
    }

    /// <summary>An HTTP liveness probe on the driver UI that gives up after one failed second.</summary>
    public SparkDeploymentBuilder WithLivenessProbe()
    {
        _liveness = new V1Probe { HttpGet = new V1HTTPGetAction { Path = "/api/v1/version", Port = "ui" }, PeriodSeconds = 1, FailureThreshold = 1 };
        return this;
    }

    public V1Deployment Build() => new()
    {
        ApiVersion = "apps/v1",
        Kind = "Deployment",
        Metadata = new V1ObjectMeta { Name = name },
        Spec = new V1DeploymentSpec
        {
            Replicas = 1,
            Selector = new V1LabelSelector { MatchLabels = new Dictionary<string, string> { ["app"] = name } },
            Template = new V1PodTemplateSpec
            {
                Metadata = new V1ObjectMeta { Labels = new Dictionary<string, string> { ["app"] = name } },
                Spec = new V1PodSpec
                {
                    Containers =
                    [
                        new V1Container
                        {
                            Name = container,
                            Image = _image,
                            Command = ["/usr/bin/tini", "--"],
                            Args = args,
                            Env = _env,
                            Ports = ports,
                            LivenessProbe = _liveness,
                            VolumeMounts = _confMap is null ? null : [new V1VolumeMount { Name = "conf", MountPath = "/etc/spark/conf" }],
                        },
                    ],
                    Volumes = _confMap is null ? null : [new V1Volume { Name = "conf", ConfigMap = new V1ConfigMapVolumeSource { Name = _confMap } }],
                },
            },
        },
    };
}
