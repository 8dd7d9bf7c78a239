using System.Text;
using Portal.Web.Features.Gateway;

namespace Portal.Web.Tests.Gateway;

/// <summary>The small formats the gateway reads and writes: routing header, gRPC message, session id, public address.</summary>
public sealed class GatewayFormatTests
{
    [Theory]
    [InlineData("default/etl", "default", "etl")]
    [InlineData("default%2Fetl", "default", "etl")]
    [InlineData("team-a%2fnightly", "team-a", "nightly")]
    public void A_routing_header_names_a_tenant_and_a_cluster(string header, string tenant, string cluster) =>
        Assert.Equal((tenant, cluster), SparkConnectGateway.ParseRoute(header));

    [Theory]
    [InlineData("etl")]
    [InlineData("/etl")]
    [InlineData("default/")]
    [InlineData("a/b/c")]
    [InlineData("default/e tl")]
    public void Anything_else_is_not_a_route(string header) => Assert.Null(SparkConnectGateway.ParseRoute(header));

    [Fact]
    public void A_grpc_message_is_percent_encoded_outside_printable_ascii_and_for_percent_itself() =>
        Assert.Equal("100%25 sure: caf%C3%A9%0A", SparkConnectGateway.EncodeMessage("100% sure: café\n"));

    [Fact]
    public void An_upstream_without_a_ready_pod_is_told_as_such() =>
        Assert.Equal("no Connect server pod is ready", SparkConnectGateway.Why(
            new HttpRequestException("wrapped", new HttpRequestException("No ready pod in spark-a matches …", null, System.Net.HttpStatusCode.ServiceUnavailable))));

    [Fact]
    public void A_kubelet_refusal_is_told_without_its_pod_address() =>
        Assert.Equal("nothing listens on its port yet", SparkConnectGateway.Why(
            new HttpRequestException("wrapped", new IOException("error forwarding port 15002 to pod 4f…, uid : failed to connect to localhost:15002"))));

    [Fact]
    public void The_session_id_is_read_from_the_first_message_s_field_one()
    {
        var session = Guid.NewGuid().ToString();

        Assert.Equal(session, SessionId.Parse(Frame(session, extra: 40), complete: true));
    }

    [Fact]
    public void A_partial_frame_asks_for_more()
    {
        var frame = Frame(Guid.NewGuid().ToString(), extra: 0);

        Assert.Equal("", SessionId.Parse(frame.AsSpan(0, 20), complete: false));
    }

    [Fact]
    public void A_session_id_that_is_not_a_uuid_is_not_audited() =>
        Assert.Null(SessionId.Parse(Frame("not-a-uuid", extra: 0), complete: true));

    [Fact]
    public void A_compressed_message_is_not_inspected()
    {
        var frame = Frame(Guid.NewGuid().ToString(), extra: 0);
        frame[0] = 1;

        Assert.Null(SessionId.Parse(frame, complete: true));
    }

    [Theory]
    [InlineData("spark.example.com:443", "spark.example.com", 443)]
    [InlineData("127.0.0.1:5001", "127.0.0.1", 5001)]
    [InlineData("[::1]:15002", "[::1]", 15002)]
    public void A_public_address_is_a_host_and_a_port(string text, string host, int port) =>
        Assert.Equal(new GatewayAddress(host, port), GatewayAddress.TryParse(text));

    [Theory]
    [InlineData("spark.example.com")]
    [InlineData("spark.example.com:0")]
    [InlineData("spark.example.com:http")]
    [InlineData("https://spark.example.com:443")]
    [InlineData(":443")]
    public void Anything_else_is_not_a_public_address(string text) => Assert.Null(GatewayAddress.TryParse(text));

    /// <summary>A gRPC frame (uncompressed flag, big-endian length) of a message whose field 1 is <paramref name="session"/>.</summary>
    private static byte[] Frame(string session, int extra)
    {
        var id = Encoding.UTF8.GetBytes(session);
        var message = new byte[2 + id.Length + extra];
        message[0] = 0x0A;
        message[1] = (byte)id.Length;
        id.CopyTo(message, 2);
        var frame = new byte[5 + message.Length];
        System.Buffers.Binary.BinaryPrimitives.WriteUInt32BigEndian(frame.AsSpan(1), (uint)message.Length);
        message.CopyTo(frame, 5);
        return frame;
    }
}
