using Portal.Sandbox.Controllers;
using Portal.Sandbox.Volumes;

namespace Portal.Sandbox.Spark;

/// <summary>
/// Event logs and the history server. A Connect driver with <c>spark.eventLog.enabled</c> writes its log as
/// SingleEventLogFileWriter does (core/.../deploy/history/EventLogFileWriters.scala, Spark 4): once registered with its
/// master (SparkContext starts the EventLoggingListener after the task scheduler has its app id), it checks that
/// <c>spark.eventLog.dir</c> is a directory, then writes <c>&lt;dir&gt;/&lt;appId&gt;.inprogress</c> starting with
/// SparkListenerLogStart; when the driver ends (SparkContext.stop) it appends SparkListenerApplicationEnd and renames
/// the file to <c>&lt;appId&gt;</c>. A missing dir or a read-only mount fails the SparkContext: the JVM exits 1 and the
/// kubelet restarts the container in CrashLoopBackOff, its log holding the error. A history server fails the same way
/// when <c>spark.history.fs.logDirectory</c> does not exist (FsHistoryProvider.startPolling).
/// </summary>
/// <remarks>
/// NOTE: only paths on a persistentVolumeClaim mount hold files; a dir that is exactly another mount's mountPath
/// (e.g. an emptyDir) exists but keeps nothing; any other path does not exist. Only <c>file:</c> (and scheme-less)
/// dirs are simulated; other schemes (hdfs:, s3a:) are ignored. The log holds LogStart, ApplicationStart and
/// ApplicationEnd only: the ResourceProfileAdded, BlockManagerAdded, EnvironmentUpdate, job, stage and task events of
/// a real log are not written.
/// </remarks>
public sealed partial class SparkSimulation
{
    /// <summary>EventLoggingListener.DEFAULT_LOG_DIR and History.DEFAULT_LOG_DIR.</summary>
    const string DefaultEventLogDir = "/tmp/spark-events";
    const string DefaultHistoryLogDir = "file:/tmp/spark-events";

    readonly Dictionary<(string PodUid, string Container), string> _terminatedLogs = [];

    /// <summary>The output of a container's last run that a simulated daemon ended, for <c>pods/log</c>.</summary>
    internal string? TerminatedLog(string podUid, string container)
    {
        lock (_gate) return _terminatedLogs.GetValueOrDefault((podUid, container));
    }

    /// <summary>
    /// Brings event logs up to date with the daemons of <paramref name="ns"/>: starts the logs of drivers that have
    /// registered, ends those of drivers that went, and fails daemons whose log directory Spark would refuse.
    /// Returns when to look again for a driver whose registration is still to come.
    /// </summary>
    internal TimeSpan? SyncEventLogs(string ns, EventRecorder events)
    {
        var crashes = new List<ProcessRecord>();
        TimeSpan? next = null;
        lock (_gate)
        {
            var now = Refresh(ns);
            foreach (var record in _records.Where(r => r.Namespace == ns && !r.EventLogSettled).ToList())
            {
                var due = record.Process.Role switch
                {
                    SparkRole.Connect => DriverEventLog(record, now, crashes),
                    SparkRole.HistoryServer => HistoryServerStart(record, now, crashes),
                    _ => Settle(record),
                };
                if (due is { } d && (next is null || d < next)) next = d;
            }
        }
        foreach (var record in crashes)
            Kubelet.Crash(_registry, events, record.Namespace, record.PodName, record.PodUid, record.Process.Container, exitCode: 1);
        return next;
    }

    static TimeSpan? Settle(ProcessRecord record)
    {
        record.EventLogSettled = true;
        return null;
    }

    static bool IsTrue(IReadOnlyDictionary<string, string> conf, string key) =>
        conf.TryGetValue(key, out var v) && v.Trim().Equals("true", StringComparison.OrdinalIgnoreCase);

