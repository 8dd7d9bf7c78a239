namespace Portal.Core.Storage;

/// <summary>
/// A tenant's Spark History Server, started on demand: the official image's history server reading the event logs
/// the tenant's clusters write, in the tenant's namespace, fenced and sized like a cluster's daemons, reachable through
/// the portal only, and stopped by the portal once nobody has opened it for <see cref="IdleTimeout"/>.
/// </summary>
public sealed class HistoryServer
{
    /// <summary>Primary key.</summary>
    public Guid Id { get; init; } = Guid.CreateVersion7();

    /// <summary>The tenant; a tenant has at most one.</summary>
    public Guid TenantId { get; init; }

    /// <summary>The event logs it reads: a tenant volume (mounted read-only) or the tenant's object store.</summary>
    public required EventLogSpec Source { get; init; }

    /// <summary>The image it runs; the catalogue's default image when started.</summary>
    public required string Image { get; init; }

    /// <summary>CPU of its pod, a Kubernetes quantity.</summary>
    public string Cores { get; init; } = "1";

    /// <summary>Memory of its pod, a Kubernetes quantity; the daemon's heap is sized from it.</summary>
    public string Memory { get; init; } = "2Gi";

    /// <summary>Ephemeral storage of its pod (logs and a small scratch directory), counted in the tenant's quota.</summary>
    public const string EphemeralStorage = "1Gi";

    /// <summary>How long it runs unopened before the portal stops it.</summary>
    public TimeSpan IdleTimeout { get; init; }

    /// <summary>Who started it.</summary>
    public required string StartedBy { get; init; }

    /// <summary>When it was started; stamped on save.</summary>
    public DateTimeOffset StartedAt { get; init; }

    /// <summary>When someone last opened it through the portal (or it was started).</summary>
    public DateTimeOffset LastOpenedAt { get; set; }

    /// <summary>Whether it answers yet, as the reconciler last saw its pod.</summary>
    public HistoryServerPhase Phase { get; set; } = HistoryServerPhase.Starting;

    /// <summary>Why it is not Running, e.g. the history server's own start-up error.</summary>
    public string? Message { get; set; }

    /// <summary>Optimistic concurrency token, bumped on every write.</summary>
    public long Version { get; set; }
}

/// <summary>Where a history server is in its short life.</summary>
public enum HistoryServerPhase
{
    /// <summary>Its objects are applied; its pod is not ready yet.</summary>
    Starting,

    /// <summary>Its pod is ready: it can be opened.</summary>
    Running,

    /// <summary>Its pod can't start (an image that can't be pulled, a missing log directory, no quota left).</summary>
    Failed,
}

/// <summary>A request to start the tenant's history server.</summary>
public sealed record StartHistoryServerRequest
{
    /// <summary>A tenant volume holding event logs; exactly one of volume and objectStore.</summary>
    public string? Volume { get; init; }

    /// <summary>A tenant object store holding event logs.</summary>
    public string? ObjectStore { get; init; }

    /// <summary>On a volume, the directory relative to it (default "spark-events"); on an object store, "bucket/prefix/dir" (required).</summary>
    public string? Path { get; init; }

    /// <summary>How long it may run unopened, from 00:05:00 to 24:00:00. Default: 01:00:00.</summary>
    public TimeSpan? IdleTimeout { get; init; }
}
