namespace Portal.Provisioning.Spark;

/// <summary>What Spark itself reports about a cluster: the master's state and, with Connect, its driver's.</summary>
/// <param name="Master">The master's /json/ state; null when the master didn't answer.</param>
/// <param name="ConnectApplication">The Connect server's application as its driver reports it; null when it didn't answer.</param>
/// <param name="ConnectJobs">The Connect driver's jobs, newest first; empty when it didn't answer.</param>
public sealed record SparkObservation(
    SparkMasterState? Master,
    SparkDriverApplication? ConnectApplication,
    IReadOnlyList<SparkJob> ConnectJobs)
{
    /// <summary>Nothing answered (the master's pod isn't ready, or Spark isn't up in it yet).</summary>
    public static SparkObservation None { get; } = new(null, null, []);

    /// <summary>Whether the master answered and is the active one.</summary>
    public bool MasterAlive => Master?.Status == "ALIVE";

    /// <summary>Workers registered with the master and alive.</summary>
    public int RegisteredWorkers => Master?.Workers.Count(w => w.State == "ALIVE") ?? 0;

    /// <summary>Whether the Connect server answered and its application is one the master runs.</summary>
    public bool ConnectServing => ConnectApplication?.Id is { } id && Master?.ActiveApps.Any(a => a.Id == id) == true;

    /// <summary>Applications the master runs other than the Connect server's own.</summary>
    public int OtherApplications => Master?.ActiveApps.Count(a => !IsConnectServer(a)) ?? 0;

    /// <summary>Connect jobs running now.</summary>
    public int RunningJobs => ConnectJobs.Count(j => j.Status == "RUNNING");

    /// <summary>Whether Spark is doing anything a user asked for: another application, or a Connect job.</summary>
    public bool Busy => OtherApplications > 0 || RunningJobs > 0;

    /// <summary>
    /// A count of all work Spark has seen: every application the master knows (active and completed) and the Connect
    /// driver's newest job id. When it differs between two looks, something ran in between, however short.
    /// </summary>
    public string ActivityMark =>
        $"apps={(Master?.ActiveApps.Count ?? 0) + (Master?.CompletedApps.Count ?? 0)};jobs={(ConnectJobs.Count == 0 ? -1 : ConnectJobs.Max(j => j.JobId))}";

    bool IsConnectServer(SparkApplicationInfo app) =>
        ConnectApplication?.Id is { } id ? app.Id == id : app.Name == ClusterManifests.ConnectAppName;
}

/// <summary>Reads a cluster's state from Spark through <see cref="SparkEndpoint"/>.</summary>
public sealed class SparkObserver(SparkEndpoint spark)
{
    /// <summary>The master's state, and the Connect driver's when the cluster has one.</summary>
    public async Task<SparkObservation> ObserveAsync(Cluster cluster, string @namespace, CancellationToken ct)
    {
        ArgumentNullException.ThrowIfNull(cluster);
        var master = await spark.GetJsonAsync<SparkMasterState>(@namespace, ClusterManifests.MasterName(cluster),
            ClusterManifests.MasterUiPort, "json/", ct).ConfigureAwait(false);
        if (!cluster.Spec.SparkConnect)
            return new SparkObservation(master, null, []);

        var connect = ClusterManifests.ConnectName(cluster);
        var applications = await spark.GetJsonAsync<List<SparkDriverApplication>>(@namespace, connect,
            ClusterManifests.DriverUiPort, "api/v1/applications", ct).ConfigureAwait(false);
        if (applications is not [var application, ..] || application.Id is null)
            return new SparkObservation(master, null, []);

        var jobs = await spark.GetJsonAsync<List<SparkJob>>(@namespace, connect, ClusterManifests.DriverUiPort,
            $"api/v1/applications/{Uri.EscapeDataString(application.Id)}/jobs", ct).ConfigureAwait(false);
        return new SparkObservation(master, application, jobs ?? []);
    }
}
