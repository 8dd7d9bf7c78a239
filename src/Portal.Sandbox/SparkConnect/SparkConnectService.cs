using Google.Protobuf;
using Google.Protobuf.WellKnownTypes;
using Grpc.Core;
using Spark.Connect;
using SparkPortal.Sandbox;

namespace Portal.Sandbox.SparkConnect;

/// <summary>
/// The Connect servers of the sandbox's pods, by process: a request reaches the one behind the pod and port it was
/// dialled on; a server that went away (pod gone, driver restarted or lost its master) takes its sessions with it.
/// </summary>
internal sealed class ConnectServers(SparkConnectStandIn recorder)
{
    readonly ConcurrentDictionary<string, ConnectServerSessions> _byProcess = new(StringComparer.Ordinal);

    public SparkConnectStandIn Recorder { get; } = recorder;

    public ConnectServerSessions For(Spark.ConnectServerInfo server) => _byProcess.GetOrAdd(server.ProcessId, _ => new ConnectServerSessions(server));
}

/// <summary>Which Connect server a call reached; set on the pod network connection it arrived on.</summary>
internal interface IConnectServerFeature
{
    /// <summary>The server behind the connection now, or null when it no longer listens.</summary>
    Spark.ConnectServerInfo? Current();

    /// <summary>Resets the whole connection, as the end of the process behind it does.</summary>
    void Reset();
}

/// <summary>
/// A stand-in for Spark's SparkConnectService (sql/connect/server/.../service/SparkConnectService.scala and its
/// handlers): sessions, Config, AnalyzePlan's version, Interrupt, ReleaseSession, artifacts and error details behave
/// as Spark's do; every execution fails as Spark reports a server-side failure, with a message that the sandbox runs no
/// Spark, except the sandbox's own <see cref="Stream"/> plan (sandbox.proto), which streams test data.
/// </summary>
internal sealed class SparkConnectGrpcService(ConnectServers servers) : global::Spark.Connect.SparkConnectService.SparkConnectServiceBase
{
    public const string StreamTypeUrl = "type.googleapis.com/spark_portal.sandbox.Stream";

    // SparkConnectConfigHandler.unsupportedConfigurations.
    static readonly HashSet<string> UnsupportedConfs = ["spark.sql.execution.arrow.enabled", "spark.sql.execution.arrow.pyspark.fallback.enabled"];

    // NOTE: Spark answers from its registry of SQL conf entries; the stand-in knows only these static ones by name.
    static readonly HashSet<string> StaticSqlConfs = ["spark.sql.warehouse.dir", "spark.sql.catalogImplementation", "spark.sql.extensions",
        "spark.sql.globalTempDatabase", "spark.sql.queryExecutionListeners", "spark.sql.streaming.streamingQueryListeners", "spark.sql.ui.retainedExecutions"];

    public override Task<ConfigResponse> Config(ConfigRequest request, ServerCallContext context) =>
        Unary("Config", context, request.UserContext, request.SessionId, server =>
        {
            var session = server.GetOrCreate(User(request.UserContext), request.SessionId, request.HasClientObservedServerSideSessionId ? request.ClientObservedServerSideSessionId : null);
            var response = new ConfigResponse { SessionId = request.SessionId, ServerSideSessionId = session.ServerSideId };
            lock (session.Conf) ApplyConfig(request.Operation, session.Conf, response);
            return (response, session.ServerSideId);
        });

