using System.Net;
using Portal.Sandbox.Api;
using Portal.Sandbox.Controllers;

namespace Portal.Sandbox.Spark;

/// <summary>
/// Simulated Spark standalone daemons in the sandbox's pods: masters, workers and Spark Connect servers are
/// recognised from their container commands, and answer through the service proxy with Spark's own JSON and pages.
/// Test hooks submit applications and Connect jobs as a notebook or a Connect client would.
/// </summary>
/// <remarks>
/// Registration is computed from when each daemon was seen up, not scheduled: a worker or driver registers with the
/// master behind its <c>spark://</c> URL <see cref="SandboxOptions.SparkRegistrationDelay"/> after both are up, so the
/// same history always gives the same answer. Only liveness restarts are acted out (by the controller loop).
/// </remarks>
public sealed partial class SparkSimulation
{
    readonly object _gate = new();
    readonly Registry _registry;
    readonly SandboxOptions _options;
    readonly List<ProcessRecord> _records = [];
    readonly Dictionary<(string PodUid, string Container), ProcessRecord> _latest = [];
    readonly Dictionary<string, MasterState> _masters = [];

    internal SparkSimulation(Registry registry, SandboxOptions options)
    {
        _registry = registry;
        _options = options;
    }

    /// <summary>The simulated contents of the claims' volumes, where daemons write event logs and the history server reads them.</summary>
    public Volumes.VolumeFiles Volumes { get; } = new();

    TimeSpan Delay => _options.SparkRegistrationDelay;

    /// <summary>
    /// Registers an application (as spark-submit or a notebook's SparkSession would) with the master process behind
    /// <paramref name="masterService"/>; returns its id (<c>app-yyyyMMddHHmmss-NNNN</c>). Without <paramref name="maxCores"/>
    /// it takes every free core, as Spark does with <c>spark.cores.max</c> unset.
    /// </summary>
    /// <exception cref="InvalidOperationException">No master is up behind the service.</exception>
    public string StartApplication(string @namespace, string masterService, string name = "Spark shell", int? maxCores = null)
    {
        lock (_gate)
        {
            var now = Refresh(@namespace);
            var master = ProcessBehind(@namespace, masterService, SparkRole.Master)
                ?? throw new InvalidOperationException($"No Spark master is up behind service {@namespace}/{masterService}.");
            var state = Sync(master, now);
            var app = new AppEntry(NewAppId(state, now), name, now, "spark", 1024, maxCores, null, null);
            state.Apps.Add(app);
            return app.Id;
        }
    }

    /// <summary>Finishes an application on whichever live master in <paramref name="namespace"/> holds it: it moves to completedapps as FINISHED.</summary>
    /// <exception cref="InvalidOperationException">No live master in the namespace knows the application.</exception>
    public void FinishApplication(string @namespace, string appId)
    {
        lock (_gate)
        {
            var now = Refresh(@namespace);
            foreach (var master in _records.Where(r => r.Process.Role == SparkRole.Master && r.Namespace == @namespace && r.Alive))
            {
                if (Sync(master, now).Apps.FirstOrDefault(a => a.Id == appId) is not { } app) continue;
                if (app.End is null)
                {
                    app.End = now;
                    app.State = "FINISHED";
                }
                return;
            }
            throw new InvalidOperationException($"No live Spark master in namespace {@namespace} has application {appId}.");
        }
    }

    /// <summary>Starts a RUNNING job on the Connect server's driver behind <paramref name="connectService"/>; returns its job id.</summary>
    /// <exception cref="InvalidOperationException">No registered Connect driver is up behind the service.</exception>
    public int StartConnectJob(string @namespace, string connectService, string description = "collect at <stdin>:1")
    {
        lock (_gate)
        {
            var now = Refresh(@namespace);
            var driver = ServingDriverBehind(@namespace, connectService, now);
            var job = new JobEntry(driver.NextJobId++, description, now);
            driver.Jobs.Add(job);
            return job.Id;
        }
    }

