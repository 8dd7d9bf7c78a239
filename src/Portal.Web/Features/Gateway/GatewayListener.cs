using System.Net;
using System.Security.Cryptography;
using System.Security.Cryptography.X509Certificates;
using Microsoft.AspNetCore.Connections.Features;

namespace Portal.Web.Features.Gateway;

/// <summary>
/// Where the gateway listens: on the portal's HTTPS endpoints (gRPC is HTTP/2, which Kestrel negotiates by ALPN
/// there), and on the dedicated cleartext HTTP/2 endpoint <see cref="GatewayOptions.PlaintextUrl"/>, which serves
/// nothing else. In Development an HTTPS endpoint without a certificate gets a self-signed loopback one.
/// </summary>
internal static class GatewayListener
{
    /// <summary>Name of the cleartext endpoint in Kestrel's configuration.</summary>
    public const string EndpointName = "SparkConnectGateway";

    const string GatewayOnly = "spark-portal.gateway-only";

    public static WebApplicationBuilder AddGatewayListener(this WebApplicationBuilder builder)
    {
        var configuration = builder.Configuration;
        var options = configuration.GetSection(GatewayOptions.Section).Get<GatewayOptions>() ?? new();
        var plaintext = !string.IsNullOrEmpty(options.PlaintextUrl);
        if (plaintext)
        {
            var endpoints = new Dictionary<string, string?>
            {
                [$"Kestrel:Endpoints:{EndpointName}:Url"] = options.PlaintextUrl,
                [$"Kestrel:Endpoints:{EndpointName}:Protocols"] = "Http2",
            };
            // Kestrel ignores the `urls` setting once any endpoint is configured, so those become endpoints too.
            if (!configuration.GetSection("Kestrel:Endpoints").GetChildren().Any())
            {
                var urls = (configuration["urls"] is { Length: > 0 } configured ? configured : FromPorts(configuration) ?? "http://localhost:5000")
                    .Split(';', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries);
                for (var i = 0; i < urls.Length; i++)
                    endpoints[$"Kestrel:Endpoints:Portal{i}:Url"] = urls[i];
            }

            configuration.AddInMemoryCollection(endpoints);
        }

        var loopbackCertificate = builder.Environment.IsDevelopment()
            && !configuration.GetSection("Kestrel:Certificates:Default").GetChildren().Any()
            ? options.LoopbackCertificatePath ?? Path.Combine(
                configuration[$"{PortalOptions.Section}:{nameof(PortalOptions.DataDirectory)}"] ?? PortalOptions.DefaultDataDirectory, "localhost-https")
            : null;

        builder.WebHost.ConfigureKestrel((context, kestrel) =>
        {
            if (plaintext)
            {
                kestrel.Configure(context.Configuration.GetSection("Kestrel"), reloadOnChange: false)
                    .Endpoint(EndpointName, endpoint => endpoint.ListenOptions.Use(next => connection =>
                    {
                        connection.Items[GatewayOnly] = true;
                        return next(connection);
                    }));
            }

            if (loopbackCertificate is not null)
                kestrel.ConfigureHttpsDefaults(https => https.ServerCertificate ??= LoopbackCertificate.LoadOrCreate(loopbackCertificate));
        });
        return builder;
    }

    // ASPNETCORE_HTTP_PORTS / HTTPS_PORTS (the official images set HTTP_PORTS=8080), as Kestrel reads them when `urls` is unset.
    static string? FromPorts(IConfiguration configuration)
    {
        var urls = new List<string>();
        foreach (var (key, scheme) in new[] { ("http_ports", "http"), ("https_ports", "https") })
            urls.AddRange((configuration[key] ?? "").Split(';', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries)
                .Select(port => $"{scheme}://*:{port}"));
        return urls.Count > 0 ? string.Join(';', urls) : null;
    }

    /// <summary>True for a request on the dedicated cleartext endpoint, which answers gateway calls only.</summary>
    public static bool IsGatewayOnly(HttpContext context) =>
        context.Features.Get<IConnectionItemsFeature>()?.Items.ContainsKey(GatewayOnly) == true;

    /// <summary>The cleartext endpoint's configured port; null when there is none or it is chosen at start (0).</summary>
    public static int? PlaintextPort(GatewayOptions options)
    {
        if (string.IsNullOrEmpty(options.PlaintextUrl))
            return null;
        var authority = options.PlaintextUrl[(options.PlaintextUrl.IndexOf("://", StringComparison.Ordinal) + 3)..].TrimEnd('/');
        var colon = authority.LastIndexOf(':');
        return colon > 0 && int.TryParse(authority.AsSpan(colon + 1), out var port) && port > 0 ? port : null;
    }
}

/// <summary>A self-signed certificate for localhost, 127.0.0.1 and ::1, kept for a year, for HTTPS on a developer's machine.</summary>
internal static class LoopbackCertificate
{
    static readonly Lock Gate = new();
    static X509Certificate2? _loaded;

    /// <summary>
    /// Loads <c>{path}.pfx</c>, or creates it with <c>{path}.crt</c> (the certificate alone, PEM) that clients such as
    /// gRPC's (GRPC_DEFAULT_SSL_ROOTS_FILE_PATH) or curl (--cacert) trust.
    /// </summary>
    public static X509Certificate2 LoadOrCreate(string path)
    {
        lock (Gate)
        {
            if (_loaded is { } cached && cached.NotAfter > DateTime.Now.AddDays(1))
                return cached;

            var pfx = path + ".pfx";
            if (File.Exists(pfx))
            {
                var existing = X509CertificateLoader.LoadPkcs12FromFile(pfx, password: null);
                if (existing.NotAfter > DateTime.Now.AddDays(1))
                    return _loaded = existing;
                existing.Dispose();
            }

            using var key = RSA.Create(2048);
            var request = new CertificateRequest("CN=localhost", key, HashAlgorithmName.SHA256, RSASignaturePadding.Pkcs1);
            var names = new SubjectAlternativeNameBuilder();
            names.AddDnsName("localhost");
            names.AddIpAddress(IPAddress.Loopback);
            names.AddIpAddress(IPAddress.IPv6Loopback);
            request.CertificateExtensions.Add(names.Build());
            request.CertificateExtensions.Add(new X509BasicConstraintsExtension(false, false, 0, true));
            request.CertificateExtensions.Add(new X509KeyUsageExtension(X509KeyUsageFlags.DigitalSignature | X509KeyUsageFlags.KeyEncipherment, true));
            request.CertificateExtensions.Add(new X509EnhancedKeyUsageExtension([new Oid("1.3.6.1.5.5.7.3.1")], false));
            using var created = request.CreateSelfSigned(DateTimeOffset.UtcNow.AddMinutes(-5), DateTimeOffset.UtcNow.AddYears(1));

            Directory.CreateDirectory(Path.GetDirectoryName(Path.GetFullPath(pfx))!);
            File.WriteAllBytes(pfx, created.Export(X509ContentType.Pfx));
            File.WriteAllText(path + ".crt", created.ExportCertificatePem() + "\n");
            if (!OperatingSystem.IsWindows())
                File.SetUnixFileMode(pfx, UnixFileMode.UserRead | UnixFileMode.UserWrite);
            return _loaded = X509CertificateLoader.LoadPkcs12FromFile(pfx, password: null);
        }
    }
}