    static void ApplyConfig(ConfigRequest.Types.Operation? operation, Dictionary<string, string> conf, ConfigResponse response)
    {
        KeyValue Pair(string key, string? value) => value is null ? new KeyValue { Key = key } : new KeyValue { Key = key, Value = value };
        void Warn(string key)
        {
            if (UnsupportedConfs.Contains(key)) response.Warnings.Add($"The SQL config '{key}' is NOT supported in Spark Connect");
        }

        switch (operation?.OpTypeCase ?? ConfigRequest.Types.Operation.OpTypeOneofCase.None)
        {
            case ConfigRequest.Types.Operation.OpTypeOneofCase.Set:
                foreach (var pair in operation!.Set.Pairs)
                {
                    // RuntimeConfig.set(key, null) unsets.
                    if (pair.HasValue) conf[pair.Key] = pair.Value;
                    else conf.Remove(pair.Key);
                    Warn(pair.Key);
                }
                break;
            case ConfigRequest.Types.Operation.OpTypeOneofCase.Get:
                foreach (var key in operation!.Get.Keys)
                {
                    response.Pairs.Add(Pair(key, conf.TryGetValue(key, out var v) ? v : throw SparkError.ConfNotFound(key)));
                    Warn(key);
                }
                break;
            case ConfigRequest.Types.Operation.OpTypeOneofCase.GetWithDefault:
                foreach (var pair in operation!.GetWithDefault.Pairs)
                {
                    response.Pairs.Add(Pair(pair.Key, conf.TryGetValue(pair.Key, out var v) ? v : pair.HasValue ? pair.Value : null));
                    Warn(pair.Key);
                }
                break;
            case ConfigRequest.Types.Operation.OpTypeOneofCase.GetOption:
                foreach (var key in operation!.GetOption.Keys)
                {
                    response.Pairs.Add(Pair(key, conf.GetValueOrDefault(key)));
                    Warn(key);
                }
                break;
            case ConfigRequest.Types.Operation.OpTypeOneofCase.GetAll:
            {
                var prefix = operation!.GetAll.HasPrefix ? operation.GetAll.Prefix : "";
                foreach (var (key, value) in conf.Where(c => c.Key.StartsWith(prefix, StringComparison.Ordinal)).OrderBy(c => c.Key, StringComparer.Ordinal))
                {
                    response.Pairs.Add(Pair(key[prefix.Length..], value));
                    Warn(key);
                }
                break;
            }
            case ConfigRequest.Types.Operation.OpTypeOneofCase.Unset:
                foreach (var key in operation!.Unset.Keys)
                {
                    conf.Remove(key);
                    Warn(key);
                }
                break;
            case ConfigRequest.Types.Operation.OpTypeOneofCase.IsModifiable:
                foreach (var key in operation!.IsModifiable.Keys)
                {
                    // RuntimeConfig.isModifiable: a registered SQL conf that is not static.
                    var modifiable = key.StartsWith("spark.sql.", StringComparison.Ordinal) && !StaticSqlConfs.Contains(key);
                    response.Pairs.Add(Pair(key, modifiable ? "true" : "false"));
                    Warn(key);
                }
                break;
            default:
                throw new SparkError($"{operation} not supported.", ["java.lang.UnsupportedOperationException", "java.lang.RuntimeException", "java.lang.Exception", "java.lang.Throwable"]);
        }
    }

    public override Task<AnalyzePlanResponse> AnalyzePlan(AnalyzePlanRequest request, ServerCallContext context) =>
        Unary("AnalyzePlan", context, request.UserContext, request.SessionId, server =>
        {
            var session = server.GetOrCreate(User(request.UserContext), request.SessionId, request.HasClientObservedServerSideSessionId ? request.ClientObservedServerSideSessionId : null);
            if (request.AnalyzeCase != AnalyzePlanRequest.AnalyzeOneofCase.SparkVersion) throw SparkError.NoSpark("plan analysis (schema, explain and the like)");
            return (new AnalyzePlanResponse
            {
                SessionId = request.SessionId,
                ServerSideSessionId = session.ServerSideId,
                SparkVersion = new AnalyzePlanResponse.Types.SparkVersion { Version = server.Server.SparkVersion },
            }, session.ServerSideId);
        });

