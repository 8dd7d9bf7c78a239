using System.Text.RegularExpressions;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Mvc.Testing;
using Portal.Testing;

namespace Portal.Web.Tests.Telemetry;

/// <summary>
/// The portal with its Prometheus scrape port configured and the provisioning service running, so clusters reach
/// Running and every domain series has something to report.
/// </summary>
public sealed class MeteredPortalApp(PostgresServer postgres) : PortalApp(postgres)
{
    public const int ScrapePort = 9464;

    protected override bool Provisions => true;

    protected override void ConfigureWebHost(IWebHostBuilder builder)
    {
        base.ConfigureWebHost(builder);
        builder.UseSetting("Telemetry:Prometheus:Port", ScrapePort.ToString(System.Globalization.CultureInfo.InvariantCulture));
    }

    /// <summary>A client addressed to <paramref name="port"/>, as a scraper on that port would be.</summary>
    public HttpClient ClientOnPort(int port) => CreateClient(new WebApplicationFactoryClientOptions { BaseAddress = new Uri($"http://localhost:{port}") });

    /// <summary>Scrapes <c>/metrics</c> on the scrape port and parses the text exposition format.</summary>
    public async Task<IReadOnlyList<Sample>> ScrapeAsync()
    {
        using var client = ClientOnPort(ScrapePort);
        var text = await client.GetStringAsync("/metrics", TestContext.Current.CancellationToken);
        return Sample.Parse(text);
    }
}

/// <summary>One line of the Prometheus text format: a series name, its labels and its value.</summary>
public sealed partial record Sample(string Name, IReadOnlyDictionary<string, string> Labels, double Value)
{
    public static IReadOnlyList<Sample> Parse(string text) =>
    [
        .. from line in text.Split('\n')
           where line.Length > 0 && line[0] != '#'
           let m = Line().Match(line)
           where m.Success
           select new Sample(
               m.Groups["name"].Value,
               LabelPair().Matches(m.Groups["labels"].Value).ToDictionary(l => l.Groups["k"].Value, l => Unescape(l.Groups["v"].Value)),
               double.Parse(m.Groups["value"].Value, System.Globalization.CultureInfo.InvariantCulture)),
    ];

    static string Unescape(string value) => value.Replace("\\\"", "\"", StringComparison.Ordinal).Replace("\\n", "\n", StringComparison.Ordinal).Replace("\\\\", "\\", StringComparison.Ordinal);

    [GeneratedRegex("""^(?<name>[a-zA-Z_:][a-zA-Z0-9_:]*)(\{(?<labels>.*)\})?\s+(?<value>\S+)""")]
    private static partial Regex Line();

    [GeneratedRegex("""(?<k>[a-zA-Z_][a-zA-Z0-9_]*)="(?<v>(\\.|[^"\\])*)"\s*,?""")]
    private static partial Regex LabelPair();
}
