using Microsoft.Extensions.Time.Testing;
using Portal.Provisioning.WorkQueue;

namespace Portal.Provisioning.Tests.WorkQueue;

public sealed class WorkQueueTests : IDisposable
{
    readonly FakeTimeProvider _time = new();
    readonly WorkQueue<string> _queue;

    public WorkQueueTests() => _queue = new WorkQueue<string>(_time, new FixedRandom(0.5));

    static CancellationToken Ct => TestContext.Current.CancellationToken;

    [Fact]
    public async Task A_key_added_twice_before_it_is_taken_is_taken_once()
    {
        _queue.Add("a");
        _queue.Add("a");

        await _queue.TakeAsync(Ct);

        Assert.Equal(0, _queue.Count);
    }

    [Fact]
    public async Task A_key_added_while_it_is_processed_is_not_handed_to_a_second_worker()
    {
        _queue.Add("a");
        await _queue.TakeAsync(Ct);

        _queue.Add("a");

        Assert.Equal(0, _queue.Count);
    }

    [Fact]
    public async Task A_key_added_while_it_is_processed_is_queued_again_when_done()
    {
        _queue.Add("a");
        var key = await _queue.TakeAsync(Ct);
        _queue.Add("a");

        _queue.Done(key);

        Assert.Equal("a", await _queue.TakeAsync(Ct));
    }

    [Fact]
    public async Task Keys_are_taken_in_the_order_they_were_added()
    {
        _queue.Add("a");
        _queue.Add("b");

        Assert.Equal(["a", "b"], [await _queue.TakeAsync(Ct), await _queue.TakeAsync(Ct)]);
    }

    [Fact]
    public void A_delayed_key_waits_for_its_delay()
    {
        _queue.AddAfter("a", TimeSpan.FromSeconds(5));

        _time.Advance(TimeSpan.FromSeconds(4.9));

        Assert.Equal(0, _queue.Count);
    }

    [Fact]
    public void A_delayed_key_is_queued_once_its_delay_has_passed()
    {
        _queue.AddAfter("a", TimeSpan.FromSeconds(5));

        _time.Advance(TimeSpan.FromSeconds(5));

        Assert.Equal(1, _queue.Count);
    }

    [Fact]
    public void The_earlier_of_two_delays_wins()
    {
        _queue.AddAfter("a", TimeSpan.FromSeconds(60));
        _queue.AddAfter("a", TimeSpan.FromSeconds(2));

        _time.Advance(TimeSpan.FromSeconds(2));

        Assert.Equal(1, _queue.Count);
    }

    [Fact]
    public async Task A_key_queued_for_a_look_is_taken_as_a_look()
    {
        _queue.LookAfter("a", TimeSpan.FromSeconds(30));
        _time.Advance(TimeSpan.FromSeconds(30));

        Assert.Equal(("a", true), await _queue.TakeNextAsync(Ct));
    }

    [Fact]
    public async Task A_change_before_a_look_is_taken_makes_it_a_whole_pass()
    {
        _queue.LookAfter("a", TimeSpan.FromSeconds(30));
        _time.Advance(TimeSpan.FromSeconds(30));

        _queue.Add("a");

        Assert.Equal(("a", false), await _queue.TakeNextAsync(Ct));
    }

    [Fact]
    public async Task A_change_while_a_look_is_processed_makes_the_next_pass_a_whole_one()
    {
        _queue.LookAfter("a", TimeSpan.FromSeconds(30));
        _time.Advance(TimeSpan.FromSeconds(30));
        var (key, _) = await _queue.TakeNextAsync(Ct);
        _queue.Add("a");

        _queue.Done(key);

        Assert.Equal(("a", false), await _queue.TakeNextAsync(Ct));
    }

    [Fact]
    public async Task A_whole_pass_asked_for_after_a_pending_look_keeps_the_earlier_time_and_is_whole()
    {
        _queue.LookAfter("a", TimeSpan.FromSeconds(2));
        _queue.AddAfter("a", TimeSpan.FromSeconds(60));

        _time.Advance(TimeSpan.FromSeconds(2));

        Assert.Equal(("a", false), await _queue.TakeNextAsync(Ct));
    }

    [Fact]
    public async Task A_key_added_for_a_whole_pass_is_not_taken_as_a_look()
    {
        _queue.Add("a");

        Assert.Equal(("a", false), await _queue.TakeNextAsync(Ct));
    }

    [Fact]
    public void Backoff_starts_at_one_second_and_doubles()
    {
        var delays = Enumerable.Range(0, 4).Select(_ => _queue.AddRateLimited("a").TotalSeconds).ToList();

        Assert.Equal([1, 2, 4, 8], delays);
    }

    [Fact]
    public void Backoff_stops_growing_at_five_minutes()
    {
        for (var failure = 1; failure < 40; failure++)
        {
            _queue.AddRateLimited("a");
        }

        Assert.Equal(TimeSpan.FromMinutes(5), _queue.AddRateLimited("a"));
    }

    [Theory]
    [InlineData(0.0, 0.9)]
    [InlineData(0.999999, 1.1)]
    public void Jitter_stays_within_ten_percent(double random, double factor)
    {
        using var queue = new WorkQueue<string>(_time, new FixedRandom(random));

        var delay = queue.AddRateLimited("a");

        Assert.Equal(factor, delay.TotalSeconds, precision: 4);
    }

    [Fact]
    public void Forgetting_a_key_resets_its_backoff()
    {
        _queue.AddRateLimited("a");
        _queue.AddRateLimited("a");

        _queue.Forget("a");

        Assert.Equal(TimeSpan.FromSeconds(1), _queue.AddRateLimited("a"));
    }

    [Fact]
    public void Backoff_is_counted_per_key()
    {
        _queue.AddRateLimited("a");
        _queue.AddRateLimited("a");

        Assert.Equal(TimeSpan.FromSeconds(1), _queue.AddRateLimited("b"));
    }

    public void Dispose() => _queue.Dispose();

    /// <summary>Jitter that is always the same, so delays are exact.</summary>
    sealed class FixedRandom(double value) : Random
    {
        public override double NextDouble() => value;
    }
}
