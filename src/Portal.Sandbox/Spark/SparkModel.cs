namespace Portal.Sandbox.Spark;

/// <summary>
/// One run of a simulated Spark daemon: a container of an up (Running + Ready) pod, from when the sandbox saw it up
/// until its pod went away. A liveness restart ends the record and starts the next incarnation on the same pod.
/// </summary>
internal sealed class ProcessRecord(string podUid, string @namespace, string podName, IReadOnlyDictionary<string, string> labels,
    IReadOnlyDictionary<string, int> containerPorts, string podIp, SparkProcess process, int incarnation, DateTime started)
{
    public string PodUid { get; } = podUid;
    public string Namespace { get; } = @namespace;
    public string PodName { get; } = podName;
    public IReadOnlyDictionary<string, string> Labels { get; } = labels;
    /// <summary>The container's named ports, so a Service's targetPort name resolves as kube-proxy would resolve it.</summary>
    public IReadOnlyDictionary<string, int> ContainerPorts { get; } = containerPorts;
    public string PodIp { get; } = podIp;
    public SparkProcess Process { get; } = process;
    public int Incarnation { get; } = incarnation;
    public DateTime Started { get; } = started;
    public DateTime? Ended { get; set; }

    /// <summary>The event log this driver writes, once started; guarded by the simulation's lock.</summary>
    public EventLogFile? EventLog { get; set; }

    /// <summary>Whether the event log (or a history server's start check) needs nothing more from this run.</summary>
    public bool EventLogSettled { get; set; }

    /// <summary>Jobs of a Connect driver; guarded by the simulation's lock.</summary>
    public List<JobEntry> Jobs { get; } = [];
    public int NextJobId { get; set; }

    public string Id => $"{PodUid}/{Process.Container}/{Incarnation}";
    public bool Alive => Ended is null;
    public bool AliveAt(DateTime t) => Started <= t && (Ended is null || t < Ended);

    public string MasterUrl => $"spark://{Process.Host}:{Process.RpcPort}";
    public string WebUiUrl => $"http://{Process.Host}:{Process.UiPort}";

    /// <summary>Worker.generateWorkerId: <c>worker-yyyyMMddHHmmss-host-port</c> (spark.deploy.workerIdPattern).</summary>
    public string WorkerId => $"worker-{Started.ToString("yyyyMMddHHmmss", CultureInfo.InvariantCulture)}-{Process.Host}-{Process.RpcPort}";
}

/// <summary>An application as a master holds it (deploy/master/ApplicationInfo).</summary>
internal sealed class AppEntry(string id, string name, DateTime start, string user, int memoryPerExecutorMb, int? maxCores, int? coresPerExecutor, ProcessRecord? driver)
{
    public string Id { get; } = id;
    public string Name { get; } = name;
    public DateTime Start { get; } = start;
    public string User { get; } = user;
    public int MemoryPerExecutorMb { get; } = memoryPerExecutorMb;
    public int? MaxCores { get; } = maxCores;
    public int? CoresPerExecutor { get; } = coresPerExecutor;
    /// <summary>The Connect driver behind the app; null for an app started through the test hooks.</summary>
    public ProcessRecord? Driver { get; } = driver;
    public DateTime? End { get; set; }
    public string State { get; set; } = "WAITING";
    /// <summary>Spark moves an app to RUNNING once executors launch and never back to WAITING.</summary>
    public bool EverRan { get; set; }
}

/// <summary>Applications registered with one master process, in registration order.</summary>
internal sealed class MasterState
{
    public List<AppEntry> Apps { get; } = [];
    public HashSet<string> RegisteredDrivers { get; } = [];
    public int NextAppNumber { get; set; }
}

internal sealed class JobEntry(int id, string description, DateTime submitted)
{
    public int Id { get; } = id;
    public string Description { get; } = description;
    public DateTime Submitted { get; } = submitted;
    public DateTime? Completed { get; set; }
    /// <summary>JobExecutionStatus: RUNNING, SUCCEEDED, FAILED, UNKNOWN.</summary>
    public string Status { get; set; } = "RUNNING";
}

// Snapshots taken under the simulation's lock and written out after it, so no request holds the lock while writing.

internal sealed record WorkerView(string Id, string Host, int Port, string WebUiAddress, int Cores, int CoresUsed, int Memory, int MemoryUsed, string State, long LastHeartbeat);

/// <summary>An application as the master shows it; <paramref name="UiUrl"/> is its driver's UI (ApplicationDescription.appUiUrl), if it has one here.</summary>
internal sealed record AppView(string Id, long StartTime, string Name, int Cores, string User, int MemoryPerExecutor, DateTime SubmitDate, string State, long Duration, long? EndTime, int? MaxCores, string? UiUrl);

internal sealed record ExecutorView(int Id, int Cores, int Memory, AppView App);

/// <summary>A master's state; <paramref name="ProxyBase"/> is spark.ui.proxyBase when it runs as reverse proxy, else null.</summary>
internal sealed record MasterSnapshot(string Url, string WebUiUrl, string Version, string? ProxyBase, IReadOnlyList<WorkerView> Workers, IReadOnlyList<AppView> ActiveApps, IReadOnlyList<AppView> CompletedApps);

internal sealed record WorkerSnapshot(string Id, string MasterUrl, string MasterWebUiUrl, int Cores, int CoresUsed, int Memory, int MemoryUsed, IReadOnlyList<ExecutorView> Executors, string Version, string WebUiUrl);

internal sealed record JobView(int Id, string Description, DateTime Submitted, DateTime? Completed, string Status);

internal sealed record DriverSnapshot(string AppId, string Name, DateTime Started, string User, string Version, IReadOnlyList<JobView> Jobs);

/// <summary>A Connect server as its gRPC service knows itself: which process (a restart is another), its Spark version and conf.</summary>
internal sealed record ConnectServerInfo(string ProcessId, string Namespace, string PodName, string SparkVersion, IReadOnlyDictionary<string, string> Conf);
