namespace Portal.Sandbox.SparkConnect;

/// <summary>
/// The session manager of one Connect server process (SparkConnectSessionManager): sessions keyed by user id and
/// session id, each with its own server-side id, conf and artifacts; released sessions are remembered (tombstones),
/// so they can't come back. A restarted server is another process and knows none of them.
/// </summary>
internal sealed partial class ConnectServerSessions(ConnectServerInfo server)
{
    readonly ConcurrentDictionary<(string User, string Session), ConnectSession> _sessions = new();
    readonly ConcurrentDictionary<(string User, string Session), bool> _closed = new();

    public ConnectServerInfo Server { get; } = server;

    // java.util.UUID.fromString: five groups of hex digits, at most 36 characters.
    [GeneratedRegex("^[0-9a-fA-F]{1,8}-[0-9a-fA-F]{1,4}-[0-9a-fA-F]{1,4}-[0-9a-fA-F]{1,4}-[0-9a-fA-F]{1,12}$")]
    private static partial Regex UuidPattern();

    public static bool IsUuid(string text) => text.Length <= 36 && UuidPattern().IsMatch(text);

    /// <summary>getOrCreateIsolatedSession: a new session needs a UUID session id that was never released.</summary>
    public ConnectSession GetOrCreate(string user, string sessionId, string? observedServerSideId)
    {
        var session = _sessions.GetOrAdd((user, sessionId), key =>
        {
            if (!IsUuid(key.Session)) throw SparkError.InvalidHandle("FORMAT", key.Session);
            if (_closed.ContainsKey(key)) throw SparkError.InvalidHandle("SESSION_CLOSED", key.Session);
            return new ConnectSession(Server.Conf);
        });
        return Checked(session, sessionId, observedServerSideId);
    }

    /// <summary>getIsolatedSession: the session must exist.</summary>
    public ConnectSession GetExisting(string user, string sessionId, string? observedServerSideId)
    {
        if (!_sessions.TryGetValue((user, sessionId), out var session))
            throw SparkError.InvalidHandle(_closed.ContainsKey((user, sessionId)) ? "SESSION_CLOSED" : "SESSION_NOT_FOUND", sessionId);
        return Checked(session, sessionId, observedServerSideId);
    }

    public ConnectSession? Find(string user, string sessionId) => _sessions.GetValueOrDefault((user, sessionId));

    /// <summary>closeSession: the session's executions are interrupted; without allow_reconnect its id is tombstoned.</summary>
    public ConnectSession? Close(string user, string sessionId, bool allowReconnect)
    {
        if (!allowReconnect) _closed[(user, sessionId)] = true;
        if (!_sessions.TryRemove((user, sessionId), out var session)) return null;
        session.InterruptAll();
        return session;
    }

    static ConnectSession Checked(ConnectSession session, string sessionId, string? observed) =>
        observed is not null && observed != session.ServerSideId ? throw SparkError.InvalidHandle("SESSION_CHANGED", sessionId) : session;
}

/// <summary>One Spark session of a Connect server: its server-side id (the SparkSession's sessionUUID), conf, artifacts, running executions, errors.</summary>
internal sealed class ConnectSession(IReadOnlyDictionary<string, string> serverConf)
{
    readonly ConcurrentDictionary<string, Execution> _executions = new(StringComparer.Ordinal);
    readonly ConcurrentDictionary<string, SparkError> _errors = new(StringComparer.Ordinal);

    public string ServerSideId { get; } = Guid.NewGuid().ToString();

    /// <summary>The session's SQL conf, seeded from the server's SparkConf (SessionState merges it in); guarded by itself.</summary>
    public Dictionary<string, string> Conf { get; } = new(serverConf, StringComparer.Ordinal);

    public ConcurrentDictionary<string, bool> Artifacts { get; } = new(StringComparer.Ordinal);

    public sealed record Execution(string OperationId, IReadOnlyList<string> Tags, CancellationTokenSource Interrupt);

    public bool TryStart(Execution execution) => _executions.TryAdd(execution.OperationId, execution);

    public void End(string operationId) => _executions.TryRemove(operationId, out _);

    public IReadOnlyList<string> InterruptAll() => Interrupt(_ => true);

    public IReadOnlyList<string> InterruptTag(string tag) => Interrupt(e => e.Tags.Contains(tag));

    public IReadOnlyList<string> InterruptOperation(string operationId) => Interrupt(e => e.OperationId == operationId);

    IReadOnlyList<string> Interrupt(Func<Execution, bool> which)
    {
        var hit = _executions.Values.Where(which).ToList();
        foreach (var e in hit) e.Interrupt.Cancel();
        return [.. hit.Select(e => e.OperationId)];
    }

    /// <summary>Keeps an error for FetchErrorDetails; returns its id.</summary>
    public string Remember(SparkError error)
    {
        var id = Guid.NewGuid().ToString();
        _errors[id] = error;
        return id;
    }

    public SparkError? Error(string errorId) => _errors.GetValueOrDefault(errorId);
}
