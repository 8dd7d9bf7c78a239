using Microsoft.Extensions.Diagnostics.HealthChecks;
using Portal.Provisioning.Reconciler;

namespace Portal.Provisioning.Kubernetes;

/// <summary>Reports whether the API server answers, and which mode the connection is in.</summary>
internal sealed class KubernetesHealthCheck(KubernetesConnection connection, ProvisioningService provisioning) : IHealthCheck
{
    public async Task<HealthCheckResult> CheckHealthAsync(HealthCheckContext context, CancellationToken cancellationToken = default)
    {
        var data = new Dictionary<string, object>
        {
            ["mode"] = connection.Mode.ToString(),
            ["leader"] = provisioning.IsLeader,
        };
        try
        {
            using var timeout = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
            timeout.CancelAfter(TimeSpan.FromSeconds(5));
            var version = await connection.Client.Version.GetCodeAsync(timeout.Token).ConfigureAwait(false);
            data["version"] = version.GitVersion ?? "";
            return HealthCheckResult.Healthy($"Kubernetes ({connection.Mode}) answers", data);
        }
        catch (Exception ex) when (ex is HttpRequestException or k8s.Autorest.HttpOperationException or OperationCanceledException)
        {
            return new HealthCheckResult(context.Registration?.FailureStatus ?? HealthStatus.Unhealthy,
                $"Kubernetes ({connection.Mode}) does not answer", ex, data);
        }
    }
}