    /// <summary>Ends a job started by <see cref="StartConnectJob"/> as SUCCEEDED or FAILED.</summary>
    /// <exception cref="InvalidOperationException">No registered Connect driver behind the service, or no such running job.</exception>
    public void FinishConnectJob(string @namespace, string connectService, int jobId, bool succeeded = true)
    {
        lock (_gate)
        {
            var now = Refresh(@namespace);
            var driver = ServingDriverBehind(@namespace, connectService, now);
            var job = driver.Jobs.FirstOrDefault(j => j.Id == jobId && j.Status == "RUNNING")
                ?? throw new InvalidOperationException($"The Connect driver behind {@namespace}/{connectService} has no running job {jobId}.");
            job.Status = succeeded ? "SUCCEEDED" : "FAILED";
            job.Completed = now;
        }
    }

    ProcessRecord ServingDriverBehind(string ns, string service, DateTime now) =>
        ProcessBehind(ns, service, SparkRole.Connect) is { } driver && Serving(driver, now)
            ? driver
            : throw new InvalidOperationException($"No registered Spark Connect driver is up behind service {ns}/{service}.");

    /// <summary>What the simulated daemon on <paramref name="pod"/> answers on <paramref name="port"/>.</summary>
    internal Listener ListenerOn(JsonObject pod, int port)
    {
        lock (_gate)
        {
            var now = Refresh(pod.Namespace() ?? "default");
            foreach (var record in _records.Where(r => r.Alive && r.PodUid == pod.Uid()))
            {
                var p = record.Process;
                if (port == p.UiPort)
                {
                    return p.Role switch
                    {
                        SparkRole.Master => new Listener.MasterUi(MasterSnapshotOf(record, now), id => ProxyTarget(record, id)),
                        SparkRole.Worker => new Listener.WorkerUi(WorkerSnapshotOf(record, now)),
                        // A history server whose log directory is missing exits before it serves (FsHistoryProvider's init thread).
                        SparkRole.HistoryServer => HistorySnapshotOf(record) is { } history ? new Listener.HistoryUi(history) : Listener.Refused,
                        // A driver that has not registered yet, or lost its master, has no UI to answer with.
                        _ => DriverSnapshotOf(record, now) is { } driver ? new Listener.DriverUi(driver) : Listener.Refused,
                    };
                }
                if (p.Role != SparkRole.Connect && port == p.RpcPort) return Listener.NotHttp;
                // The gRPC server starts once the SparkContext is up, which in standalone mode waits for the master
                // (StandaloneSchedulerBackend.waitForRegistration): like the UI, it answers while the driver is registered.
                if (p.Role == SparkRole.Connect && port == p.ConnectPort)
                    return DriverSnapshotOf(record, now) is { } driver ? new Listener.ConnectServer(ConnectServerOf(record, driver)) : Listener.Refused;
            }
            return Listener.Refused;
        }
    }

    static ConnectServerInfo ConnectServerOf(ProcessRecord record, DriverSnapshot driver)
    {
        // What the driver's SparkConf holds beyond the submitted conf: SparkContext sets the app id once registered.
        var conf = new Dictionary<string, string>(record.Process.SparkConf, StringComparer.Ordinal)
        {
            ["spark.app.id"] = driver.AppId,
            ["spark.app.name"] = record.Process.AppName,
            ["spark.submit.deployMode"] = "client",
        };
        return new ConnectServerInfo(record.Id, record.Namespace, record.PodName, record.Process.SparkVersion, conf);
    }

    /// <summary>
    /// Master.idToUiAddress behind the master UI's <c>/proxy/{id}/</c>: a registered live worker's UI or an unfinished
    /// application's driver UI; null for an id the master doesn't know (its proxy servlet then answers 403).
    /// </summary>
    Listener? ProxyTarget(ProcessRecord master, string id)
    {
        lock (_gate)
        {
            var now = Refresh(master.Namespace);
            if (!master.Alive) return Listener.Refused;
            if (WorkersOf(master, now).FirstOrDefault(w => w.Worker.Alive && w.Worker.WorkerId == id).Worker is { } worker)
                return new Listener.WorkerUi(WorkerSnapshotOf(worker, now));
            if (Sync(master, now).Apps.FirstOrDefault(a => a.Id == id && a.End is null) is not { } app) return null;
            // An app without a driver UI here (one the test hooks started) has nothing to reach.
            return app.Driver is { } d && DriverSnapshotOf(d, now) is { } driver ? new Listener.DriverUi(driver) : Listener.Refused;
        }
    }

