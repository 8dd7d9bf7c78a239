using Microsoft.Extensions.Logging.Abstractions;
using Microsoft.Extensions.Time.Testing;
using Portal.Provisioning.WorkQueue;

namespace Portal.Provisioning.Tests.WorkQueue;

public sealed class ReconcileLoopTests : IDisposable
{
    readonly FakeTimeProvider _time = new();
    readonly WorkQueue<string> _queue;

    public ReconcileLoopTests() => _queue = new WorkQueue<string>(_time);

    static CancellationToken Ct => TestContext.Current.CancellationToken;

    ReconcileLoop<string> LoopOf(Func<string, CancellationToken, Task<ReconcileResult>> reconcile) =>
        new("test", _queue, reconcile, NullLogger.Instance);

    [Fact]
    public async Task A_failing_key_is_retried_after_a_backoff()
    {
        var loop = LoopOf((_, _) => throw new InvalidOperationException("boom"));
        _queue.Add("a");

        await loop.ProcessNextAsync(Ct);

        Assert.Equal(1, _queue.Failures("a"));
    }

    [Fact]
    public async Task A_failing_key_is_not_retried_before_its_backoff()
    {
        var loop = LoopOf((_, _) => throw new InvalidOperationException("boom"));
        _queue.Add("a");

        await loop.ProcessNextAsync(Ct);

        Assert.Equal(0, _queue.Count);
    }

    [Fact]
    public async Task Success_resets_the_backoff()
    {
        var fail = true;
        var loop = LoopOf((_, _) => fail ? throw new InvalidOperationException("boom") : Task.FromResult(ReconcileResult.Done));
        _queue.Add("a");
        await loop.ProcessNextAsync(Ct);
        _time.Advance(TimeSpan.FromMinutes(5));
        fail = false;

        await loop.ProcessNextAsync(Ct);

        Assert.Equal(0, _queue.Failures("a"));
    }

    [Fact]
    public async Task Requeue_after_brings_the_key_back_once_the_delay_passes()
    {
        var loop = LoopOf((_, _) => Task.FromResult(ReconcileResult.After(TimeSpan.FromSeconds(3))));
        _queue.Add("a");
        await loop.ProcessNextAsync(Ct);

        _time.Advance(TimeSpan.FromSeconds(3));

        Assert.Equal(1, _queue.Count);
    }

    [Fact]
    public async Task A_done_key_is_not_queued_again()
    {
        var loop = LoopOf((_, _) => Task.FromResult(ReconcileResult.Done));
        _queue.Add("a");
        await loop.ProcessNextAsync(Ct);

        _time.Advance(TimeSpan.FromHours(1));

        Assert.Equal(0, _queue.Count);
    }

    [Fact]
    public async Task A_pass_that_asks_for_a_look_is_followed_by_a_look()
    {
        var passes = new List<string>();
        var loop = new ReconcileLoop<string>("test", _queue,
            (_, _) => { passes.Add("whole"); return Task.FromResult(ReconcileResult.LookAfter(TimeSpan.FromSeconds(30))); },
            NullLogger.Instance,
            (_, _) => { passes.Add("look"); return Task.FromResult(ReconcileResult.LookAfter(TimeSpan.FromSeconds(30))); });
        _queue.Add("a");
        await loop.ProcessNextAsync(Ct);
        _time.Advance(TimeSpan.FromSeconds(30));

        await loop.ProcessNextAsync(Ct);

        Assert.Equal(["whole", "look"], passes);
    }

    [Fact]
    public async Task A_loop_without_looks_makes_every_pass_a_whole_one()
    {
        var passes = 0;
        var loop = LoopOf((_, _) => { passes++; return Task.FromResult(ReconcileResult.LookAfter(TimeSpan.FromSeconds(30))); });
        _queue.Add("a");
        await loop.ProcessNextAsync(Ct);
        _time.Advance(TimeSpan.FromSeconds(30));

        await loop.ProcessNextAsync(Ct);

        Assert.Equal(2, passes);
    }

    public void Dispose() => _queue.Dispose();
}
