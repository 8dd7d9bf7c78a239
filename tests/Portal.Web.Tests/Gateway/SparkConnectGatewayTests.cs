using Portal.Testing;
using Google.Protobuf;
using Google.Protobuf.WellKnownTypes;
using Grpc.Core;
using Portal.Core.Audit;
using Portal.Core.Identity;
using Portal.Sandbox.SparkConnect;
using Spark.Connect;

namespace Portal.Web.Tests.Gateway;

/// <summary>
/// A Spark Connect client through the portal's gateway to a Running cluster's Connect server (the sandbox's stand-in,
/// reached through the Kubernetes API's pod port-forward), on PostgreSQL.
/// </summary>
[Collection(GatewayCollection.Name)]
public sealed class SparkConnectGatewayTests(GatewayFixture app) : IDisposable
{
    private const string Route = $"default/{GatewayFixture.Cluster}";
    private readonly GatewayClient _client = new(app);

    private static CancellationToken Ct => TestContext.Current.CancellationToken;

    private Metadata MemberHeaders() => GatewayClient.Headers(app.TokenFor(GatewayFixture.Member), Route);

    [Fact]
    public async Task A_member_sets_and_reads_back_spark_conf_through_the_gateway()
    {
        var session = Guid.NewGuid().ToString();
        var headers = MemberHeaders();

        await _client.Spark.ConfigAsync(GatewayClient.SetConf(session, "spark.sql.shuffle.partitions", "7"), headers, cancellationToken: Ct);
        var read = await _client.Spark.ConfigAsync(GatewayClient.GetConf(session, "spark.sql.shuffle.partitions"), headers, cancellationToken: Ct);

        Assert.Equal("7", Assert.Single(read.Pairs).Value);
    }

    [Fact]
    public async Task The_gateway_answers_with_the_cluster_s_spark_version()
    {
        var answer = await _client.Spark.AnalyzePlanAsync(GatewayClient.Version(Guid.NewGuid().ToString()), MemberHeaders(), cancellationToken: Ct);

        Assert.Equal("4.0.3", answer.SparkVersion.Version);
    }

    [Fact]
    public async Task A_server_stream_of_many_messages_arrives_whole_and_in_order()
    {
        using var call = _client.Spark.ExecutePlan(StreamOf(count: 3000, bytes: 2048), MemberHeaders(), cancellationToken: Ct);

        var sequences = new List<long>();
        var wholePayloads = 0;
        var completed = false;
        await foreach (var response in call.ResponseStream.ReadAllAsync(Ct))
        {
            if (response.ResultComplete is not null)
                completed = true;
            else if (response.Extension?.TryUnpack<SparkPortal.Sandbox.StreamChunk>(out var chunk) == true)
            {
                sequences.Add(chunk.Sequence);
                wholePayloads += chunk.Payload.Length == 2048 ? 1 : 0;
            }
        }

        Assert.Equal(Enumerable.Range(0, 3000).Select(i => (long)i), sequences);
        Assert.Equal(3000, wholePayloads);
        Assert.True(completed, "the stream ended without result_complete");
    }

    [Fact]
    public async Task The_token_and_the_routing_header_never_reach_spark()
    {
        var session = Guid.NewGuid().ToString();

        await _client.Spark.ConfigAsync(GatewayClient.GetConf(session, "spark.app.name"), MemberHeaders(), cancellationToken: Ct);

        var seen = await CallOfSessionAsync(session);
        Assert.Null(seen.Header("authorization"));
        Assert.Null(seen.Header("x-spark-portal-cluster"));
    }

    [Fact]
    public async Task Cancelling_a_call_cancels_it_upstream()
    {
        var session = Guid.NewGuid().ToString();
        using var cancel = CancellationTokenSource.CreateLinkedTokenSource(Ct);
        using var call = _client.Spark.ExecutePlan(StreamOf(count: 10_000_000, bytes: 1024, session), MemberHeaders(), cancellationToken: cancel.Token);

        Assert.True(await call.ResponseStream.MoveNext(Ct));
        await cancel.CancelAsync();

        var seen = await CallOfSessionAsync(session);
        Assert.True(seen.Cancelled, $"the stand-in saw the call end with {seen.Status} after {seen.Responses} responses, not cancelled");
    }