    /// <summary>
    /// The master's own UI address as it hands it to workers: under spark.ui.reverseProxy with a reverseProxyUrl, that
    /// URL with one trailing slash (Master.onStart), else <c>http://host:port</c>.
    /// </summary>
    static string MasterWebUiUrl(ProcessRecord master) =>
        ProxyBase(master) is { Length: > 0 } url ? url + "/" : master.WebUiUrl;

    /// <summary>spark.ui.proxyBase as Master.onStart sets it: the reverseProxyUrl without its trailing slash; "" without one; null when reverse proxy is off.</summary>
    static string? ProxyBase(ProcessRecord master)
    {
        var conf = master.Process.SparkConf;
        if (!(conf.TryGetValue("spark.ui.reverseProxy", out var on) && on.Trim().Equals("true", StringComparison.OrdinalIgnoreCase))) return null;
        return conf.TryGetValue("spark.ui.reverseProxyUrl", out var url) ? url.Trim().TrimEnd('/') : "";
    }

    /// <summary>
    /// Brings the records of <paramref name="ns"/> up to date with its pods: a pod seen Running + Ready starts its
    /// daemons, one gone, replaced or no longer ready ends them. Called on every pod change and every request, so a
    /// request never sees a daemon the pods contradict.
    /// </summary>
    DateTime Refresh(string ns)
    {
        var now = DateTime.UtcNow;
        var pods = _registry.List(ResourceCatalog.Pods, ns, LabelSelector.Everything, FieldSelector.Everything).Items.ToDictionary(p => p.Name());
        foreach (var record in _records.Where(r => r.Alive && r.Namespace == ns))
            if (!pods.TryGetValue(record.PodName, out var pod) || pod.Uid() != record.PodUid || !IsUp(pod))
                record.Ended = now;
        foreach (var pod in pods.Values.Where(IsUp))
        {
            foreach (var process in SparkProcess.In(pod, name => _registry.TryGet(ResourceCatalog.ConfigMaps, ns, name)))
            {
                var restarts = (int)(pod.Objects("status", "containerStatuses").FirstOrDefault(s => s.Str("name") == process.Container)?.Int("restartCount") ?? 0);
                // A container the kubelet restarted after a crash is a new run; otherwise one run per container.
                if (_latest.TryGetValue((pod.Uid(), process.Container), out var last) && (last.Alive || last.Incarnation >= restarts)) continue;
                var container = pod.Objects("spec", "containers").First(c => c.Str("name") == process.Container);
                var ports = container.Objects("ports").Where(p => p.Str("name") is not null && p.Int("containerPort") is not null)
                    .ToDictionary(p => p.Str("name")!, p => (int)p.Int("containerPort")!.Value);
                var record = new ProcessRecord(pod.Uid(), ns, pod.Name(), pod.Labels(), ports, pod.Str("status", "podIP") ?? "", process, restarts, now);
                _records.Add(record);
                _latest[(pod.Uid(), process.Container)] = record;
            }
        }
        return now;
    }

    static bool IsUp(JsonObject pod) =>
        pod.Str("status", "phase") == "Running" && !pod.IsDeleting()
        && pod.Objects("status", "conditions").Any(c => c.Str("type") == "Ready" && c.Str("status") == "True");

    /// <summary>The live daemon of <paramref name="role"/> on the pod the service proxy would pick for <paramref name="service"/>.</summary>
    ProcessRecord? ProcessBehind(string ns, string service, SparkRole role)
    {
        if (_registry.TryGet(ResourceCatalog.Services, ns, service) is not { } svc) return null;
        foreach (var pod in Endpoints.ReadyPods(_registry, svc))
            if (_records.FirstOrDefault(r => r.Alive && r.PodUid == pod.Uid() && r.Process.Role == role) is { } record) return record;
        return null;
    }

