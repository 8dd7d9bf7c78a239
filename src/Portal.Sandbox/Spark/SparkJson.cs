namespace Portal.Sandbox.Spark;

/// <summary>
/// Spark's JSON shapes, field for field and in Spark's order. Master and worker UIs:
/// core/src/main/scala/org/apache/spark/deploy/JsonProtocol.scala (writeMasterState, writeWorkerInfo,
/// writeApplicationInfo, writeWorkerState, writeExecutorRunner, writeApplicationDescription). Driver REST API:
/// core/src/main/scala/org/apache/spark/status/api/v1/api.scala (ApplicationInfo, ApplicationAttemptInfo, JobData),
/// serialised by JacksonMessageWriter: absent Options are left out, dates as <c>yyyy-MM-dd'T'HH:mm:ss.SSS'GMT'</c>.
/// </summary>
internal static class SparkJson
{
    public static JsonObject MasterState(MasterSnapshot s)
    {
        var alive = s.Workers.Where(w => w.State == "ALIVE").ToList();
        return new JsonObject
        {
            ["url"] = s.Url,
            ["workers"] = Array(s.Workers.Select(WorkerInfo)),
            ["aliveworkers"] = alive.Count,
            ["cores"] = alive.Sum(w => w.Cores),
            ["coresused"] = alive.Sum(w => w.CoresUsed),
            ["memory"] = alive.Sum(w => w.Memory),
            ["memoryused"] = alive.Sum(w => w.MemoryUsed),
            // One (empty: no GPUs here) resource map per alive worker.
            ["resources"] = Array(alive.Select(_ => new JsonObject())),
            ["resourcesused"] = Array(alive.Select(_ => new JsonObject())),
            ["activeapps"] = Array(s.ActiveApps.Select(ApplicationInfo)),
            ["completedapps"] = Array(s.CompletedApps.Select(ApplicationInfo)),
            ["activedrivers"] = new JsonArray(),
            ["completeddrivers"] = new JsonArray(),
            // RecoveryState: a standalone master without HA is ALIVE once started.
            ["status"] = "ALIVE",
        };
    }

    static JsonObject WorkerInfo(WorkerView w) => new()
    {
        ["id"] = w.Id,
        ["host"] = w.Host,
        ["port"] = w.Port,
        ["webuiaddress"] = w.WebUiAddress,
        ["cores"] = w.Cores,
        ["coresused"] = w.CoresUsed,
        ["coresfree"] = w.Cores - w.CoresUsed,
        ["memory"] = w.Memory,
        ["memoryused"] = w.MemoryUsed,
        ["memoryfree"] = w.Memory - w.MemoryUsed,
        ["resources"] = new JsonObject(),
        ["resourcesused"] = new JsonObject(),
        ["resourcesfree"] = new JsonObject(),
        ["state"] = w.State,
        ["lastheartbeat"] = w.LastHeartbeat,
    };

    static JsonObject ApplicationInfo(AppView a) => new()
    {
        ["id"] = a.Id,
        ["starttime"] = a.StartTime,
        ["name"] = a.Name,
        ["cores"] = a.Cores,
        ["user"] = a.User,
        ["memoryperexecutor"] = a.MemoryPerExecutor,
        ["memoryperslave"] = a.MemoryPerExecutor,
        ["resourcesperexecutor"] = new JsonArray(),
        ["resourcesperslave"] = new JsonArray(),
        ["submitdate"] = JavaDate(a.SubmitDate),
        ["state"] = a.State,
        ["duration"] = a.Duration,
    };

    public static JsonObject WorkerState(WorkerSnapshot s) => new()
    {
        ["id"] = s.Id,
        ["masterurl"] = s.MasterUrl,
        ["masterwebuiurl"] = s.MasterWebUiUrl,
        ["cores"] = s.Cores,
        ["coresused"] = s.CoresUsed,
        ["memory"] = s.Memory,
        ["memoryused"] = s.MemoryUsed,
        ["resources"] = new JsonObject(),
        ["resourcesused"] = new JsonObject(),
        ["executors"] = Array(s.Executors.Select(ExecutorRunner)),
        ["finishedexecutors"] = new JsonArray(),
    };

