using System.Net;
using System.Threading.RateLimiting;

namespace Portal.Web.Features.Identity;

/// <summary>
/// Counts failed token presentations in fixed windows, per client address and per token prefix (the public part
/// that names one token row), and says when either has used up its allowance. Only failures count, and a failure
/// is counted only after the token was checked: a valid token is always accepted, however many bad ones others
/// behind the same address (a company NAT, one broken notebook) sent. What the limit refuses is further failures:
/// an address or prefix past its allowance gets 429 instead of 401, and no more audit entries or log lines.
/// </summary>
internal sealed class FailedAttemptLimiter : IDisposable
{
    readonly PartitionedRateLimiter<string> _failures;

    public FailedAttemptLimiter(IOptions<SignInLimitOptions> options)
    {
        var limits = options.Value;
        _failures = PartitionedRateLimiter.Create<string, string>(key =>
            RateLimitPartition.GetFixedWindowLimiter(key, _ => new FixedWindowRateLimiterOptions
            {
                PermitLimit = key.StartsWith(PrefixKey, StringComparison.Ordinal) ? limits.FailedTokensPerPrefixPerMinute : limits.FailedTokensPerMinute,
                Window = Window,
                QueueLimit = 0,
                AutoReplenishment = true,
            }));
    }

    const string AddressKey = "address:";
    const string PrefixKey = "prefix:";

    /// <summary>How long a blocked address or prefix waits, and the Retry-After it is told.</summary>
    public static TimeSpan Window { get; } = TimeSpan.FromMinutes(1);

    /// <summary>
    /// True when failures from <paramref name="address"/>, or against the token prefix <paramref name="prefix"/>
    /// (null for text that isn't a token), have used up their allowance in this window.
    /// </summary>
    public bool IsBlocked(IPAddress address, string? prefix) =>
        IsBlocked(AddressKey + address) || (prefix is not null && IsBlocked(PrefixKey + prefix));

    /// <summary>Counts one failed attempt from <paramref name="address"/> against <paramref name="prefix"/>.</summary>
    public void RecordFailure(IPAddress address, string? prefix)
    {
        using var byAddress = _failures.AttemptAcquire(AddressKey + address);
        if (prefix is not null)
        {
            using var byPrefix = _failures.AttemptAcquire(PrefixKey + prefix);
        }
    }

    bool IsBlocked(string key)
    {
        // Acquiring zero permits asks "are any left?" without using one.
        using var probe = _failures.AttemptAcquire(key, permitCount: 0);
        return !probe.IsAcquired;
    }

    public void Dispose() => _failures.Dispose();

    /// <summary>The address to count against: the connection's, which forwarded-headers middleware may have set.</summary>
    public static IPAddress ClientOf(HttpContext context) => context.Connection.RemoteIpAddress ?? IPAddress.None;
}