    /// <summary>
    /// The first host and port of the client's <c>spark://</c> URL (7077 when it names none), and for a DNS name the
    /// Service and namespace it resolves in; null when the URL is not spark:// or the name is not a Service's.
    /// </summary>
    static (string Host, int Port, string? Service, string? Namespace)? MasterAddress(ProcessRecord client)
    {
        if (client.Process.MasterUrl is not { } url || !url.StartsWith("spark://", StringComparison.Ordinal)) return null;
        var first = url["spark://".Length..].Split(',')[0].TrimEnd('/');
        var colon = first.LastIndexOf(':');
        var host = colon < 0 ? first : first[..colon];
        var port = colon >= 0 && int.TryParse(first[(colon + 1)..], CultureInfo.InvariantCulture, out var p) ? p : 7077;
        if (IPAddress.TryParse(host, out _)) return (host, port, null, null);

        // <svc>, <svc>.<ns>, <svc>.<ns>.svc, <svc>.<ns>.svc.cluster.local
        var parts = host.Split('.');
        if (parts.Length > 2 && parts[2] != "svc") return null;
        return (host, port, parts[0], parts.Length > 1 ? parts[1] : client.Namespace);
    }

    /// <summary>
    /// Whether <paramref name="master"/> can be among <see cref="MastersFor"/> the client at all: its pod IP, or its
    /// namespace, is the one the URL names. Cheap (no registry read), so callers that ask about one master filter with
    /// it first: resolving every worker of the sandbox against every master made each read of a master's
    /// <c>json/</c> O(workers × masters) under the one lock (1.5 s per read with 1,000 clusters).
    /// </summary>
    static bool MayReach(ProcessRecord client, ProcessRecord master) =>
        MasterAddress(client) is { } address && (address.Namespace is { } ns ? master.Namespace == ns : master.PodIp == address.Host);

    /// <summary>Masters the client's <c>spark://</c> URL reaches: through its Service (any form of the DNS name) or a pod IP.</summary>
    IEnumerable<ProcessRecord> MastersFor(ProcessRecord client)
    {
        if (MasterAddress(client) is not var (host, port, service, ns)) return [];
        var masters = _records.Where(r => r.Process.Role == SparkRole.Master);
        if (ns is null || service is null)
            return masters.Where(m => m.PodIp == host && m.Process.RpcPort == port).OrderBy(m => m.Started).ToList();

        if (_registry.TryGet(ResourceCatalog.Services, ns, service) is not { } svc) return [];
        if (svc.Objects("spec", "ports").FirstOrDefault(sp => sp.Int("port") == port) is not { } servicePort) return [];
        var selector = Json.StringMap(svc.Node("spec", "selector"));
        if (selector.Count == 0) return [];
        return masters
            .Where(m => m.Namespace == ns && selector.All(s => m.Labels.TryGetValue(s.Key, out var v) && v == s.Value)
                && Endpoints.TargetPort(servicePort, m.ContainerPorts) == m.Process.RpcPort)
            .OrderBy(m => m.Started).ThenBy(m => m.Id, StringComparer.Ordinal).ToList();
    }

    /// <summary>
    /// When the client registers with which master. The first registration needs both up for the delay. After that
    /// master dies, only a worker with spark.worker.preferConfiguredMasterAddress=true re-registers through the
    /// configured address (apache/spark#17821); others keep dialling the dead master's pod IP and never register again.
    /// </summary>
    List<(ProcessRecord Master, DateTime At)> Registrations(ProcessRecord client)
    {
        var result = new List<(ProcessRecord Master, DateTime At)>();
        var reconnects = client.Process is { Role: SparkRole.Worker, PreferConfiguredMasterAddress: true };
        foreach (var master in MastersFor(client))
        {
            var from = client.Started > master.Started ? client.Started : master.Started;
            if (result.Count > 0)
            {
                if (!reconnects || result[^1].Master.Ended is not { } lost) break;
                if (lost > from) from = lost;
            }
            var at = from + Delay;
            if (master.Ended is { } masterEnd && at >= masterEnd) continue;
            if (client.Ended is { } clientEnd && at >= clientEnd) break;
            result.Add((master, at));
        }
        return result;
    }