    static JsonObject ExecutorRunner(ExecutorView e) => new()
    {
        ["id"] = e.Id,
        ["memory"] = e.Memory,
        ["resources"] = new JsonObject(),
        ["appid"] = e.App.Id,
        ["appdesc"] = new JsonObject
        {
            ["name"] = e.App.Name,
            // ApplicationDescription.maxCores; 0 means unlimited.
            ["cores"] = e.App.MaxCores ?? 0,
            ["memoryperexecutor"] = e.App.MemoryPerExecutor,
            ["resourcesperexecutor"] = new JsonArray(),
            ["memoryperslave"] = e.App.MemoryPerExecutor,
            ["resourcesperslave"] = new JsonArray(),
            ["user"] = e.App.User,
            ["command"] = "Command(org.apache.spark.executor.CoarseGrainedExecutorBackend,List(--driver-url, {{DRIVER_URL}}, --executor-id, {{EXECUTOR_ID}}, --hostname, {{HOSTNAME}}, --cores, {{CORES}}, --app-id, {{APP_ID}}, --worker-url, {{WORKER_URL}}, --resourceProfileId, {{RESOURCE_PROFILE_ID}}),Map(),List(),List(),List())",
        },
    };

    /// <summary>SparkUI.getApplicationInfoList: a live driver lists itself, unfinished (endTime = new Date(-1)), no core counts.</summary>
    public static JsonArray Applications(DriverSnapshot d) => new(new JsonObject
    {
        ["id"] = d.AppId,
        ["name"] = d.Name,
        ["attempts"] = new JsonArray(new JsonObject
        {
            ["startTime"] = RestDate(d.Started),
            ["endTime"] = RestDate(DateTime.UnixEpoch.AddMilliseconds(-1)),
            ["lastUpdated"] = RestDate(d.Started),
            ["duration"] = 0,
            ["sparkUser"] = d.User,
            ["completed"] = false,
            ["appSparkVersion"] = d.Version,
            ["startTimeEpoch"] = SparkSimulation.Millis(d.Started),
            ["endTimeEpoch"] = -1,
            ["lastUpdatedEpoch"] = SparkSimulation.Millis(d.Started),
        }),
    });

    /// <summary>
    /// ApplicationInfo as the history server lists it (ApplicationsListResource.appHistoryInfoToPublicAppInfo): the
    /// core counts are None, so absent; one attempt without attemptId (standalone client mode has none).
    /// </summary>
    public static JsonObject HistoryApplication(HistoryApp a) => new()
    {
        ["id"] = a.Id,
        ["name"] = a.Name,
        ["attempts"] = new JsonArray(new JsonObject
        {
            ["startTime"] = RestDate(DateTime.UnixEpoch.AddMilliseconds(a.StartTime)),
            ["endTime"] = RestDate(DateTime.UnixEpoch.AddMilliseconds(a.EndTime)),
            ["lastUpdated"] = RestDate(DateTime.UnixEpoch.AddMilliseconds(a.LastUpdated)),
            ["duration"] = a.Duration,
            ["sparkUser"] = a.User,
            ["completed"] = a.Completed,
            ["appSparkVersion"] = a.Version,
            ["startTimeEpoch"] = a.StartTime,
            ["endTimeEpoch"] = a.EndTime,
            ["lastUpdatedEpoch"] = a.LastUpdated,
        }),
    };

    public static JsonObject Job(JobView j)
    {
        var done = j.Status != "RUNNING";
        var job = new JsonObject
        {
            ["jobId"] = j.Id,
            ["name"] = j.Description,
            ["submissionTime"] = RestDate(j.Submitted),
        };
        if (j.Completed is { } completed) job["completionTime"] = RestDate(completed);
        job["stageIds"] = new JsonArray(j.Id);
        job["jobTags"] = new JsonArray();
        job["status"] = j.Status;
        job["numTasks"] = 1;
        job["numActiveTasks"] = done ? 0 : 1;
        job["numCompletedTasks"] = j.Status == "SUCCEEDED" ? 1 : 0;
        job["numSkippedTasks"] = 0;
        job["numFailedTasks"] = j.Status == "FAILED" ? 1 : 0;
        job["numKilledTasks"] = 0;
        job["numCompletedIndices"] = j.Status == "SUCCEEDED" ? 1 : 0;
        job["numActiveStages"] = done ? 0 : 1;
        job["numCompletedStages"] = j.Status == "SUCCEEDED" ? 1 : 0;
        job["numSkippedStages"] = 0;
        job["numFailedStages"] = j.Status == "FAILED" ? 1 : 0;
        job["killedTasksSummary"] = new JsonObject();
        return job;
    }

    /// <summary>JacksonMessageWriter.makeISODateFormat.</summary>
    public static string RestDate(DateTime t) => t.ToString("yyyy-MM-dd'T'HH:mm:ss.fff'GMT'", CultureInfo.InvariantCulture);

    /// <summary>java.util.Date.toString in a UTC JVM: <c>Wed Dec 02 10:15:30 UTC 2026</c>.</summary>
    static string JavaDate(DateTime t) => t.ToString("ddd MMM dd HH:mm:ss 'UTC' yyyy", CultureInfo.InvariantCulture);

    static JsonArray Array(IEnumerable<JsonNode> items) => new([.. items]);
}
