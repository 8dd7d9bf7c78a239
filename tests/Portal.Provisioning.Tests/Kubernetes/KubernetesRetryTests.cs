using System.Net;
using k8s.Autorest;
using Portal.Provisioning.Kubernetes;

namespace Portal.Provisioning.Tests.Kubernetes;

public class KubernetesRetryTests
{
    static readonly CancellationToken None = CancellationToken.None;

    static HttpOperationException Http(HttpStatusCode status, string? retryAfter = null)
    {
        using var response = new HttpResponseMessage(status);
        if (retryAfter is not null)
        {
            response.Headers.Add("Retry-After", retryAfter);
        }

        return new HttpOperationException { Response = new HttpResponseMessageWrapper(response, "") };
    }

    [Theory]
    [InlineData(HttpStatusCode.Conflict)]
    [InlineData(HttpStatusCode.TooManyRequests)]
    [InlineData(HttpStatusCode.InternalServerError)]
    [InlineData(HttpStatusCode.ServiceUnavailable)]
    [InlineData(HttpStatusCode.GatewayTimeout)]
    public void Transient_statuses_are_retried(HttpStatusCode status)
    {
        Assert.NotNull(KubernetesRetry.RetryDelay(RetryPolicy.Transient, Http(status), attempt: 1, CancellationToken.None));
    }

    [Theory]
    [InlineData(HttpStatusCode.BadRequest)]
    [InlineData(HttpStatusCode.Forbidden)]
    [InlineData(HttpStatusCode.NotFound)]
    [InlineData(HttpStatusCode.UnprocessableEntity)]
    public void Statuses_retrying_cannot_fix_are_not_retried(HttpStatusCode status)
    {
        Assert.Null(KubernetesRetry.RetryDelay(RetryPolicy.Transient, Http(status), attempt: 1, CancellationToken.None));
    }

    [Fact]
    public void Too_many_requests_waits_as_long_as_retry_after_says()
    {
        var delay = KubernetesRetry.RetryDelay(RetryPolicy.Transient, Http(HttpStatusCode.TooManyRequests, "7"), attempt: 1, CancellationToken.None);

        Assert.Equal(TimeSpan.FromSeconds(7), delay);
    }

    [Fact]
    public void A_timeout_is_retried()
    {
        Assert.NotNull(KubernetesRetry.RetryDelay(RetryPolicy.Transient, new TaskCanceledException(), attempt: 1, CancellationToken.None));
    }

    [Fact]
    public void A_cancellation_the_caller_asked_for_is_not_retried()
    {
        using var cancelled = new CancellationTokenSource();
        cancelled.Cancel();

        Assert.Null(KubernetesRetry.RetryDelay(RetryPolicy.Transient, new OperationCanceledException(cancelled.Token), attempt: 1, cancelled.Token));
    }

    [Fact]
    public void Retry_delays_double()
    {
        var delays = new[] { 1, 2, 3 }.Select(a => KubernetesRetry.RetryDelay(RetryPolicy.Transient, Http(HttpStatusCode.InternalServerError), a, CancellationToken.None)!.Value.TotalMilliseconds);

        Assert.Equal([200, 400, 800], delays);
    }

    [Theory]
    [InlineData(HttpStatusCode.TooManyRequests)]
    [InlineData(HttpStatusCode.ServiceUnavailable)]
    public void In_a_pass_a_call_is_retried_when_the_server_says_when(HttpStatusCode status)
    {
        Assert.Equal(TimeSpan.FromSeconds(2), KubernetesRetry.RetryDelay(RetryPolicy.ServerAsked, Http(status, "2"), attempt: 1, None));
    }

    [Theory]
    [InlineData(HttpStatusCode.TooManyRequests)]
    [InlineData(HttpStatusCode.InternalServerError)]
    [InlineData(HttpStatusCode.Conflict)]
    public void In_a_pass_a_failure_without_retry_after_is_left_to_the_queue(HttpStatusCode status)
    {
        Assert.Null(KubernetesRetry.RetryDelay(RetryPolicy.ServerAsked, Http(status), attempt: 1, None));
    }

    [Fact]
    public void In_a_pass_a_connection_failure_is_left_to_the_queue()
    {
        Assert.Null(KubernetesRetry.RetryDelay(RetryPolicy.ServerAsked, new HttpRequestException("refused"), attempt: 1, None));
    }
}