    (ProcessRecord Master, DateTime At)? LastRegistration(ProcessRecord client, DateTime now) =>
        Registrations(client).Where(r => r.At <= now).Select(r => ((ProcessRecord, DateTime)?)r).LastOrDefault();

    /// <summary>The master the client is registered with now, if it is still alive.</summary>
    ProcessRecord? CurrentMaster(ProcessRecord client, DateTime now) =>
        LastRegistration(client, now) is { Master.Alive: true } r ? r.Master : null;

    /// <summary>A driver serves its UI while it is registered with a live master.</summary>
    bool Serving(ProcessRecord driver, DateTime now) => driver.Alive && CurrentMaster(driver, now) is not null;

    /// <summary>When the driver lost its master, if it did: "All masters are unresponsive".</summary>
    internal DateTime? LostAt(ProcessRecord driver, DateTime now) =>
        LastRegistration(driver, now) is { Master.Ended: { } lost } ? lost : null;

    static string NewAppId(MasterState state, DateTime at) =>
        // Master.newApplicationId: spark.deploy.appIdPattern "app-%s-%04d" over yyyyMMddHHmmss.
        $"app-{at.ToString("yyyyMMddHHmmss", CultureInfo.InvariantCulture)}-{state.NextAppNumber++:D4}";

    /// <summary>The master's applications, with Connect drivers that have registered by <paramref name="now"/> added in registration order.</summary>
    MasterState Sync(ProcessRecord master, DateTime now)
    {
        if (!_masters.TryGetValue(master.Id, out var state)) _masters[master.Id] = state = new MasterState();
        var registered = _records
            .Where(r => r.Process.Role == SparkRole.Connect && !state.RegisteredDrivers.Contains(r.Id))
            .Select(r => (Driver: r, First: Registrations(r).Select(x => ((ProcessRecord Master, DateTime At)?)x).FirstOrDefault()))
            .Where(x => x.First is { } f && f.Master == master && f.At <= now)
            .OrderBy(x => x.First!.Value.At)
            .ToList();
        foreach (var (driver, first) in registered)
        {
            var at = first!.Value.At;
            var p = driver.Process;
            state.RegisteredDrivers.Add(driver.Id);
            // Under dynamic allocation each executor has spark.executor.cores (1 unless set); otherwise one executor per worker takes what it can.
            state.Apps.Add(new AppEntry(NewAppId(state, at), p.AppName, at, p.User, p.ExecutorMemoryMb, p.MaxCores,
                p.DynamicAllocation ? p.ExecutorCores ?? 1 : p.ExecutorCores, driver));
        }
        // Master.onDisconnected: a driver that goes away finishes its app (ApplicationState.FINISHED).
        foreach (var app in state.Apps.Where(a => a.End is null && a.Driver is { Ended: not null }))
        {
            app.End = app.Driver!.Ended;
            app.State = "FINISHED";
        }
        return state;
    }

    /// <summary>Workers that registered with <paramref name="master"/>; one that went away stays listed as DEAD, as in Spark.</summary>
    List<(ProcessRecord Worker, DateTime At)> WorkersOf(ProcessRecord master, DateTime now) =>
        _records.Where(r => r.Process.Role == SparkRole.Worker && MayReach(r, master))
            .SelectMany(w => Registrations(w).Where(r => r.Master == master && r.At <= now).Select(r => (Worker: w, r.At)))
            .OrderBy(w => w.Worker.WorkerId, StringComparer.Ordinal)
            .ToList();

    sealed record Executor(AppEntry App, int Id, int Cores, int Memory);