    public override async Task ExecutePlan(ExecutePlanRequest request, IServerStreamWriter<ExecutePlanResponse> responseStream, ServerCallContext context)
    {
        var server = Resolve(context);
        var user = User(request.UserContext);
        string? serverSide = null, operationId = null;
        var sent = 0;
        try
        {
            var session = server.GetOrCreate(user, request.SessionId, request.HasClientObservedServerSideSessionId ? request.ClientObservedServerSideSessionId : null);
            serverSide = session.ServerSideId;
            operationId = request.HasOperationId ? request.OperationId : Guid.NewGuid().ToString();
            if (!ConnectServerSessions.IsUuid(operationId)) throw SparkError.InvalidHandle("FORMAT", operationId);
            var plan = StreamPlan(request.Plan) ?? throw SparkError.NoSpark(Describe(request.Plan));
            if (plan.Count < 0 || plan.PayloadBytes < 0 || plan.PayloadBytes > MaxPayloadBytes)
                throw SparkError.InvalidPlan($"Stream needs count >= 0 and 0 <= payload_bytes <= {MaxPayloadBytes}, got count {plan.Count}, payload_bytes {plan.PayloadBytes}");
            // ExecuteThreadRunner ends a reattachable execution with ResultComplete, any other by closing the stream.
            var reattachable = request.RequestOptions.Any(o => o.ReattachOptions?.Reattachable == true);

            using var interrupt = new CancellationTokenSource();
            if (!session.TryStart(new ConnectSession.Execution(operationId, [.. request.Tags], interrupt))) throw SparkError.InvalidHandle("OPERATION_ALREADY_EXISTS", operationId);
            try
            {
                // Interrupt is checked between messages: a write cancelled by its token resets the HTTP/2 stream,
                // and Spark ends an interrupted execution with an error status instead.
                var payload = ByteString.CopyFrom(new byte[plan.PayloadBytes]);
                ExecutePlanResponse Response() => new()
                {
                    SessionId = request.SessionId, ServerSideSessionId = session.ServerSideId, OperationId = operationId, ResponseId = Guid.NewGuid().ToString(),
                };
                for (var i = 0; i < plan.Count; i++)
                {
                    if (interrupt.IsCancellationRequested) throw SparkError.OperationCanceled();
                    var response = Response();
                    response.Extension = Any.Pack(new StreamChunk { Sequence = i, Payload = payload });
                    await responseStream.WriteAsync(response, context.CancellationToken);
                    sent++;
                }
                if (interrupt.IsCancellationRequested) throw SparkError.OperationCanceled();
                if (reattachable)
                {
                    var complete = Response();
                    complete.ResultComplete = new ExecutePlanResponse.Types.ResultComplete();
                    await responseStream.WriteAsync(complete, context.CancellationToken);
                    sent++;
                }
            }
            finally
            {
                session.End(operationId);
            }
            Record("ExecutePlan", server, context, user, request.SessionId, serverSide, operationId, StatusCode.OK, "", sent);
        }
        catch (SparkError e)
        {
            Record("ExecutePlan", server, context, user, request.SessionId, serverSide, operationId, StatusCode.Internal, e.Message, sent);
            throw e.ToRpcException(server.Find(user, request.SessionId)?.Remember(e));
        }
        catch (Exception e) when (context.CancellationToken.IsCancellationRequested || e is OperationCanceledException or IOException or InvalidOperationException)
        {
            // The client cancelled or went away (a write may fail before the request's abort token is signalled):
            // nothing more can reach it.
            Record("ExecutePlan", server, context, user, request.SessionId, serverSide, operationId, StatusCode.Cancelled, "Cancelled by the client", sent, cancelled: true);
        }
    }

    /// <summary>A stream's messages stay well below Spark Connect's default 128 MiB message limit.</summary>
    const int MaxPayloadBytes = 64 * 1024 * 1024;

