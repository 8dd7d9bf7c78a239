using System.Text.Json;

namespace Portal.Web.Tests.Authorization;

/// <summary>The OpenAPI document tells clients how to authenticate.</summary>
public sealed class OpenApiSecurityTests(PortalApp app) : IClassFixture<PortalApp>
{
    private static CancellationToken Ct => TestContext.Current.CancellationToken;

    [Fact]
    public async Task The_OpenAPI_document_declares_http_bearer_authentication()
    {
        using var document = await DocumentAsync();

        var scheme = document.RootElement.GetProperty("components").GetProperty("securitySchemes").GetProperty("bearer");
        Assert.Equal(("http", "bearer"), (scheme.GetProperty("type").GetString(), scheme.GetProperty("scheme").GetString()));
    }

    [Fact]
    public async Task Every_api_operation_requires_the_bearer_scheme()
    {
        using var document = await DocumentAsync();

        var unsecured = document.RootElement.GetProperty("paths").EnumerateObject()
            .Where(path => path.Name.StartsWith("/api/", StringComparison.Ordinal))
            .SelectMany(path => path.Value.EnumerateObject().Select(operation => (Name: $"{operation.Name} {path.Name}", operation.Value)))
            .Where(operation => !operation.Value.TryGetProperty("security", out var security)
                || !security.EnumerateArray().Any(requirement => requirement.TryGetProperty("bearer", out _)))
            .Select(operation => operation.Name);
        Assert.Empty(unsecured);
    }

    private async Task<JsonDocument> DocumentAsync()
    {
        var response = await app.CreateAnonymousClient().GetAsync("/openapi/v1.json", Ct);
        return JsonDocument.Parse(await response.EnsureSuccessStatusCode().Content.ReadAsStringAsync(Ct));
    }
}
