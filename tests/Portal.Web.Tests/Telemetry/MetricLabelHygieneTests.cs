using Portal.Core.Tenants;

namespace Portal.Web.Tests.Telemetry;

/// <summary>A scrape never gives away who people are or what unlocks the portal.</summary>
public sealed class MetricLabelHygieneTests(MeteredPortalApp app) : IClassFixture<MeteredPortalApp>
{
    private static CancellationToken Ct => TestContext.Current.CancellationToken;

    private static readonly HashSet<string> PortalLabels = ["tenant", "phase", "kind", "pass", "outcome", "reason", "otel_scope_name", "otel_scope_version", "le"];

    [Fact]
    public async Task No_label_carries_a_token_a_password_or_an_e_mail_address()
    {
        const string email = "carol@example.com";
        var tenant = await app.CreateTenantAsync((email, TenantRole.Member));
        var token = app.TokenFor(email);
        var client = app.CreateClient(email);
        // Traffic that puts the secrets and the address on the wire: in the path, the query and the header.
        await client.GetAsync($"/api/v1/tenants/{tenant.Slug}/clusters", Ct);
        await client.GetAsync($"/api/v1/users?search={Uri.EscapeDataString(email)}", Ct);
        await client.GetAsync($"/api/v1/tenants/{tenant.Slug}/clusters/{token}", Ct);
        await client.PostAsync($"/api/v1/tenants/{tenant.Slug}/clusters", Json.Body(new { name = "x", sparkConf = new Dictionary<string, string> { ["spark.password"] = PortalApp.AdminPassword } }), Ct);

        var values = (await app.ScrapeAsync()).SelectMany(s => s.Labels.Values).Distinct().ToList();

        Assert.DoesNotContain(values, v => v.Contains(token, StringComparison.Ordinal)
            || v.Contains("spk_", StringComparison.Ordinal)
            || v.Contains(PortalApp.AdminPassword, StringComparison.Ordinal)
            || v.Contains('@', StringComparison.Ordinal));
    }

    [Fact]
    public async Task The_portal_s_own_series_use_only_bounded_labels()
    {
        var samples = await app.ScrapeAsync();

        var labels = samples.Where(s => s.Name.StartsWith("portal_", StringComparison.Ordinal)).SelectMany(s => s.Labels.Keys).ToHashSet();

        Assert.Subset(PortalLabels, labels);
    }
}