    static SparkPortal.Sandbox.Stream? StreamPlan(Plan? plan)
    {
        var extension = plan?.OpTypeCase switch
        {
            Plan.OpTypeOneofCase.Root when plan.Root.RelTypeCase == Relation.RelTypeOneofCase.Extension => plan.Root.Extension,
            Plan.OpTypeOneofCase.Command when plan.Command.CommandTypeCase == Command.CommandTypeOneofCase.Extension => plan.Command.Extension,
            _ => null,
        };
        return extension is not null && extension.TypeUrl == StreamTypeUrl ? extension.Unpack<SparkPortal.Sandbox.Stream>() : null;
    }

    static string Describe(Plan? plan) => plan?.OpTypeCase switch
    {
        Plan.OpTypeOneofCase.Root when plan.Root.RelTypeCase == Relation.RelTypeOneofCase.Sql => $"the SQL query \"{Abbreviate(plan.Root.Sql.Query)}\"",
        Plan.OpTypeOneofCase.Root => "this query",
        Plan.OpTypeOneofCase.Command when plan.Command.CommandTypeCase == Command.CommandTypeOneofCase.SqlCommand => "this SQL command",
        Plan.OpTypeOneofCase.Command => "this command",
        _ => "an empty plan",
    };

    static string Abbreviate(string text) => text.Length > 200 ? text[..197] + "..." : text;

    public override Task<InterruptResponse> Interrupt(InterruptRequest request, ServerCallContext context) =>
        Unary("Interrupt", context, request.UserContext, request.SessionId, server =>
        {
            var session = server.GetOrCreate(User(request.UserContext), request.SessionId, request.HasClientObservedServerSideSessionId ? request.ClientObservedServerSideSessionId : null);
            var ids = request.InterruptType switch
            {
                InterruptRequest.Types.InterruptType.All => session.InterruptAll(),
                InterruptRequest.Types.InterruptType.Tag => request.InterruptCase == InterruptRequest.InterruptOneofCase.OperationTag
                    ? session.InterruptTag(request.OperationTag)
                    : throw SparkError.IllegalArgument("INTERRUPT_TYPE_TAG requested, but no operation_tag provided."),
                InterruptRequest.Types.InterruptType.OperationId => request.InterruptCase == InterruptRequest.InterruptOneofCase.OperationId
                    ? session.InterruptOperation(request.OperationId)
                    : throw SparkError.IllegalArgument("INTERRUPT_TYPE_OPERATION_ID requested, but no operation_id provided."),
                var other => throw new SparkError($"Unknown InterruptType {other}!", ["java.lang.UnsupportedOperationException", "java.lang.RuntimeException", "java.lang.Exception", "java.lang.Throwable"]),
            };
            return (new InterruptResponse { SessionId = request.SessionId, ServerSideSessionId = session.ServerSideId, InterruptedIds = { ids } }, session.ServerSideId);
        });

    public override Task<ReleaseSessionResponse> ReleaseSession(ReleaseSessionRequest request, ServerCallContext context) =>
        Unary("ReleaseSession", context, request.UserContext, request.SessionId, server =>
        {
            // SparkConnectReleaseSessionHandler: a noop for an unknown session; the server-side id only when it existed.
            var closed = server.Close(User(request.UserContext), request.SessionId, request.AllowReconnect);
            var response = new ReleaseSessionResponse { SessionId = request.SessionId };
            if (closed is not null) response.ServerSideSessionId = closed.ServerSideId;
            return (response, closed?.ServerSideId);
        });

    public override Task ReattachExecute(ReattachExecuteRequest request, IServerStreamWriter<ExecutePlanResponse> responseStream, ServerCallContext context) =>
        Unary<ExecutePlanResponse>("ReattachExecute", context, request.UserContext, request.SessionId, server =>
        {
            // REVIEW: the stand-in keeps no response buffer, so no execution can be reattached to.
            server.GetExisting(User(request.UserContext), request.SessionId, request.HasClientObservedServerSideSessionId ? request.ClientObservedServerSideSessionId : null);
            throw SparkError.InvalidHandle("OPERATION_NOT_FOUND", request.OperationId);
        });