    /// <summary>
    /// Utils.resolveURI of a log dir: <c>file:/x</c>, <c>file:///x</c> and <c>/x</c> are the local path <c>/x</c>, which
    /// Hadoop's Path prints as <c>file:/x</c>. Null for other schemes.
    /// </summary>
    static (string HadoopPath, string LocalPath)? LocalDir(string configured)
    {
        var dir = configured.Trim();
        string local;
        if (dir.StartsWith("file://", StringComparison.Ordinal)) local = dir["file://".Length..];
        else if (dir.StartsWith("file:", StringComparison.Ordinal)) local = dir["file:".Length..];
        else if (dir.StartsWith('/')) local = dir;
        else return null;
        local = VolumeFiles.Normalize(local);
        return ($"file:{local}", local);
    }

    (JsonObject Pod, JsonObject Container)? ContainerOf(ProcessRecord record) =>
        _registry.TryGet(ResourceCatalog.Pods, record.Namespace, record.PodName) is { } pod && pod.Uid() == record.PodUid
            && pod.Objects("spec", "containers").FirstOrDefault(c => c.Str("name") == record.Process.Container) is { } container
            ? (pod, container) : null;

    /// <summary>What the directory is to the container: on a claim (with its volume path), a bare mount point, or nothing.</summary>
    enum DirKind { Missing, NotADirectory, OnClaim, MountPointOnly }

    (DirKind Kind, MountedPath? Mounted) Classify(JsonObject pod, JsonObject container, string local)
    {
        if (MountedPath.Resolve(pod, container, local) is { } mounted)
        {
            if (Volumes.DirectoryExists(mounted.Namespace, mounted.Claim, mounted.Path)) return (DirKind.OnClaim, mounted);
            return (Volumes.FileExists(mounted.Namespace, mounted.Claim, mounted.Path) ? DirKind.NotADirectory : DirKind.Missing, mounted);
        }
        var isMountPoint = container.Objects("volumeMounts").Any(m => VolumeFiles.Normalize(m.Str("mountPath") ?? "") == local);
        return (isMountPoint ? DirKind.MountPointOnly : DirKind.Missing, null);
    }

    TimeSpan? DriverEventLog(ProcessRecord record, DateTime now, List<ProcessRecord> crashes)
    {
        var conf = record.Process.SparkConf;
        if (!IsTrue(conf, "spark.eventLog.enabled")) return Settle(record);
        if (record.EventLog is { } log)
        {
            if (record.Alive) return null;
            // SparkContext.stop: postApplicationEnd(exitCode), then EventLoggingListener.stop renames the file.
            var end = new JsonObject { ["Event"] = "SparkListenerApplicationEnd", ["Timestamp"] = Millis(record.Ended!.Value), ["ExitCode"] = 0 };
            Volumes.Append(log.Namespace, log.Claim, log.InProgressPath, end.ToJsonString() + "\n");
            Volumes.Rename(log.Namespace, log.Claim, log.InProgressPath, log.FinalPath);
            return Settle(record);
        }
        if (!record.Alive) return Settle(record);
        var registrations = Registrations(record);
        if (registrations.Count == 0) return null;
        if (registrations[0].At > now) return registrations[0].At - now;
        if (DriverSnapshotOf(record, now) is not { } driver || ContainerOf(record) is not (var pod, var container)) return null;

        var configured = (conf.GetValueOrDefault("spark.eventLog.dir") ?? DefaultEventLogDir).Trim().TrimEnd('/');
        if (LocalDir(configured.Length == 0 ? "/" : configured) is not (var hadoopPath, var local)) return Settle(record);
        var (kind, mounted) = Classify(pod, container, local);
        // EventLogFileWriter.nameForAppAndAttempt: Utils.sanitizeDirName(appId); no attempt id in standalone client mode.
        var name = SanitizeDirName(driver.AppId);
        string? failure = kind switch
        {
            // requireLogBaseDirAsDirectory: Hadoop's getFileStatus of a missing path.
            DirKind.Missing => $"java.io.FileNotFoundException: File {hadoopPath} does not exist",
            DirKind.NotADirectory => $"java.lang.IllegalArgumentException: Log directory {hadoopPath} is not a directory.",
            // initLogFile: new FileOutputStream on a read-only mount.
            DirKind.OnClaim when mounted!.ReadOnly => $"java.io.FileNotFoundException: {local.TrimEnd('/')}/{name}.inprogress (Read-only file system)",
            _ => null,
        };
        if (failure is not null)
        {
            var stamp = LogStamp(now);
            Fail(record, now, crashes,
                $"{stamp} INFO SparkContext: Running Spark version {record.Process.SparkVersion}\n" +
                $"{stamp} INFO SparkContext: Submitted application: {record.Process.AppName}\n" +
                $"{stamp} ERROR SparkContext: Error initializing SparkContext.\n{failure}\n" +
                $"Exception in thread \"main\" {failure}\n");
            return null;
        }
        if (kind == DirKind.MountPointOnly) return Settle(record);

        var dir = mounted!.Path.TrimEnd('/');
        var final = $"{(dir.Length == 0 ? "" : dir)}/{name}";
        // EventLoggingListener.initEventLog, then postApplicationStart (JsonProtocol's field names and order).
        var lines = new JsonObject { ["Event"] = "SparkListenerLogStart", ["Spark Version"] = record.Process.SparkVersion }.ToJsonString() + "\n"
            + new JsonObject
            {
                ["Event"] = "SparkListenerApplicationStart",
                ["App Name"] = record.Process.AppName,
                ["App ID"] = driver.AppId,
                ["Timestamp"] = Millis(record.Started),
                ["User"] = record.Process.User,
            }.ToJsonString() + "\n";
        if (!Volumes.Append(mounted.Namespace, mounted.Claim, final + ".inprogress", lines)) return Settle(record);
        record.EventLog = new EventLogFile(mounted.Namespace, mounted.Claim, final + ".inprogress", final);
        return null;
    }

