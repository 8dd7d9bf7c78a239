namespace Portal.Provisioning.Reconciler;

/// <summary>
/// The namespace the provisioning Lease lives in. Deployed, the portal runs there so it exists; against the sandbox
/// or a developer's cluster nothing else creates it. Without the right to create namespaces, the election's own
/// errors say what is wrong.
/// </summary>
internal static partial class PortalNamespace
{
    /// <summary>Creates the portal's namespace when it is missing; logs, never throws, when it can't tell.</summary>
    public static async Task EnsureAsync(
        KubernetesApi kube, string @namespace, KubernetesMode mode, TimeProvider time, ILogger logger, CancellationToken ct)
    {
        // Once, at start, outside any work queue: so transient failures are retried here, as no queue will.
        var retry = new KubernetesRetry(time, logger, RetryPolicy.Transient);
        try
        {
            await retry.RunAsync($"ensure namespace {@namespace}", async c =>
            {
                var existing = await kube.FindAsync("read portal namespace",
                    (k, cc) => k.CoreV1.ReadNamespaceAsync(@namespace, cancellationToken: cc), c).ConfigureAwait(false);
                if (existing is null)
                {
                    await kube.ApplyAsync(new V1Namespace
                    {
                        ApiVersion = "v1",
                        Kind = "Namespace",
                        Metadata = new V1ObjectMeta { Name = @namespace, Labels = new Dictionary<string, string> { [Labels.PartOf] = Labels.Manager } },
                    }, c).ConfigureAwait(false);
                }
            }, ct).ConfigureAwait(false);
        }
        catch (Exception ex) when (!ct.IsCancellationRequested)
        {
            // Forbidden, or the API server is down right now: either way the portal must keep serving, and the
            // election keeps retrying (and logging) until the Lease can be had.
            Unchecked(logger, ex, @namespace, mode);
        }
    }

    [LoggerMessage(LogLevel.Warning, "Could not check namespace {Namespace} for the provisioning Lease ({Mode}); leader election needs it")]
    static partial void Unchecked(ILogger logger, Exception ex, string @namespace, KubernetesMode mode);
}