    [Fact]
    public async Task A_new_session_is_audited_once_with_who_opened_it_on_which_cluster()
    {
        var session = Guid.NewGuid().ToString();
        var headers = MemberHeaders();

        await _client.Spark.ConfigAsync(GatewayClient.GetConf(session, "spark.app.name"), headers, cancellationToken: Ct);
        await _client.Spark.AnalyzePlanAsync(GatewayClient.Version(session), headers, cancellationToken: Ct);

        var entries = (await app.AuditLogAsync()).Where(e => e.Action == "cluster.connect" && e.Detail?.Contains(session, StringComparison.Ordinal) == true).ToList();
        var entry = Assert.Single(entries);
        Assert.Equal((GatewayFixture.Member, $"tenants/default/clusters/{GatewayFixture.Cluster}", AuditOutcome.Succeeded),
            (entry.Actor, entry.Target, entry.Outcome));
    }

    [Fact]
    public async Task A_viewer_is_refused_with_permission_denied()
    {
        var refused = await Assert.ThrowsAsync<RpcException>(() => _client.Spark.ConfigAsync(
            GatewayClient.GetConf(Guid.NewGuid().ToString(), "spark.app.name"),
            GatewayClient.Headers(app.TokenFor(GatewayFixture.Viewer), Route), cancellationToken: Ct).ResponseAsync);

        Assert.Equal(StatusCode.PermissionDenied, refused.StatusCode);
    }

    [Fact]
    public async Task A_read_only_token_is_refused_with_permission_denied()
    {
        var token = app.TokenFor(GatewayFixture.Member, request: new TokenRequest(GatewayFixture.Member, "read-only", Access: TokenAccess.Read));

        var refused = await Assert.ThrowsAsync<RpcException>(() => _client.Spark.ConfigAsync(
            GatewayClient.GetConf(Guid.NewGuid().ToString(), "spark.app.name"), GatewayClient.Headers(token, Route), cancellationToken: Ct).ResponseAsync);

        Assert.Equal((StatusCode.PermissionDenied, true), (refused.StatusCode, refused.Status.Detail.Contains("read-only", StringComparison.Ordinal)));
    }

    [Fact]
    public async Task A_member_of_another_tenant_gets_not_found_as_for_a_cluster_that_does_not_exist()
    {
        var stranger = app.TokenFor(GatewayFixture.Stranger);

        var theirs = await Assert.ThrowsAsync<RpcException>(() => _client.Spark.ConfigAsync(
            GatewayClient.GetConf(Guid.NewGuid().ToString(), "spark.app.name"), GatewayClient.Headers(stranger, Route), cancellationToken: Ct).ResponseAsync);
        var missing = await Assert.ThrowsAsync<RpcException>(() => _client.Spark.ConfigAsync(
            GatewayClient.GetConf(Guid.NewGuid().ToString(), "spark.app.name"), GatewayClient.Headers(stranger, $"{app.OtherTenant}/nothing-here"), cancellationToken: Ct).ResponseAsync);

        Assert.Equal((StatusCode.NotFound, StatusCode.NotFound), (theirs.StatusCode, missing.StatusCode));
    }

    private static ExecutePlanRequest StreamOf(int count, int bytes, string? session = null) => new()
    {
        SessionId = session ?? Guid.NewGuid().ToString(),
        UserContext = new UserContext { UserId = "notebook" },
        Plan = new Plan { Root = new Relation { Extension = Any.Pack(new SparkPortal.Sandbox.Stream { Count = count, PayloadBytes = bytes }) } },
        // Reattachable, as PySpark asks: Spark then ends the stream with result_complete.
        RequestOptions = { new ExecutePlanRequest.Types.RequestOption { ReattachOptions = new ReattachOptions { Reattachable = true } } },
    };

    /// <summary>The stand-in's record of the first call of <paramref name="session"/>, once that call has ended there.</summary>
    private static async Task<SparkConnectCall> CallOfSessionAsync(string session)
    {
        SparkConnectCall? call = null;
        await Portal.Testing.Eventually.HoldsAsync(
            () => (call = SandboxServer.Sandbox.SparkConnect.Calls.FirstOrDefault(c => c.SessionId == session)) is not null,
            $"the stand-in sees a call of session {session}", ct: TestContext.Current.CancellationToken);
        return call!;
    }

    public void Dispose() => _client.Dispose();
}
