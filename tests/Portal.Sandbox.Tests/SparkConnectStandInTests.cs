using System.Net.Http.Json;
using System.Text.Json;
using Google.Protobuf.WellKnownTypes;
using Google.Rpc;
using Grpc.Core;
using Grpc.Net.Client;
using k8s;
using k8s.Models;
using Portal.Sandbox.Network;
using Spark.Connect;
using SparkPortal.Sandbox;
using static Portal.Sandbox.Tests.SparkBuilders;
using StreamPlan = SparkPortal.Sandbox.Stream;

namespace Portal.Sandbox.Tests;

/// <summary>
/// The simulated Spark Connect server, reached over the sandbox's pod network by a gRPC client built from the same
/// protocol files: it answers as Spark's SparkConnectService does, and refuses to execute anything but the sandbox's
/// own Stream plan.
/// </summary>
public sealed class SparkConnectStandInTests : SparkTest
{
    readonly List<GrpcChannel> _channels = [];
    int _dials;

    public override async ValueTask DisposeAsync()
    {
        foreach (var c in _channels) c.Dispose();
        await base.DisposeAsync();
    }

    [Fact]
    public async Task A_config_value_set_in_a_session_is_read_back_in_that_session()
    {
        var connect = await ConnectClient();
        var session = NewSession();

        await connect.ConfigAsync(Config(session, new() { Set = new() { Pairs = { new KeyValue { Key = "spark.sql.shuffle.partitions", Value = "8" } } } }), cancellationToken: Ct);
        var got = await connect.ConfigAsync(Config(session, new() { Get = new() { Keys = { "spark.sql.shuffle.partitions" } } }), cancellationToken: Ct);

        Assert.Equal("8", Assert.Single(got.Pairs).Value);
    }

    [Fact]
    public async Task A_session_starts_with_the_connect_servers_own_spark_conf()
    {
        await Client.CoreV1.CreateNamespacedConfigMapAsync(ASparkDefaults("etl-conf", "spark.sql.ansi.enabled=true", "other.key=ignored"), Ns, cancellationToken: Ct);
        var connect = await ConnectClient(ASparkConnect(conf: "spark.executor.cores=2").WithSparkDefaultsFrom("etl-conf"));

        var all = await connect.ConfigAsync(Config(NewSession(), new() { GetAll = new() }), cancellationToken: Ct);

        var conf = all.Pairs.ToDictionary(p => p.Key, p => p.Value);
        Assert.Equal(("2", "true", "Spark Connect server", false), (conf["spark.executor.cores"], conf["spark.sql.ansi.enabled"], conf["spark.app.name"], conf.ContainsKey("other.key")));
    }

    [Fact]
    public async Task A_config_set_in_one_session_is_not_seen_by_another()
    {
        var connect = await ConnectClient();
        await connect.ConfigAsync(Config(NewSession(), new() { Set = new() { Pairs = { new KeyValue { Key = "spark.sql.shuffle.partitions", Value = "8" } } } }), cancellationToken: Ct);

        var other = await connect.ConfigAsync(Config(NewSession(), new() { GetOption = new() { Keys = { "spark.sql.shuffle.partitions" } } }), cancellationToken: Ct);

        Assert.False(Assert.Single(other.Pairs).HasValue);
    }

    [Fact]
    public async Task Getting_a_config_nobody_set_fails_with_SQL_CONF_NOT_FOUND()
    {
        var connect = await ConnectClient();

        var e = await Assert.ThrowsAsync<RpcException>(async () =>
            await connect.ConfigAsync(Config(NewSession(), new() { Get = new() { Keys = { "spark.sql.nope" } } }), cancellationToken: Ct));

        Assert.Equal((StatusCode.Internal, "SQL_CONF_NOT_FOUND"), (e.StatusCode, ErrorInfoOf(e).Metadata["errorClass"]));
    }