    /// <summary>FsHistoryProvider.startPolling, run by its init thread: a log directory that does not exist ends the server (System.exit(1)).</summary>
    TimeSpan? HistoryServerStart(ProcessRecord record, DateTime now, List<ProcessRecord> crashes)
    {
        if (!record.Alive) return Settle(record);
        if (HistoryFailure(record) is { } failure)
        {
            Fail(record, now, crashes,
                $"{LogStamp(now)} INFO HistoryServer: Started daemon with process name: 1@{record.PodName}\n" +
                $"{LogStamp(now)} ERROR FsHistoryProvider: Error initializing FsHistoryProvider.\n{failure}\n");
            return null;
        }
        return Settle(record);
    }

    string? HistoryFailure(ProcessRecord record)
    {
        var logDir = record.Process.SparkConf.GetValueOrDefault("spark.history.fs.logDirectory") ?? DefaultHistoryLogDir;
        if (LocalDir(logDir) is not (_, var local) || ContainerOf(record) is not (var pod, var container)) return null;
        return Classify(pod, container, local).Kind switch
        {
            DirKind.Missing => $"java.io.FileNotFoundException: Log directory specified does not exist: {logDir}"
                + (logDir == DefaultHistoryLogDir ? " Did you configure the correct one through spark.history.fs.logDirectory?" : ""),
            DirKind.NotADirectory => $"java.lang.IllegalArgumentException: Logging directory specified is not a directory: {logDir}",
            _ => null,
        };
    }

    void Fail(ProcessRecord record, DateTime now, List<ProcessRecord> crashes, string log)
    {
        _terminatedLogs[(record.PodUid, record.Process.Container)] = log;
        record.Ended = now;
        record.EventLogSettled = true;
        crashes.Add(record);
    }

    /// <summary>Spark's default log4j2 pattern: <c>%d{yy/MM/dd HH:mm:ss} %p %c{1}: %m%n%ex</c>.</summary>
    static string LogStamp(DateTime t) => t.ToString("yy/MM/dd HH:mm:ss", CultureInfo.InvariantCulture);

    /// <summary>Utils.sanitizeDirName: spaces, colons and slashes to '-', '.', '$', braces and quotes to '_', lower case.</summary>
    static string SanitizeDirName(string s)
    {
        var chars = s.Select(c => c is ' ' or ':' or '/' ? '-' : c is '.' or '$' or '{' or '}' or '\'' or '"' ? '_' : c).ToArray();
        return new string(chars).ToLowerInvariant();
    }

