using Google.Protobuf.WellKnownTypes;
using Google.Rpc;
using Grpc.Core;

namespace Portal.Sandbox.SparkConnect;

/// <summary>
/// Errors as Spark Connect reports them (sql/connect/server/.../utils/ErrorUtils.scala, buildStatusFromThrowable):
/// gRPC status INTERNAL, the exception's message, and a google.rpc.ErrorInfo detail with reason = the exception's
/// class, domain <c>org.apache.spark</c>, and metadata <c>classes</c> (its class hierarchy as JSON), plus for Spark's
/// error conditions <c>sqlState</c>, <c>errorClass</c> and <c>messageParameters</c>, and <c>errorId</c> when the
/// session exists (spark.sql.connect.enrichError.enabled, default true) so FetchErrorDetails can answer for it.
/// </summary>
internal sealed class SparkError(string message, IReadOnlyList<string> classes, string? errorClass = null, string? sqlState = null,
    IReadOnlyDictionary<string, string>? parameters = null) : Exception(message)
{
    public IReadOnlyList<string> Classes { get; } = classes;

    static readonly string[] SqlException = ["org.apache.spark.SparkSQLException", "java.sql.SQLException", "java.lang.Exception", "java.lang.Throwable"];

    /// <summary>INVALID_HANDLE.* (error-conditions.json; SQLSTATE HY000), thrown by SparkConnectSessionManager as SparkSQLException.</summary>
    public static SparkError InvalidHandle(string subClass, string handle)
    {
        var detail = subClass switch
        {
            "FORMAT" => "Handle must be an UUID string of the format '00112233-4455-6677-8899-aabbccddeeff'",
            "SESSION_CHANGED" => "The existing Spark server driver instance has restarted. Please reconnect.",
            "SESSION_CLOSED" => "Session was closed.",
            "SESSION_NOT_FOUND" => "Session not found.",
            "OPERATION_NOT_FOUND" => "Operation not found.",
            "OPERATION_ALREADY_EXISTS" => "Operation already exists.",
            _ => throw new ArgumentOutOfRangeException(nameof(subClass), subClass, null),
        };
        return new($"[INVALID_HANDLE.{subClass}] The handle {handle} is invalid. {detail} SQLSTATE: HY000", SqlException,
            $"INVALID_HANDLE.{subClass}", "HY000", new Dictionary<string, string> { ["handle"] = handle });
    }

    /// <summary>OPERATION_CANCELED (SQLSTATE HY008): how an interrupted execution ends.</summary>
    public static SparkError OperationCanceled() =>
        new("[OPERATION_CANCELED] Operation has been canceled. SQLSTATE: HY008", SqlException, "OPERATION_CANCELED", "HY008", new Dictionary<string, string>());

    /// <summary>SQL_CONF_NOT_FOUND (SQLSTATE 42K0I): RuntimeConfig.get of a key that is neither set nor has a default.</summary>
    public static SparkError ConfNotFound(string key) =>
        new($"[SQL_CONF_NOT_FOUND] The SQL config \"{key}\" cannot be found. Please verify that the config exists. SQLSTATE: 42K0I",
            ["org.apache.spark.SparkNoSuchElementException", "java.util.NoSuchElementException", "java.lang.RuntimeException", "java.lang.Exception", "java.lang.Throwable"],
            "SQL_CONF_NOT_FOUND", "42K0I", new Dictionary<string, string> { ["sqlConf"] = $"\"{key}\"" });

    /// <summary>What the planner throws for a plan it can't build (InvalidPlanInput, no error condition).</summary>
    public static SparkError InvalidPlan(string message) =>
        new(message, ["org.apache.spark.sql.connect.common.InvalidPlanInput", "java.lang.Exception", "java.lang.Throwable"]);

    /// <summary>
    /// The sandbox's answer to any execution: a plain SparkException (no error condition) saying why, so a notebook
    /// shows it as Spark would show a server-side failure.
    /// </summary>
    public static SparkError NoSpark(string what) =>
        new($"The embedded Kubernetes sandbox runs no Spark, so this Spark Connect server cannot run {what}. "
            + "The sandbox answers configuration and version requests only; run queries on a real Kubernetes cluster.",
            ["org.apache.spark.SparkException", "java.lang.Exception", "java.lang.Throwable"]);

    /// <summary>IllegalArgumentException, as the handlers throw for contradictory requests.</summary>
    public static SparkError IllegalArgument(string message) =>
        new(message, ["java.lang.IllegalArgumentException", "java.lang.RuntimeException", "java.lang.Exception", "java.lang.Throwable"]);

    /// <summary>The RpcException Spark's server sends for this error; <paramref name="errorId"/> when the session keeps it.</summary>
    public RpcException ToRpcException(string? errorId)
    {
        var info = new ErrorInfo { Reason = Classes[0], Domain = "org.apache.spark" };
        info.Metadata["classes"] = JsonSerializer.Serialize(Classes);
        if (sqlState is not null) info.Metadata["sqlState"] = sqlState;
        if (errorClass is not null)
        {
            info.Metadata["errorClass"] = errorClass;
            info.Metadata["messageParameters"] = JsonSerializer.Serialize(parameters ?? new Dictionary<string, string>());
        }
        if (errorId is not null) info.Metadata["errorId"] = errorId;
        // SparkConnectService.extractErrorMessage abbreviates to 2048 characters.
        var text = Message.Length > 2048 ? Message[..2045] + "..." : Message;
        return new Google.Rpc.Status { Code = (int)Code.Internal, Message = text, Details = { Any.Pack(info) } }.ToRpcException();
    }
}