    [Fact]
    public async Task Every_answer_in_a_session_carries_the_same_server_side_session_id()
    {
        var connect = await ConnectClient();
        var session = NewSession();

        var config = await connect.ConfigAsync(Config(session, new() { GetAll = new() }), cancellationToken: Ct);
        var version = await connect.AnalyzePlanAsync(Version(session), cancellationToken: Ct);

        Assert.Equal((session, session, config.ServerSideSessionId), (config.SessionId, version.SessionId, version.ServerSideSessionId));
    }

    [Fact]
    public async Task Spark_version_is_the_images_spark_version()
    {
        var connect = await ConnectClient(ASparkConnect().WithImage("apache/spark:4.1.2-scala2.13-java21-python3-ubuntu"));

        var version = await connect.AnalyzePlanAsync(Version(NewSession()), cancellationToken: Ct);

        Assert.Equal("4.1.2", version.SparkVersion.Version);
    }

    [Fact]
    public async Task The_stream_plan_delivers_every_message_whole_and_in_order_then_result_complete()
    {
        var connect = await ConnectClient();

        var responses = await ReadAll(connect.ExecutePlan(StreamRequest(NewSession(), count: 2000, payloadBytes: 1000, reattachable: true), cancellationToken: Ct));

        var seen = responses.Select(r => r.ResponseTypeCase == ExecutePlanResponse.ResponseTypeOneofCase.Extension
            ? $"{r.Extension.Unpack<StreamChunk>().Sequence}: {r.Extension.Unpack<StreamChunk>().Payload.Length} bytes"
            : r.ResponseTypeCase.ToString());
        Assert.Equal(Enumerable.Range(0, 2000).Select(i => $"{i}: 1000 bytes").Append("ResultComplete"), seen);
    }

    [Fact]
    public async Task A_stream_that_is_not_reattachable_ends_without_result_complete_as_Spark_does()
    {
        var connect = await ConnectClient();

        var responses = await ReadAll(connect.ExecutePlan(StreamRequest(NewSession(), count: 3, payloadBytes: 1, reattachable: false), cancellationToken: Ct));

        Assert.All(responses, r => Assert.Equal(ExecutePlanResponse.ResponseTypeOneofCase.Extension, r.ResponseTypeCase));
    }

    [Fact]
    public async Task Cancelling_a_stream_is_recorded_as_a_cancelled_call()
    {
        var connect = await ConnectClient();
        using var cancel = CancellationTokenSource.CreateLinkedTokenSource(Ct);
        var session = NewSession();
        using var call = connect.ExecutePlan(StreamRequest(session, count: 10_000_000, payloadBytes: 100, reattachable: true), cancellationToken: cancel.Token);
        for (var i = 0; i < 10; i++) Assert.True(await call.ResponseStream.MoveNext(Ct));

        await cancel.CancelAsync();

        await Until(() => Task.FromResult(Sandbox.SparkConnect.Calls.Any(c => c.Method == "ExecutePlan" && c.SessionId == session && c.Cancelled)), "the stand-in records the cancellation");
    }

    [Fact]
    public async Task Interrupting_a_running_stream_ends_it_with_OPERATION_CANCELED()
    {
        var connect = await ConnectClient();
        var session = NewSession();
        using var call = connect.ExecutePlan(StreamRequest(session, count: 10_000_000, payloadBytes: 100, reattachable: true), cancellationToken: Ct);
        Assert.True(await call.ResponseStream.MoveNext(Ct));
        var operation = call.ResponseStream.Current.OperationId;

        var interrupted = await connect.InterruptAsync(new InterruptRequest { SessionId = session, UserContext = Alice, InterruptType = InterruptRequest.Types.InterruptType.All }, cancellationToken: Ct);
        var e = await Assert.ThrowsAsync<RpcException>(async () => { while (await call.ResponseStream.MoveNext(Ct)) { } });

        Assert.Equal((operation, "OPERATION_CANCELED"), (Assert.Single(interrupted.InterruptedIds), ErrorInfoOf(e).Metadata["errorClass"]));
    }