    /// <summary>
    /// Spark standalone scheduling, simplified: apps in registration order, executors spread one unit at a time over
    /// workers with enough free cores and memory (spark.deploy.spreadOut). Recomputed on each read, so dynamic
    /// allocation's demand (running jobs × executor cores) is followed at once.
    /// </summary>
    /// <remarks>NOTE: recomputing means an older app whose demand grows takes cores back from a younger one; Spark never preempts.</remarks>
    static (Dictionary<AppEntry, int> Granted, Dictionary<ProcessRecord, List<Executor>> Executors) Allocate(MasterState state, IReadOnlyList<ProcessRecord> workers)
    {
        var free = workers.ToDictionary(w => w, w => (Cores: w.Process.Cores, Memory: w.Process.MemoryMb));
        var executors = workers.ToDictionary(w => w, _ => new List<Executor>());
        var granted = new Dictionary<AppEntry, int>();
        foreach (var app in state.Apps.Where(a => a.End is null))
        {
            var want = Demand(app);
            var unit = app.CoresPerExecutor ?? 1;
            var got = 0;
            var nextExecutor = 0;
            var perWorker = new Dictionary<ProcessRecord, int>();
            for (var progress = true; progress && got + unit <= want;)
            {
                progress = false;
                foreach (var w in workers)
                {
                    if (got + unit > want) break;
                    var f = free[w];
                    var newExecutor = app.CoresPerExecutor is not null || !perWorker.ContainsKey(w);
                    if (f.Cores < unit || (newExecutor && f.Memory < app.MemoryPerExecutorMb)) continue;
                    free[w] = (f.Cores - unit, f.Memory - (newExecutor ? app.MemoryPerExecutorMb : 0));
                    perWorker[w] = perWorker.GetValueOrDefault(w) + unit;
                    if (app.CoresPerExecutor is not null) executors[w].Add(new Executor(app, nextExecutor++, unit, app.MemoryPerExecutorMb));
                    got += unit;
                    progress = true;
                }
            }
            if (app.CoresPerExecutor is null)
                foreach (var (w, cores) in perWorker) executors[w].Add(new Executor(app, nextExecutor++, cores, app.MemoryPerExecutorMb));
            granted[app] = got;
            app.EverRan |= got > 0;
            app.State = app.EverRan ? "RUNNING" : "WAITING";
        }
        return (granted, executors);
    }

    static int Demand(AppEntry app)
    {
        var cap = app.MaxCores ?? int.MaxValue;
        if (app.Driver is { Process.DynamicAllocation: true } driver)
            return (int)Math.Min(cap, (long)driver.Jobs.Count(j => j.Status == "RUNNING") * (app.CoresPerExecutor ?? 1));
        return cap;
    }

    MasterSnapshot MasterSnapshotOf(ProcessRecord master, DateTime now)
    {
        var state = Sync(master, now);
        var workers = WorkersOf(master, now);
        var alive = workers.Where(w => w.Worker.Alive).Select(w => w.Worker).ToList();
        var (granted, executors) = Allocate(state, alive);
        var workerViews = workers.Select(w =>
        {
            var used = executors.TryGetValue(w.Worker, out var list) ? list : [];
            var heartbeat = w.At + TimeSpan.FromTicks((Min(now, w.Worker.Ended) - w.At).Ticks / HeartbeatInterval.Ticks * HeartbeatInterval.Ticks);
            return new WorkerView(w.Worker.WorkerId, w.Worker.Process.Host, w.Worker.Process.RpcPort, w.Worker.WebUiUrl,
                w.Worker.Process.Cores, used.Sum(e => e.Cores), w.Worker.Process.MemoryMb, used.Sum(e => e.Memory),
                w.Worker.Alive ? "ALIVE" : "DEAD", Millis(heartbeat));
        }).ToList();
        return new MasterSnapshot(master.MasterUrl, master.WebUiUrl, master.Process.SparkVersion, ProxyBase(master), workerViews,
            state.Apps.Where(a => a.End is null).Select(a => ViewOf(a, granted.GetValueOrDefault(a), now)).ToList(),
            state.Apps.Where(a => a.End is not null).Select(a => ViewOf(a, 0, now)).ToList());
    }

    // Worker.scala sends a heartbeat every spark.worker.timeout / 4 = 15 s.
    static readonly TimeSpan HeartbeatInterval = TimeSpan.FromSeconds(15);