    public override Task<ReleaseExecuteResponse> ReleaseExecute(ReleaseExecuteRequest request, ServerCallContext context) =>
        Unary("ReleaseExecute", context, request.UserContext, request.SessionId, server =>
        {
            var session = server.GetExisting(User(request.UserContext), request.SessionId, request.HasClientObservedServerSideSessionId ? request.ClientObservedServerSideSessionId : null);
            // Executions are released as they end, so operation_id stays unset ("concurrently released").
            return (new ReleaseExecuteResponse { SessionId = request.SessionId, ServerSideSessionId = session.ServerSideId }, session.ServerSideId);
        });

    public override Task<FetchErrorDetailsResponse> FetchErrorDetails(FetchErrorDetailsRequest request, ServerCallContext context) =>
        Unary("FetchErrorDetails", context, request.UserContext, request.SessionId, server =>
        {
            var session = server.GetExisting(User(request.UserContext), request.SessionId, request.HasClientObservedServerSideSessionId ? request.ClientObservedServerSideSessionId : null);
            var response = new FetchErrorDetailsResponse { SessionId = request.SessionId, ServerSideSessionId = session.ServerSideId };
            if (session.Error(request.ErrorId) is { } error)
            {
                // ErrorUtils.throwableToProtoErrors: the root error first; the stand-in's errors have no cause.
                response.RootErrorIdx = 0;
                response.Errors.Add(new FetchErrorDetailsResponse.Types.Error { Message = error.Message, ErrorTypeHierarchy = { error.Classes } });
            }
            return (response, session.ServerSideId);
        });

    public override Task<ArtifactStatusesResponse> ArtifactStatus(ArtifactStatusesRequest request, ServerCallContext context) =>
        Unary("ArtifactStatus", context, request.UserContext, request.SessionId, server =>
        {
            var session = server.GetOrCreate(User(request.UserContext), request.SessionId, request.HasClientObservedServerSideSessionId ? request.ClientObservedServerSideSessionId : null);
            var response = new ArtifactStatusesResponse { SessionId = request.SessionId, ServerSideSessionId = session.ServerSideId };
            foreach (var name in request.Names)
                response.Statuses[name] = new ArtifactStatusesResponse.Types.ArtifactStatus { Exists = session.Artifacts.ContainsKey(name) };
            return (response, session.ServerSideId);
        });

    /// <summary>SparkConnectAddArtifactsHandler: artifacts are kept by name when every chunk's CRC32 matches, and each is reported with whether it did.</summary>
    public override async Task<AddArtifactsResponse> AddArtifacts(IAsyncStreamReader<AddArtifactsRequest> requestStream, ServerCallContext context)
    {
        var server = Resolve(context);
        var requests = new List<AddArtifactsRequest>();
        try
        {
            await foreach (var r in requestStream.ReadAllAsync(context.CancellationToken)) requests.Add(r);
        }
        catch (Exception e) when (context.CancellationToken.IsCancellationRequested && e is OperationCanceledException or IOException)
        {
            Record("AddArtifacts", server, context, "", "", null, null, StatusCode.Cancelled, "Cancelled by the client", 0, cancelled: true);
            throw;
        }
        var first = requests.FirstOrDefault() ?? new AddArtifactsRequest();
        return await Unary("AddArtifacts", context, first.UserContext, first.SessionId, s =>
        {
            var session = s.GetOrCreate(User(first.UserContext), first.SessionId, first.HasClientObservedServerSideSessionId ? first.ClientObservedServerSideSessionId : null);
            var response = new AddArtifactsResponse { SessionId = first.SessionId, ServerSideSessionId = session.ServerSideId };
            (string Name, bool Ok)? chunked = null;
            void Finish((string Name, bool Ok) artifact)
            {
                if (artifact.Ok) session.Artifacts[artifact.Name] = true;
                response.Artifacts.Add(new AddArtifactsResponse.Types.ArtifactSummary { Name = artifact.Name, IsCrcSuccessful = artifact.Ok });
            }
            foreach (var r in requests)
            {
                switch (r.PayloadCase)
                {
                    case AddArtifactsRequest.PayloadOneofCase.Batch:
                        foreach (var a in r.Batch.Artifacts) Finish((a.Name, Crc32.Matches(a.Data)));
                        break;
                    case AddArtifactsRequest.PayloadOneofCase.BeginChunk:
                        if (chunked is { } open) Finish(open);
                        chunked = (r.BeginChunk.Name, Crc32.Matches(r.BeginChunk.InitialChunk));
                        break;
                    case AddArtifactsRequest.PayloadOneofCase.Chunk when chunked is { } c:
                        chunked = (c.Name, c.Ok && Crc32.Matches(r.Chunk));
                        break;
                }
            }
            if (chunked is { } last) Finish(last);
            return (response, session.ServerSideId);
        }, resolved: server);
    }