    [Fact]
    public async Task Executing_a_query_fails_with_INTERNAL_saying_the_sandbox_runs_no_Spark()
    {
        var connect = await ConnectClient();
        var request = new ExecutePlanRequest { SessionId = NewSession(), UserContext = Alice, Plan = new Plan { Root = new Relation { Sql = new SQL { Query = "SELECT 1" } } } };

        var e = await Assert.ThrowsAsync<RpcException>(async () => await ReadAll(connect.ExecutePlan(request, cancellationToken: Ct)));

        Assert.Equal((StatusCode.Internal, "org.apache.spark.SparkException", "org.apache.spark"), (e.StatusCode, ErrorInfoOf(e).Reason, ErrorInfoOf(e).Domain));
        Assert.Contains("The embedded Kubernetes sandbox runs no Spark", e.Status.Detail, StringComparison.Ordinal);
    }

    [Fact]
    public async Task The_execution_error_can_be_fetched_in_detail_by_its_error_id()
    {
        var connect = await ConnectClient();
        var session = NewSession();
        var request = new ExecutePlanRequest { SessionId = session, UserContext = Alice, Plan = new Plan { Root = new Relation { Sql = new SQL { Query = "SELECT 1" } } } };
        var e = await Assert.ThrowsAsync<RpcException>(async () => await ReadAll(connect.ExecutePlan(request, cancellationToken: Ct)));

        var details = await connect.FetchErrorDetailsAsync(new FetchErrorDetailsRequest { SessionId = session, UserContext = Alice, ErrorId = ErrorInfoOf(e).Metadata["errorId"] }, cancellationToken: Ct);

        Assert.Equal(e.Status.Detail, details.Errors[details.RootErrorIdx].Message);
    }

    [Fact]
    public async Task A_session_id_that_is_not_a_UUID_gets_INVALID_HANDLE_FORMAT()
    {
        var connect = await ConnectClient();

        var e = await Assert.ThrowsAsync<RpcException>(async () => await connect.AnalyzePlanAsync(Version("not-a-uuid"), cancellationToken: Ct));

        Assert.Equal((StatusCode.Internal, "INVALID_HANDLE.FORMAT", "HY000", "org.apache.spark.SparkSQLException"),
            (e.StatusCode, ErrorInfoOf(e).Metadata["errorClass"], ErrorInfoOf(e).Metadata["sqlState"], ErrorInfoOf(e).Reason));
    }

    [Fact]
    public async Task A_released_session_cannot_be_used_again()
    {
        var connect = await ConnectClient();
        var session = NewSession();
        await connect.AnalyzePlanAsync(Version(session), cancellationToken: Ct);

        await connect.ReleaseSessionAsync(new ReleaseSessionRequest { SessionId = session, UserContext = Alice }, cancellationToken: Ct);
        var e = await Assert.ThrowsAsync<RpcException>(async () => await connect.AnalyzePlanAsync(Version(session), cancellationToken: Ct));

        Assert.Equal("INVALID_HANDLE.SESSION_CLOSED", ErrorInfoOf(e).Metadata["errorClass"]);
    }

    [Fact]
    public async Task A_client_that_observed_another_server_side_session_gets_SESSION_CHANGED()
    {
        var connect = await ConnectClient();
        var request = Version(NewSession());
        request.ClientObservedServerSideSessionId = Guid.NewGuid().ToString();

        var e = await Assert.ThrowsAsync<RpcException>(async () => await connect.AnalyzePlanAsync(request, cancellationToken: Ct));

        Assert.Equal("INVALID_HANDLE.SESSION_CHANGED", ErrorInfoOf(e).Metadata["errorClass"]);
    }

    [Fact]
    public async Task Reattaching_to_an_execution_gets_OPERATION_NOT_FOUND_since_no_responses_are_kept()
    {
        var connect = await ConnectClient();
        var session = NewSession();
        await connect.AnalyzePlanAsync(Version(session), cancellationToken: Ct);
        using var reattach = connect.ReattachExecute(new ReattachExecuteRequest { SessionId = session, UserContext = Alice, OperationId = Guid.NewGuid().ToString() }, cancellationToken: Ct);

        var e = await Assert.ThrowsAsync<RpcException>(async () => await reattach.ResponseStream.MoveNext(Ct));

        Assert.Equal("INVALID_HANDLE.OPERATION_NOT_FOUND", ErrorInfoOf(e).Metadata["errorClass"]);
    }

