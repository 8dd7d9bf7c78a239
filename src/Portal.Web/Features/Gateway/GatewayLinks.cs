using Microsoft.AspNetCore.Hosting.Server;
using Microsoft.AspNetCore.Hosting.Server.Features;

namespace Portal.Web.Features.Gateway;

/// <summary>How a notebook reaches a cluster's Spark Connect server through the gateway.</summary>
/// <param name="Url">The connection string with a token placeholder: replace <c>&lt;personal access token&gt;</c> with a token.</param>
/// <param name="Host">Host to dial.</param>
/// <param name="Port">Port to dial.</param>
/// <param name="UseSsl">Whether that port speaks TLS (a token requires it: Spark's clients send tokens only over TLS).</param>
/// <param name="Header">The routing header naming the cluster; in the URL as a parameter, which Spark's clients send as gRPC metadata.</param>
/// <param name="Route">The header's value: <c>tenant/cluster</c>.</param>
/// <param name="PysparkVersion">The Spark version of the cluster's image: install <c>pyspark[connect]==</c> this version.</param>
/// <param name="InClusterUrl">The Connect Service's address, for a pod inside the tenant's namespace; null until the cluster is Running.</param>
/// <param name="Ready">True while the cluster is Running, that is when the gateway forwards to it.</param>
public sealed record ConnectView(
    string Url, string Host, int Port, bool UseSsl, string Header, string Route, string PysparkVersion, string? InClusterUrl, bool Ready);

/// <summary>
/// The portal URLs of a cluster's Spark endpoints, as seen from the portal address a caller used (the API request's,
/// or the page's base URI): the gateway's <c>sc://</c> connection string and the Spark UI's path.
/// </summary>
public sealed class GatewayLinks(IOptions<GatewayOptions> options, IOptions<ClusterOptions> clusters, IServer server)
{
    /// <summary>The gRPC metadata key (connection-string parameter) that names the cluster.</summary>
    public const string RoutingHeader = "x-spark-portal-cluster";

    /// <summary>What stands for the token in <see cref="ConnectView.Url"/>.</summary>
    public const string TokenPlaceholder = "<personal access token>";

    /// <summary>The portal path of a cluster's Spark UI (the master's), ending in a slash.</summary>
    public static string SparkUiPath(string tenant, string cluster) =>
        $"/spark/{Uri.EscapeDataString(tenant)}/{Uri.EscapeDataString(cluster)}/";

    /// <summary>
    /// The tenant's history server under the portal: its application list, or with <paramref name="application"/> that
    /// application's jobs page (the history server's own <c>/history/&lt;appId&gt;/jobs/</c>).
    /// </summary>
    public static string HistoryPath(string tenant, string? application = null) =>
        $"/spark-history/{Uri.EscapeDataString(tenant)}/" + (application is null ? "" : $"history/{Uri.EscapeDataString(application)}/jobs/");

    /// <summary>The Spark UI's absolute URL under <paramref name="portal"/>.</summary>
    public static string SparkUiUrl(Uri portal, string tenant, string cluster) =>
        new Uri(portal, SparkUiPath(tenant, cluster)).ToString();

    /// <summary>How to reach <paramref name="cluster"/>'s Connect server, or null when it has none.</summary>
    public ConnectView? Connect(Cluster cluster, string tenant, Uri portal)
    {
        ArgumentNullException.ThrowIfNull(cluster);
        if (!cluster.Spec.SparkConnect)
            return null;

        var (address, useSsl) = Address(portal);
        var route = $"{tenant}/{cluster.Name}";
        // '/' must be escaped: Python's urlparse only splits parameters off the path after its last '/', so a raw one
        // in a value would read as a path, which PySpark refuses.
        var url = string.Create(CultureInfo.InvariantCulture,
            $"sc://{address.Host}:{address.Port}/;use_ssl={(useSsl ? "true" : "false")};token={TokenPlaceholder};{RoutingHeader}={Uri.EscapeDataString(route)}");
        var version = clusters.Value.Catalogue.FirstOrDefault(i => i.Image == cluster.Spec.Image)?.SparkVersion ?? VersionOfTag(cluster.Spec.Image);
        return new ConnectView(url, address.Host, address.Port, useSsl, RoutingHeader, route, version,
            cluster.Status.ConnectUrl, cluster.Status.Phase == ClusterPhase.Running);
    }

    /// <summary>
    /// Where notebooks dial: the configured public address; else the portal's own address when it is HTTPS; else the
    /// host the caller used with the server's HTTPS port; else the dedicated cleartext port (no token over it).
    /// </summary>
    (GatewayAddress Address, bool UseSsl) Address(Uri portal)
    {
        if (!string.IsNullOrEmpty(options.Value.PublicAddress) && GatewayAddress.TryParse(options.Value.PublicAddress) is { } configured)
            return (configured, true);
        if (portal.Scheme == Uri.UriSchemeHttps)
            return (new GatewayAddress(portal.Host, portal.Port), true);

        var bound = server.Features.Get<IServerAddressesFeature>()?.Addresses ?? [];
        if (bound.Select(a => Uri.TryCreate(a.Replace("://[::]", "://localhost", StringComparison.Ordinal).Replace("://+", "://localhost", StringComparison.Ordinal).Replace("://*", "://localhost", StringComparison.Ordinal), UriKind.Absolute, out var u) ? u : null)
                .FirstOrDefault(u => u?.Scheme == Uri.UriSchemeHttps) is { } https)
            return (new GatewayAddress(portal.Host, https.Port), true);
        if (GatewayListener.PlaintextPort(options.Value) is { } plaintext)
            return (new GatewayAddress(portal.Host, plaintext), false);
        return (new GatewayAddress(portal.Host, portal.Port), false);
    }

    // A custom image outside the catalogue: its tag starts with the Spark version, as the official images' tags do.
    static string VersionOfTag(string image)
    {
        var tag = image[(image.LastIndexOf(':') + 1)..];
        var dash = tag.IndexOf('-', StringComparison.Ordinal);
        return dash > 0 ? tag[..dash] : tag;
    }
}
