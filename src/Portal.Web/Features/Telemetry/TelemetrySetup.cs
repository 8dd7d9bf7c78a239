using Npgsql;
using OpenTelemetry;
using OpenTelemetry.Metrics;
using OpenTelemetry.Resources;
using OpenTelemetry.Trace;
using Portal.Provisioning;

namespace Portal.Web.Features.Telemetry;

/// <summary>Section <c>Telemetry</c>: where metrics may be scraped. OTLP export is configured by the standard <c>OTEL_*</c> variables.</summary>
public sealed class TelemetryOptions
{
    /// <summary>Configuration section name.</summary>
    public const string Section = "Telemetry";

    /// <summary>The Prometheus scrape endpoint.</summary>
    public PrometheusOptions Prometheus { get; set; } = new();
}

/// <summary>Section <c>Telemetry:Prometheus</c>.</summary>
public sealed class PrometheusOptions
{
    /// <summary>
    /// A port of its own on which <c>/metrics</c> answers, and only there; unset (the default), there is no scrape
    /// endpoint. Kept off the portal's HTTP port so an ingress to the portal never exposes it.
    /// </summary>
    public int? Port { get; set; }
}

/// <summary>
/// OpenTelemetry for the portal: traces of the API, the database (Npgsql), the Kubernetes client (HttpClient) and
/// each reconcile pass; the framework's metrics and the portal's (<see cref="PortalTelemetry"/>,
/// <see cref="ProvisioningMetrics"/>); logs with their trace ids. Nothing is collected unless something exports it:
/// OTLP when an <c>OTEL_EXPORTER_OTLP_*ENDPOINT</c> variable is set, Prometheus when
/// <c>Telemetry:Prometheus:Port</c> is. The embedded run sets neither.
/// </summary>
internal static class TelemetrySetup
{
    /// <summary>The OTLP variables whose presence turns export on (the exporter itself reads them, and the rest of OTEL_*).</summary>
    static readonly string[] OtlpEndpointKeys =
    [
        "OTEL_EXPORTER_OTLP_ENDPOINT", "OTEL_EXPORTER_OTLP_TRACES_ENDPOINT",
        "OTEL_EXPORTER_OTLP_METRICS_ENDPOINT", "OTEL_EXPORTER_OTLP_LOGS_ENDPOINT",
    ];

    public static WebApplicationBuilder AddPortalTelemetry(this WebApplicationBuilder builder)
    {
        builder.Services.AddOptions<TelemetryOptions>()
            .BindConfiguration(TelemetryOptions.Section)
            .Validate(o => o.Prometheus.Port is null or (>= 1 and <= 65535), "Telemetry:Prometheus:Port must be a TCP port, 1 to 65535.")
            .ValidateOnStart();
        var options = builder.Configuration.GetSection(TelemetryOptions.Section).Get<TelemetryOptions>() ?? new();
        var otlp = OtlpEndpointKeys.Any(key => !string.IsNullOrWhiteSpace(builder.Configuration[key]));
        var scrapePort = options.Prometheus.Port;
        if (!otlp && scrapePort is null)
            return builder;

        if (scrapePort is { } port)
            ListenAlsoOn(builder, port);

        var telemetry = builder.Services.AddOpenTelemetry()
            .ConfigureResource(resource =>
            {
                // OTEL_SERVICE_NAME, when set, names the service instead.
                if (string.IsNullOrEmpty(builder.Configuration["OTEL_SERVICE_NAME"]))
                    resource.AddService("spark-portal");
            })
            .WithMetrics(metrics =>
            {
                metrics.AddMeter(PortalTelemetry.Name)
                    .AddAspNetCoreInstrumentation()
                    .AddHttpClientInstrumentation()
                    .AddRuntimeInstrumentation()
                    .AddNpgsqlInstrumentation()
                    // Resolving it creates its observable instruments, for as long as the meter provider lives.
                    .AddInstrumentation(sp => sp.GetRequiredService<ProvisioningMetrics>());
                if (scrapePort is not null)
                    // No response cache: a scrape right after a change shows it (scrapers come every 15 s or more).
                    metrics.AddPrometheusExporter(prometheus => prometheus.ScrapeResponseCacheDurationMilliseconds = 0);
            });
        if (otlp)
        {
            telemetry
                .WithTracing(tracing => tracing
                    .AddSource(PortalTelemetry.Name)
                    .AddAspNetCoreInstrumentation()
                    .AddHttpClientInstrumentation()
                    .AddNpgsql())
                // Log records carry the trace and span id of the activity they were written in.
                .WithLogging()
                .UseOtlpExporter();
        }

        return builder;
    }

    /// <summary>Maps <c>/metrics</c> on the scrape port only, when one is configured.</summary>
    public static WebApplication MapPortalTelemetry(this WebApplication app)
    {
        var port = app.Services.GetRequiredService<Microsoft.Extensions.Options.IOptions<TelemetryOptions>>().Value.Prometheus.Port;
        if (port is not null)
            app.MapPrometheusScrapingEndpoint("/metrics").RequireHost($"*:{port}");
        return app;
    }

    /// <summary>
    /// Adds the scrape port to the addresses Kestrel listens on (<c>urls</c>, else <c>HTTP_PORTS</c>, else
    /// ASP.NET Core's default), so the portal's own port keeps working. Kestrel endpoints configured in
    /// <c>Kestrel:Endpoints</c> replace these addresses; then configure the scrape port there too.
    /// </summary>
    static void ListenAlsoOn(WebApplicationBuilder builder, int port)
    {
        var configuration = builder.Configuration;
        var urls = configuration[WebHostDefaults.ServerUrlsKey];
        if (string.IsNullOrWhiteSpace(urls) && configuration["HTTP_PORTS"] is { Length: > 0 } ports)
            urls = string.Join(';', ports.Split(';', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries).Select(p => $"http://*:{p}"));
        if (string.IsNullOrWhiteSpace(urls))
            urls = "http://localhost:5000";
        builder.WebHost.UseUrls($"{urls};http://*:{port}");
    }
}