    [Fact]
    public async Task The_stand_in_records_the_request_headers_it_received()
    {
        var connect = await ConnectClient();
        var session = NewSession();

        await connect.AnalyzePlanAsync(Version(session), new Metadata { { "x-spark-portal-cluster", "acme/etl" } }, cancellationToken: Ct);

        var call = Assert.Single(Sandbox.SparkConnect.Calls, c => c.SessionId == session);
        Assert.Equal(("AnalyzePlan", "acme/etl", null, StatusCode.OK), (call.Method, call.Header("x-spark-portal-cluster"), call.Header("authorization"), call.Status));
    }

    [Fact]
    public async Task Artifacts_added_with_a_matching_crc_are_reported_as_present()
    {
        var connect = await ConnectClient();
        var session = NewSession();
        // CRC-32's published check value: "123456789" hashes to 0xCBF43926.
        var (data, crc) = ("123456789"u8.ToArray(), 0xCBF43926L);
        using var add = connect.AddArtifacts(cancellationToken: Ct);
        await add.RequestStream.WriteAsync(new AddArtifactsRequest
        {
            SessionId = session, UserContext = Alice,
            Batch = new() { Artifacts = { new AddArtifactsRequest.Types.SingleChunkArtifact { Name = "classes/A.class", Data = new() { Data = Google.Protobuf.ByteString.CopyFrom(data), Crc = crc } } } },
        }, Ct);
        await add.RequestStream.CompleteAsync();
        var added = await add;

        var status = await connect.ArtifactStatusAsync(new ArtifactStatusesRequest { SessionId = session, UserContext = Alice, Names = { "classes/A.class", "classes/B.class" } }, cancellationToken: Ct);

        Assert.Equal((true, true, false), (Assert.Single(added.Artifacts).IsCrcSuccessful, status.Statuses["classes/A.class"].Exists, status.Statuses["classes/B.class"].Exists));
    }

    [Fact]
    public async Task The_master_ui_answers_http_1_1_on_the_pod_network()
    {
        await DeployMaster();
        var master = await PodOf("etl-master");
        using var http = new HttpClient(new SocketsHttpHandler { ConnectCallback = (_, ct) => Sandbox.PodNetwork.DialAsync(Ns, master.Metadata.Name, 8080, ct) });

        var state = await http.GetFromJsonAsync<JsonElement>($"http://{master.Status.PodIP}:8080/json/", Ct);

        Assert.Equal($"spark://{master.Status.PodIP}:7077", state.GetProperty("url").GetString());
    }

    [Fact]
    public async Task A_port_nothing_listens_on_is_refused()
    {
        await DeployMaster();
        var master = await PodOf("etl-master");

        var e = await Assert.ThrowsAsync<ConnectionRefusedException>(async () => await Sandbox.PodNetwork.DialAsync(Ns, master.Metadata.Name, 9999, Ct));

        Assert.Equal($"dial tcp {master.Status.PodIP}:9999: connect: connection refused", e.Message);
    }


    [Fact]
    public async Task After_a_connect_server_restarted_the_next_call_on_the_same_channel_reaches_the_new_one()
    {
        var connect = await ConnectClient(ASparkConnect().WithLivenessProbe());
        var before = await AppIdOf(connect);
        await RestartConnectDriver();

        // The call on the pooled connection to the old driver fails, and resets it as a dead process's connections
        // are, so the channel dials afresh.
        Assert.Equal(StatusCode.Unavailable, (await Assert.ThrowsAsync<RpcException>(() => AppIdOf(connect))).StatusCode);
        var after = await AppIdOf(connect);

        Assert.NotEqual(before, after);
    }

    [Fact]
    public async Task An_idle_connection_stays_open_as_sparks_netty_server_keeps_it()
    {
        var connect = await ConnectClient();
        await AppIdOf(connect);
        var dials = _dials;

        // Longer than Kestrel's heartbeat (1 s), the granularity of every server-side connection timeout.
        await Task.Delay(TimeSpan.FromSeconds(3), Ct);
        await AppIdOf(connect);

        Assert.Equal(dials, _dials);
    }

