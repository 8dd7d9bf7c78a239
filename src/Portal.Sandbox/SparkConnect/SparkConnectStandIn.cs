using Grpc.Core;

namespace Portal.Sandbox.SparkConnect;

/// <summary>
/// What the simulated Spark Connect servers saw: one <see cref="SparkConnectCall"/> per RPC, recorded when it ends
/// (answered, failed or cancelled), so tests can check what reached the server (headers, sessions, cancellation).
/// </summary>
public sealed class SparkConnectStandIn
{
    readonly ConcurrentQueue<SparkConnectCall> _calls = new();

    /// <summary>Every call that ended so far, in the order they ended.</summary>
    public IReadOnlyList<SparkConnectCall> Calls => [.. _calls];

    /// <summary>Raised when a call ends, on the thread that ended it.</summary>
    public event Action<SparkConnectCall>? CallEnded;

    internal void Record(SparkConnectCall call)
    {
        _calls.Enqueue(call);
        CallEnded?.Invoke(call);
    }
}

/// <summary>One Spark Connect RPC as the stand-in saw it.</summary>
/// <param name="Method">The RPC name: <c>ExecutePlan</c>, <c>Config</c>, <c>AnalyzePlan</c>, ...</param>
/// <param name="Namespace">The pod's namespace.</param>
/// <param name="Pod">The Connect server's pod.</param>
/// <param name="Headers">All request metadata as received (names lower-case; binary values base64), e.g. to check that <c>authorization</c> never arrives.</param>
/// <param name="UserId">user_context.user_id ("" when the request had none).</param>
/// <param name="SessionId">The client's session_id.</param>
/// <param name="ServerSideSessionId">The server-side session id the answer carried, if the call reached a session.</param>
/// <param name="OperationId">ExecutePlan's operation id (the client's or the one the server made), else null.</param>
/// <param name="Status">The gRPC status the call ended with (<see cref="StatusCode.Cancelled"/> when the client cancelled).</param>
/// <param name="StatusMessage">The status message ("" on success).</param>
/// <param name="Cancelled">The client cancelled or went away before the server finished.</param>
/// <param name="Responses">Messages the server wrote (ExecutePlan's stream; 1 for unary calls that succeeded).</param>
public sealed record SparkConnectCall(
    string Method,
    string Namespace,
    string Pod,
    IReadOnlyList<KeyValuePair<string, string>> Headers,
    string UserId,
    string SessionId,
    string? ServerSideSessionId,
    string? OperationId,
    StatusCode Status,
    string StatusMessage,
    bool Cancelled,
    int Responses)
{
    /// <summary>The first value of the header <paramref name="name"/> (case-insensitive), or null.</summary>
    public string? Header(string name) => Headers.FirstOrDefault(h => string.Equals(h.Key, name, StringComparison.OrdinalIgnoreCase)).Value;
}