    static string User(UserContext? context) => context?.UserId ?? "";

    ConnectServerSessions Resolve(ServerCallContext context)
    {
        var http = context.GetHttpContext();
        var connection = http.Features.Get<IConnectServerFeature>();
        if (connection?.Current() is { } server) return servers.For(server);
        // The process behind this connection is gone: its connections die with it (aborting the request alone would
        // leave a pooled HTTP/2 connection to a dead server that fails every call sent on it).
        if (connection is not null) connection.Reset();
        else http.Abort();
        throw new RpcException(new Grpc.Core.Status(StatusCode.Unavailable, "connection reset"));
    }

    /// <summary>Runs a call's handler, records the call, and reports a <see cref="SparkError"/> as Spark's server does.</summary>
    Task<T> Unary<T>(string method, ServerCallContext context, UserContext? user, string sessionId,
        Func<ConnectServerSessions, (T Response, string? ServerSideId)> body, ConnectServerSessions? resolved = null)
    {
        var server = resolved ?? Resolve(context);
        try
        {
            var (response, serverSide) = body(server);
            Record(method, server, context, User(user), sessionId, serverSide, null, StatusCode.OK, "", 1);
            return Task.FromResult(response);
        }
        catch (SparkError e)
        {
            var session = server.Find(User(user), sessionId);
            Record(method, server, context, User(user), sessionId, session?.ServerSideId, null, StatusCode.Internal, e.Message, 0);
            throw e.ToRpcException(session?.Remember(e));
        }
    }

    void Record(string method, ConnectServerSessions server, ServerCallContext context, string user, string sessionId, string? serverSide,
        string? operationId, StatusCode status, string message, int responses, bool cancelled = false) =>
        servers.Recorder.Record(new SparkConnectCall(method, server.Server.Namespace, server.Server.PodName,
            [.. context.RequestHeaders.Select(h => KeyValuePair.Create(h.Key, h.IsBinary ? Convert.ToBase64String(h.ValueBytes) : h.Value))],
            user, sessionId, serverSide, operationId, status, message, cancelled, responses));
}

/// <summary>CRC-32 (IEEE, as java.util.zip.CRC32), for the checksums Spark Connect clients send with artifact chunks.</summary>
internal static class Crc32
{
    static readonly uint[] Table = Enumerable.Range(0, 256).Select(n =>
    {
        var c = (uint)n;
        for (var k = 0; k < 8; k++) c = (c & 1) != 0 ? 0xEDB88320u ^ (c >> 1) : c >> 1;
        return c;
    }).ToArray();

    public static bool Matches(AddArtifactsRequest.Types.ArtifactChunk? chunk) => chunk is not null && Of(chunk.Data.Span) == chunk.Crc;

    public static long Of(ReadOnlySpan<byte> data)
    {
        var crc = 0xFFFFFFFFu;
        foreach (var b in data) crc = Table[(crc ^ b) & 0xFF] ^ (crc >> 8);
        return crc ^ 0xFFFFFFFFu;
    }
}