    /// <summary>Restarts the master, so the Connect driver loses it and its liveness probe restarts it.</summary>
    async Task RestartConnectDriver()
    {
        await RestartMaster();
        await Until(async () => (await PodOf("etl-connect")).Status.ContainerStatuses[0].RestartCount == 1, "the connect container restarts");
        await Until(async () =>
        {
            try
            {
                await (await Sandbox.PodNetwork.DialAsync(Ns, (await PodOf("etl-connect")).Metadata.Name, 15002, Ct)).DisposeAsync();
                return true;
            }
            catch (ConnectionRefusedException)
            {
                return false;
            }
        }, "the restarted Connect server listens on 15002");
    }

    /// <summary>The application the Connect server's driver registered as (a restarted driver registers anew).</summary>
    static async Task<string> AppIdOf(SparkConnectService.SparkConnectServiceClient connect) =>
        Assert.Single((await connect.ConfigAsync(Config(NewSession(), new() { Get = new() { Keys = { "spark.app.id" } } }), cancellationToken: Ct)).Pairs).Value;
    static readonly UserContext Alice = new() { UserId = "alice" };

    static string NewSession() => Guid.NewGuid().ToString();

    static ConfigRequest Config(string session, ConfigRequest.Types.Operation operation) => new() { SessionId = session, UserContext = Alice, Operation = operation };

    static AnalyzePlanRequest Version(string session) => new() { SessionId = session, UserContext = Alice, SparkVersion = new() };

    static ExecutePlanRequest StreamRequest(string session, int count, int payloadBytes, bool reattachable) => new()
    {
        SessionId = session,
        UserContext = Alice,
        Plan = new Plan { Root = new Relation { Extension = Any.Pack(new StreamPlan { Count = count, PayloadBytes = payloadBytes }) } },
        RequestOptions = { new ExecutePlanRequest.Types.RequestOption { ReattachOptions = new ReattachOptions { Reattachable = reattachable } } },
    };

    static ErrorInfo ErrorInfoOf(RpcException e) => e.GetRpcStatus()?.GetDetail<ErrorInfo>() ?? throw new InvalidOperationException($"no ErrorInfo in {e.Status}");

    static async Task<List<ExecutePlanResponse>> ReadAll(AsyncServerStreamingCall<ExecutePlanResponse> call)
    {
        using (call)
        {
            var all = new List<ExecutePlanResponse>();
            while (await call.ResponseStream.MoveNext(Ct)) all.Add(call.ResponseStream.Current);
            return all;
        }
    }

    /// <summary>A master and a Connect server; returns a client for the Connect server's gRPC port once it listens.</summary>
    async Task<SparkConnectService.SparkConnectServiceClient> ConnectClient(SparkDeploymentBuilder? connect = null)
    {
        await DeployMaster();
        await Expose(AConnectService());
        await Deploy(connect ?? ASparkConnect());
        V1Pod? pod = null;
        await Until(async () =>
        {
            pod = (await Client.CoreV1.ListNamespacedPodAsync(Ns, labelSelector: "app=etl-connect", cancellationToken: Ct)).Items.FirstOrDefault(p => p.Status?.Phase == "Running");
            if (pod is null) return false;
            try
            {
                await (await Sandbox.PodNetwork.DialAsync(Ns, pod.Metadata.Name, 15002, Ct)).DisposeAsync();
                return true;
            }
            catch (ConnectionRefusedException)
            {
                return false;
            }
        }, "the Connect server listens on 15002");
        var name = pod!.Metadata.Name;
        var channel = GrpcChannel.ForAddress($"http://{pod.Status.PodIP}:15002", new GrpcChannelOptions
        {
            HttpHandler = new SocketsHttpHandler
            {
                ConnectCallback = (_, ct) =>
                {
                    Interlocked.Increment(ref _dials);
                    return Sandbox.PodNetwork.DialAsync(Ns, name, 15002, ct);
                },
            },
        });
        _channels.Add(channel);
        return new SparkConnectService.SparkConnectServiceClient(channel);
    }
}