    static DateTime Min(DateTime a, DateTime? b) => b is { } v && v < a ? v : a;

    WorkerSnapshot WorkerSnapshotOf(ProcessRecord worker, DateTime now)
    {
        var last = LastRegistration(worker, now);
        var executors = new List<ExecutorView>();
        if (last is { Master.Alive: true } current)
        {
            var state = Sync(current.Master, now);
            var alive = WorkersOf(current.Master, now).Where(w => w.Worker.Alive).Select(w => w.Worker).ToList();
            var (granted, byWorker) = Allocate(state, alive);
            if (byWorker.TryGetValue(worker, out var mine))
                executors.AddRange(mine.Select(e => new ExecutorView(e.Id, e.Cores, e.Memory, ViewOf(e.App, granted.GetValueOrDefault(e.App), now))));
        }
        // Worker.activeMasterUrl starts empty and keeps the last master's address after it dies.
        return new WorkerSnapshot(worker.WorkerId, last?.Master.MasterUrl ?? "", last is { } l ? MasterWebUiUrl(l.Master) : "",
            worker.Process.Cores, executors.Sum(e => e.Cores), worker.Process.MemoryMb, executors.Sum(e => e.Memory),
            executors, worker.Process.SparkVersion, worker.WebUiUrl);
    }

    DriverSnapshot? DriverSnapshotOf(ProcessRecord driver, DateTime now)
    {
        if (!driver.Alive || CurrentMaster(driver, now) is not { } master) return null;
        var app = Sync(master, now).Apps.First(a => a.Driver == driver);
        var jobs = driver.Jobs.Select(j => new JobView(j.Id, j.Description, j.Submitted, j.Completed, j.Status)).ToList();
        return new DriverSnapshot(app.Id, driver.Process.AppName, driver.Started, driver.Process.User, driver.Process.SparkVersion, jobs);
    }

    static AppView ViewOf(AppEntry app, int granted, DateTime now) =>
        new(app.Id, Millis(app.Start), app.Name, granted, app.User, app.MemoryPerExecutorMb, app.Start, app.State,
            (long)((app.End ?? now) - app.Start).TotalMilliseconds, app.End is { } end ? Millis(end) : null, app.MaxCores,
            app.Driver?.WebUiUrl);

    internal static long Millis(DateTime t) => new DateTimeOffset(DateTime.SpecifyKind(t, DateTimeKind.Utc)).ToUnixTimeMilliseconds();

    /// <summary>
    /// The kubelet's side of a lost Connect driver: its liveness probe fails, so after periodSeconds × failureThreshold
    /// the container is restarted (restartCount + 1, lastState.terminated) and the new driver registers afresh.
    /// Returns when to look again for drivers still waiting on their probe.
    /// </summary>
    internal TimeSpan? RestartLostDrivers(string ns, EventRecorder events)
    {
        lock (_gate)
        {
            var now = Refresh(ns);
            TimeSpan? next = null;
            foreach (var driver in _records.Where(r => r.Alive && r.Namespace == ns && r.Process is { Role: SparkRole.Connect, LivenessProbe: not null }).ToList())
            {
                if (LostAt(driver, now) is not { } lost) continue;
                var probe = driver.Process.LivenessProbe!;
                // Probe defaults: periodSeconds 10, failureThreshold 3.
                var due = lost + TimeSpan.FromSeconds((probe.Int("periodSeconds") ?? 10) * (probe.Int("failureThreshold") ?? 3));
                if (due > now)
                {
                    next = next is { } n && n < due - now ? n : due - now;
                    continue;
                }
                Restart(driver, probe, now, events);
            }
            return next;
        }
    }

