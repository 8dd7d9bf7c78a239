using Grpc.Core;
using Grpc.Net.Client;
using Spark.Connect;

namespace Portal.Web.Tests.Gateway;

/// <summary>A Spark Connect client as a notebook's: our own stubs, the portal as its endpoint, token and routing header as metadata.</summary>
internal sealed class GatewayClient(PortalApp app) : IDisposable
{
    private readonly GrpcChannel _channel = GrpcChannel.ForAddress(app.Server.BaseAddress, new GrpcChannelOptions
    {
        HttpHandler = app.Server.CreateHandler(),
        MaxReceiveMessageSize = 128 * 1024 * 1024,
    });

    public SparkConnectService.SparkConnectServiceClient Spark => new(_channel);

    /// <summary>What PySpark sends for <c>;token=…;x-spark-portal-cluster=…</c>: an authorization header and the parameter as metadata.</summary>
    public static Metadata Headers(string? token, string? cluster)
    {
        var headers = new Metadata();
        if (token is not null)
            headers.Add("authorization", $"Bearer {token}");
        if (cluster is not null)
            headers.Add("x-spark-portal-cluster", cluster);
        return headers;
    }

    public static ConfigRequest SetConf(string session, string key, string value) => new()
    {
        SessionId = session,
        UserContext = new UserContext { UserId = "notebook" },
        Operation = new ConfigRequest.Types.Operation { Set = new ConfigRequest.Types.Set { Pairs = { new KeyValue { Key = key, Value = value } } } },
    };

    public static ConfigRequest GetConf(string session, string key) => new()
    {
        SessionId = session,
        UserContext = new UserContext { UserId = "notebook" },
        Operation = new ConfigRequest.Types.Operation { Get = new ConfigRequest.Types.Get { Keys = { key } } },
    };

    public static AnalyzePlanRequest Version(string session) => new()
    {
        SessionId = session,
        UserContext = new UserContext { UserId = "notebook" },
        SparkVersion = new AnalyzePlanRequest.Types.SparkVersion(),
    };

    public void Dispose() => _channel.Dispose();
}
