using System.Net;
using System.Threading.RateLimiting;
using Microsoft.Extensions.Options;

namespace Portal.Web.Features.Identity;

/// <summary>
/// Counts failed credential presentations per client address in a fixed window, and says when an address has
/// used up its allowance. Only failures count, so a notebook polling with a good token is never slowed down,
/// while guessing tokens from one address stops after a handful of tries a minute.
/// </summary>
internal sealed class FailedAttemptLimiter : IDisposable
{
    readonly PartitionedRateLimiter<IPAddress> _failures;

    public FailedAttemptLimiter(IOptions<SignInLimitOptions> options)
    {
        var limit = options.Value.FailedTokensPerMinute;
        _failures = PartitionedRateLimiter.Create<IPAddress, IPAddress>(address =>
            RateLimitPartition.GetFixedWindowLimiter(address, _ => new FixedWindowRateLimiterOptions
            {
                PermitLimit = limit,
                Window = Window,
                QueueLimit = 0,
                AutoReplenishment = true,
            }));
    }

    /// <summary>How long a blocked address waits, and the Retry-After it is told.</summary>
    public static TimeSpan Window { get; } = TimeSpan.FromMinutes(1);

    /// <summary>True when <paramref name="address"/> has no failed attempts left in this window.</summary>
    public bool IsBlocked(IPAddress address)
    {
        // Acquiring zero permits asks "are any left?" without using one.
        using var probe = _failures.AttemptAcquire(address, permitCount: 0);
        return !probe.IsAcquired;
    }

    /// <summary>Counts one failed attempt from <paramref name="address"/>.</summary>
    public void RecordFailure(IPAddress address)
    {
        using var lease = _failures.AttemptAcquire(address);
    }

    public void Dispose() => _failures.Dispose();

    /// <summary>The address to count against: the connection's, which forwarded-headers middleware may have set.</summary>
    public static IPAddress ClientOf(HttpContext context) => context.Connection.RemoteIpAddress ?? IPAddress.None;
}