    void Restart(ProcessRecord driver, JsonObject probe, DateTime now, EventRecorder events)
    {
        if (_registry.TryGet(ResourceCatalog.Pods, driver.Namespace, driver.PodName) is not { } pod || pod.Uid() != driver.PodUid) return;
        var next = pod.Clone();
        var status = next.Objects("status", "containerStatuses").FirstOrDefault(s => s.Str("name") == driver.Process.Container);
        if (status is null) return;
        var stamp = now.ToString("yyyy-MM-dd'T'HH:mm:ss'Z'", CultureInfo.InvariantCulture);
        var restarts = (int)(status.Int("restartCount") ?? 0) + 1;
        status["lastState"] = new JsonObject
        {
            ["terminated"] = new JsonObject
            {
                // tini forwards the kubelet's SIGTERM; the JVM exits 128 + 15.
                ["exitCode"] = 143,
                ["reason"] = "Error",
                ["startedAt"] = status.Str("state", "running", "startedAt") ?? stamp,
                ["finishedAt"] = stamp,
                ["containerID"] = status.Str("containerID"),
            },
        };
        status["state"] = new JsonObject { ["running"] = new JsonObject { ["startedAt"] = stamp } };
        status["restartCount"] = restarts;
        status["containerID"] = $"containerd://{Convert.ToHexStringLower(System.Security.Cryptography.RandomNumberGenerator.GetBytes(32))}";
        var updated = _registry.Update(ResourceCatalog.Pods, driver.Namespace, driver.PodName, next, statusOnly: true, new WriteOptions());

        var name = driver.Process.Container;
        events.Warning(ResourceCatalog.Pods, updated, "Unhealthy", $"Liveness probe failed: {ProbeFailure(probe, driver)}", "kubelet");
        events.Normal(ResourceCatalog.Pods, updated, "Killing", $"Container {name} failed liveness probe, will be restarted", "kubelet");
        events.Normal(ResourceCatalog.Pods, updated, "Pulled", $"Container image \"{pod.Objects("spec", "containers").First(c => c.Str("name") == name).Str("image")}\" already present on machine", "kubelet");
        events.Normal(ResourceCatalog.Pods, updated, "Created", $"Created container: {name}", "kubelet");
        events.Normal(ResourceCatalog.Pods, updated, "Started", $"Started container {name}", "kubelet");

        driver.Ended = now;
        var reborn = new ProcessRecord(driver.PodUid, driver.Namespace, driver.PodName, driver.Labels, driver.ContainerPorts, driver.PodIp, driver.Process, restarts, now);
        _records.Add(reborn);
        _latest[(driver.PodUid, name)] = reborn;
    }

    /// <summary>The prober's wording for a probe that meets a dead driver.</summary>
    static string ProbeFailure(JsonObject probe, ProcessRecord driver)
    {
        string Port(JsonObject action) => action.Int("port") is { } n ? n.ToString(CultureInfo.InvariantCulture)
            : action.Str("port") is { } named && driver.ContainerPorts.TryGetValue(named, out var p) ? p.ToString(CultureInfo.InvariantCulture) : "";
        if (probe["httpGet"] is JsonObject http)
        {
            var scheme = (http.Str("scheme") ?? "HTTP").ToLowerInvariant();
            var address = $"{driver.PodIp}:{Port(http)}";
            return $"Get \"{scheme}://{address}{http.Str("path") ?? "/"}\": dial tcp {address}: connect: connection refused";
        }
        if (probe["tcpSocket"] is JsonObject tcp) return $"dial tcp {driver.PodIp}:{Port(tcp)}: connect: connection refused";
        return "All masters are unresponsive! Giving up.";
    }
}

/// <summary>What a simulated pod port answers with.</summary>
internal abstract record Listener
{
    public static readonly Listener Refused = new RefusedListener();
    public static readonly Listener NotHttp = new NotHttpListener();

    sealed record RefusedListener : Listener;

    sealed record NotHttpListener : Listener;

    /// <summary>The master UI; <paramref name="Proxy"/> resolves <c>/proxy/{id}</c> targets under reverse proxy.</summary>
    public sealed record MasterUi(MasterSnapshot State, Func<string, Listener?> Proxy) : Listener;

    /// <summary>A Connect server's gRPC port.</summary>
    public sealed record ConnectServer(ConnectServerInfo Server) : Listener;

    public sealed record WorkerUi(WorkerSnapshot State) : Listener;

    public sealed record DriverUi(DriverSnapshot State) : Listener;

    public sealed record HistoryUi(HistorySnapshot State) : Listener;
}
