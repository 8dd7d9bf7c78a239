using System.Net.Http.Json;
using System.Text.Json;
using Portal.Core.Tenants;

namespace Portal.Web.Tests.Clusters;

/// <summary>GET /api/v1/images: the catalogue a notebook picks a Spark version from, and what each image can run.</summary>
public sealed class ImageApiTests(PortalApp app) : IClassFixture<PortalApp>
{
    private readonly HttpClient _client = app.CreateClient();

    private static CancellationToken Ct => TestContext.Current.CancellationToken;

    private sealed record ImageDto(string Image, string SparkVersion, string ScalaVersion, string? PythonVersion, bool SparkConnect, bool IsDefault);

    private async Task<List<ImageDto>> ImagesAsync() =>
        (await _client.GetFromJsonAsync<List<ImageDto>>("/api/v1/images", Json.Options, Ct))!;

    [Fact]
    public async Task The_default_image_is_a_spark_4_image_with_spark_connect()
    {
        var image = (await ImagesAsync()).Single(i => i.IsDefault);

        Assert.Equal(("4.0.3", "2.13", true), (image.SparkVersion, image.ScalaVersion, image.SparkConnect));
    }

    [Fact]
    public async Task Spark_3_images_are_listed_without_spark_connect()
    {
        var spark3 = (await ImagesAsync()).Where(i => i.SparkVersion.StartsWith("3.", StringComparison.Ordinal));

        Assert.All(spark3, i => Assert.False(i.SparkConnect));
    }

    [Fact]
    public async Task A_default_cluster_on_a_spark_3_image_has_no_connect_server()
    {
        var tenant = (await app.CreateTenantAsync((PortalApp.DevelopmentUser, TenantRole.Member))).Slug;

        var response = await _client.PostAsync($"/api/v1/tenants/{tenant}/clusters", Json.Raw("""{"name": "old", "sparkVersion": "3.5.8"}"""), Ct);

        using var body = JsonDocument.Parse(await response.EnsureSuccessStatusCode().Content.ReadAsStringAsync(Ct));
        Assert.False(body.RootElement.GetProperty("spec").GetProperty("sparkConnect").GetBoolean());
    }

    [Fact]
    public async Task The_openapi_document_lists_the_image_catalogue()
    {
        using var document = JsonDocument.Parse(await _client.GetStringAsync("/openapi/v1.json", Ct));

        var description = document.RootElement.GetProperty("paths").GetProperty("/api/v1/tenants/{tenant}/clusters")
            .GetProperty("post").GetProperty("description").GetString();
        Assert.Contains("`apache/spark:3.5.8-scala2.12-java17-python3-ubuntu` (Spark 3.5.8, no Connect)", description, StringComparison.Ordinal);
    }
}
