using System.Text.Json.Serialization;

namespace Portal.Provisioning.Spark;

// The JSON Spark itself serves, with Spark's own field names (sources in docs/spark.md). Only the fields the portal
// reads are declared; the rest of each document is ignored.

/// <summary>
/// The standalone master's state at <c>:8080/json/</c>, as <c>JsonProtocol.writeMasterState</c> writes it.
/// </summary>
public sealed record SparkMasterState
{
    /// <summary>The master's own URL, <c>spark://host:7077</c>.</summary>
    [JsonPropertyName("url")] public string? Url { get; init; }

    /// <summary>Every worker the master knows, in any state.</summary>
    [JsonPropertyName("workers")] public IReadOnlyList<SparkWorkerInfo> Workers { get; init; } = [];

    /// <summary>Workers in state ALIVE.</summary>
    [JsonPropertyName("aliveworkers")] public int AliveWorkers { get; init; }

    /// <summary>Cores of the alive workers.</summary>
    [JsonPropertyName("cores")] public int Cores { get; init; }

    /// <summary>Of those, cores granted to applications.</summary>
    [JsonPropertyName("coresused")] public int CoresUsed { get; init; }

    /// <summary>Memory of the alive workers, MiB.</summary>
    [JsonPropertyName("memory")] public long Memory { get; init; }

    /// <summary>Applications running or waiting for cores.</summary>
    [JsonPropertyName("activeapps")] public IReadOnlyList<SparkApplicationInfo> ActiveApps { get; init; } = [];

    /// <summary>Applications that ended (up to spark.deploy.retainedApplications).</summary>
    [JsonPropertyName("completedapps")] public IReadOnlyList<SparkApplicationInfo> CompletedApps { get; init; } = [];

    /// <summary>ALIVE, or STANDBY / RECOVERING / COMPLETING_RECOVERY with high availability.</summary>
    [JsonPropertyName("status")] public string? Status { get; init; }
}

/// <summary>One worker in the master's state (<c>JsonProtocol.writeWorkerInfo</c>).</summary>
public sealed record SparkWorkerInfo
{
    /// <summary>worker-&lt;timestamp&gt;-&lt;host&gt;-&lt;port&gt;.</summary>
    [JsonPropertyName("id")] public string? Id { get; init; }

    /// <summary>The worker's web UI address.</summary>
    [JsonPropertyName("webuiaddress")] public string? WebUiAddress { get; init; }

    /// <summary>Cores the worker offers.</summary>
    [JsonPropertyName("cores")] public int Cores { get; init; }

    /// <summary>ALIVE, DEAD, DECOMMISSIONED or UNKNOWN.</summary>
    [JsonPropertyName("state")] public string? State { get; init; }
}

/// <summary>One application in the master's state (<c>JsonProtocol.writeApplicationInfo</c>).</summary>
public sealed record SparkApplicationInfo
{
    /// <summary>app-&lt;timestamp&gt;-&lt;number&gt;.</summary>
    [JsonPropertyName("id")] public string? Id { get; init; }

    /// <summary>spark.app.name.</summary>
    [JsonPropertyName("name")] public string? Name { get; init; }

    /// <summary>Cores granted.</summary>
    [JsonPropertyName("cores")] public int Cores { get; init; }

    /// <summary>WAITING, RUNNING, FINISHED, FAILED, KILLED or UNKNOWN.</summary>
    [JsonPropertyName("state")] public string? State { get; init; }

    /// <summary>When it registered with the master, epoch milliseconds.</summary>
    [JsonPropertyName("starttime")] public long StartTime { get; init; }

    /// <summary>How long it ran (so far, while running), milliseconds.</summary>
    [JsonPropertyName("duration")] public long Duration { get; init; }
}

/// <summary>An application as a driver's monitoring REST API lists it (<c>/api/v1/applications</c>, status API v1 ApplicationInfo).</summary>
public sealed record SparkDriverApplication
{
    /// <summary>The application id, the same the master shows.</summary>
    [JsonPropertyName("id")] public string? Id { get; init; }

    /// <summary>spark.app.name.</summary>
    [JsonPropertyName("name")] public string? Name { get; init; }
}

/// <summary>A job as the driver's REST API lists it (<c>/api/v1/applications/[app-id]/jobs</c>, status API v1 JobData).</summary>
public sealed record SparkJob
{
    /// <summary>Job id, counting up from 0 within the application.</summary>
    [JsonPropertyName("jobId")] public int JobId { get; init; }

    /// <summary>RUNNING, SUCCEEDED, FAILED or UNKNOWN.</summary>
    [JsonPropertyName("status")] public string? Status { get; init; }
}
