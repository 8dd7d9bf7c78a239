using System.ComponentModel.DataAnnotations;

namespace Portal.Web.Features.Gateway;

/// <summary>How clients reach Spark through the portal, bound from the "Gateway" configuration section.</summary>
public sealed class GatewayOptions : IValidatableObject
{
    /// <summary>Configuration section name.</summary>
    public const string Section = "Gateway";

    /// <summary>
    /// <c>host:port</c> that notebooks dial for Spark Connect over TLS, as the cluster page and the API print it (an
    /// ingress's name, e.g. <c>spark.example.com:443</c>). Empty: the host the caller reached the portal by, with
    /// the portal's HTTPS port.
    /// </summary>
    public string? PublicAddress { get; init; }

    /// <summary>
    /// A dedicated cleartext HTTP/2 endpoint serving the gateway alone (e.g. <c>http://*:15002</c>), for an ingress
    /// or mesh that terminates TLS in front of it. Empty: none; the gateway is on the portal's HTTPS endpoints.
    /// </summary>
    public string? PlaintextUrl { get; init; }

    /// <summary>How the gateway reaches a cluster's Connect server; <see cref="GatewayRoute.Auto"/> picks by where the portal runs.</summary>
    public GatewayRoute Route { get; init; } = GatewayRoute.Auto;

    /// <summary>
    /// Where the embedded default keeps the self-signed loopback certificate it creates for its HTTPS endpoint when
    /// Kestrel has none configured: <c>&lt;Portal:DataDirectory&gt;/localhost-https.{pfx,crt}</c> unless set.
    /// </summary>
    public string? LoopbackCertificatePath { get; init; }

    /// <inheritdoc/>
    public IEnumerable<ValidationResult> Validate(ValidationContext validationContext)
    {
        if (!string.IsNullOrEmpty(PublicAddress) && GatewayAddress.TryParse(PublicAddress) is null)
            yield return new ValidationResult($"Gateway:PublicAddress '{PublicAddress}' is not host:port (e.g. spark.example.com:443).", [nameof(PublicAddress)]);
        if (!string.IsNullOrEmpty(PlaintextUrl)
            && (!Uri.TryCreate(PlaintextUrl.Replace("://*", "://localhost", StringComparison.Ordinal).Replace("://+", "://localhost", StringComparison.Ordinal), UriKind.Absolute, out var url) || url.Scheme != Uri.UriSchemeHttp))
            yield return new ValidationResult($"Gateway:PlaintextUrl '{PlaintextUrl}' is not an http:// URL (e.g. http://*:15002).", [nameof(PlaintextUrl)]);
    }
}

/// <summary>How the gateway and the Spark UI proxy reach a cluster.</summary>
public enum GatewayRoute
{
    /// <summary>In Kubernetes: <see cref="PodNetwork"/>; outside it (a kubeconfig, the embedded sandbox): <see cref="KubernetesApi"/>.</summary>
    Auto,

    /// <summary>Straight to the cluster's Services over the pod network (the tenant's NetworkPolicy admits the portal's namespace).</summary>
    PodNetwork,

    /// <summary>Through the Kubernetes API: pod port-forward for Spark Connect, the service proxy for the UIs.</summary>
    KubernetesApi,
}

/// <summary>A <c>host:port</c> the gateway is reached at.</summary>
/// <param name="Host">DNS name or IP address (IPv6 in brackets).</param>
/// <param name="Port">TCP port.</param>
public sealed record GatewayAddress(string Host, int Port)
{
    /// <summary>Parses <c>host:port</c> (the port is required); null when it isn't one.</summary>
    public static GatewayAddress? TryParse(string text)
    {
        var colon = text.LastIndexOf(':');
        if (colon <= 0 || !int.TryParse(text.AsSpan(colon + 1), System.Globalization.NumberStyles.None, System.Globalization.CultureInfo.InvariantCulture, out var port)
            || port is < 1 or > 65535)
            return null;
        var host = text[..colon];
        return Uri.CheckHostName(host.StartsWith('[') && host.EndsWith(']') ? host[1..^1] : host) == UriHostNameType.Unknown
            ? null
            : new GatewayAddress(host, port);
    }
}
