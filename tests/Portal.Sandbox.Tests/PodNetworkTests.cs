using k8s;
using Portal.Sandbox.Network;
using static Portal.Sandbox.Tests.SparkBuilders;

namespace Portal.Sandbox.Tests;

/// <summary>Dialling pods that aren't up, and the service proxy's view of a Connect server's gRPC port.</summary>
public sealed class PodNetworkTests : SparkTest
{
    protected override SandboxOptions Options() => new()
    {
        PodStartDelay = TimeSpan.FromMilliseconds(100),
        SparkRegistrationDelay = TimeSpan.FromMilliseconds(200),
        ImagePullFailurePattern = "^registry.invalid/",
    };

    [Fact]
    public async Task A_connect_pod_that_is_not_ready_refuses_its_connect_port()
    {
        await DeployMaster();
        await Deploy(ASparkConnect().WithImage("registry.invalid/spark:4.0.1"));
        await Until(async () => (await Client.CoreV1.ListNamespacedPodAsync(Ns, labelSelector: "app=etl-connect", cancellationToken: Ct)).Items.Count == 1, "the Connect pod exists");
        var pod = await PodOf("etl-connect");

        var e = await Assert.ThrowsAsync<ConnectionRefusedException>(async () => await Sandbox.PodNetwork.DialAsync(Ns, pod.Metadata.Name, 15002, Ct));

        Assert.EndsWith(":15002: connect: connection refused", e.Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task The_service_proxy_cannot_speak_http_1_1_to_the_grpc_port()
    {
        await DeployMaster();
        await Expose(AConnectService());
        await Deploy(ASparkConnect());
        await Until(async () => await TryMasterState() is { } s && ActiveApps(s).Any(), "the Connect app is registered");

        var (code, status) = await Refused(() => ProxyGet("etl-connect:connect", ""));

        Assert.Equal((503, "error trying to reach service: EOF"), (code, status.Message));
    }
}