    /// <summary>What the history server lists now: FsHistoryProvider's listing of the log directory's event log files.</summary>
    HistorySnapshot? HistorySnapshotOf(ProcessRecord record)
    {
        if (HistoryFailure(record) is not null || ContainerOf(record) is not (var pod, var container)) return null;
        var conf = record.Process.SparkConf;
        var logDir = conf.GetValueOrDefault("spark.history.fs.logDirectory") ?? DefaultHistoryLogDir;
        var apps = new List<HistoryApp>();
        if (LocalDir(logDir) is (_, var local) && MountedPath.Resolve(pod, container, local) is { } mounted)
        {
            foreach (var entry in Volumes.List(mounted.Namespace, mounted.Claim, mounted.Path))
            {
                // checkForLogs skips hidden files and (here) directories: rolling logs are not simulated.
                if (entry.IsDirectory || entry.Name.StartsWith('.')) continue;
                var text = Volumes.ReadText(mounted.Namespace, mounted.Claim, $"{mounted.Path}/{entry.Name}") ?? "";
                if (HistoryApp.Parse(text, Millis(entry.Modified)) is { } app) apps.Add(app);
            }
        }
        // getListing: descending end time (in-progress apps, whose end is -1, last).
        apps = [.. apps.OrderByDescending(a => a.EndTime).ThenByDescending(a => a.StartTime)];
        return new HistorySnapshot(record.Process.SparkVersion, logDir, conf.GetValueOrDefault("spark.ui.proxyBase"), record.Process.WebProxyBaseEnv,
            $"{record.PodIp}:{record.Process.UiPort}", apps);
    }
}

/// <summary>Where a driver's event log is being written: its claim and the in-progress and final paths there.</summary>
internal sealed record EventLogFile(string Namespace, string Claim, string InProgressPath, string FinalPath);

/// <summary>
/// One application as FsHistoryProvider's AppListingListener reads it from an event log: ApplicationStart gives id,
/// name, start and user; LogStart the version; ApplicationEnd the end, the duration and completed = true. Without an
/// end, endTime stays Date(-1) and duration 0.
/// </summary>
/// <remarks>NOTE: lastUpdated is the file's modification time for in-progress logs too (upstream: the clock when the listing parsed it).</remarks>
internal sealed record HistoryApp(string Id, string Name, long StartTime, long EndTime, long LastUpdated, long Duration, string User, bool Completed, string Version)
{
    public static HistoryApp? Parse(string log, long modified)
    {
        string? id = null, name = null, user = null, version = "";
        long start = -1, end = -1;
        var completed = false;
        foreach (var line in log.Split('\n', StringSplitOptions.RemoveEmptyEntries))
        {
            JsonNode? e;
            try
            {
                e = JsonNode.Parse(line);
            }
            catch (System.Text.Json.JsonException)
            {
                // ReplayListenerBus tolerates a truncated last line of an in-progress log.
                continue;
            }
            switch (e.Str("Event"))
            {
                case "SparkListenerLogStart":
                    version = e.Str("Spark Version") ?? "";
                    break;
                case "SparkListenerApplicationStart":
                    id = e.Str("App ID");
                    name = e.Str("App Name");
                    user = e.Str("User");
                    start = e.Int("Timestamp") ?? -1;
                    break;
                case "SparkListenerApplicationEnd":
                    end = e.Int("Timestamp") ?? -1;
                    completed = true;
                    break;
            }
        }
        if (id is null) return null;
        return new HistoryApp(id, name ?? "", start, end, modified, completed ? end - start : 0, user ?? "", completed, version);
    }
}

/// <summary>
/// A history server's state for one request; the links' root (UIUtils.uiRoot) is the <c>spark.ui.proxyBase</c>
/// property, else <see cref="ProxyBaseEnv"/>, else the request's <c>X-Forwarded-Context</c> header, else "".
/// </summary>
internal sealed record HistorySnapshot(string Version, string LogDirectory, string? ProxyBaseProperty, string? ProxyBaseEnv, string Address, IReadOnlyList<HistoryApp> Apps);
