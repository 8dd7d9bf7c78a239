using static Portal.Sandbox.Tests.SparkBuilders;

namespace Portal.Sandbox.Tests;

/// <summary>A registration delay far longer than any read here, so "Running but not registered" is certain, not timing.</summary>
public sealed class SparkRegistrationDelayTests : SparkTest
{
    protected override SandboxOptions Options() => new()
    {
        PodStartDelay = TimeSpan.FromMilliseconds(100),
        SparkRegistrationDelay = TimeSpan.FromSeconds(30),
    };

    [Fact]
    public async Task A_running_worker_is_not_registered_before_the_delay_has_passed()
    {
        await DeployMaster();
        await Deploy(ASparkWorker());
        await Until(() => AllRunning("etl-worker"), "the worker pod runs");

        var state = await MasterState();

        Assert.Equal(0, AliveWorkers(state));
    }

    [Fact]
    public void A_negative_registration_delay_is_refused_at_start()
    {
        var options = new SandboxOptions { SparkRegistrationDelay = TimeSpan.FromSeconds(-1) };

        Assert.Throws<System.ComponentModel.DataAnnotations.ValidationException>(options.Validate);
    }
}
