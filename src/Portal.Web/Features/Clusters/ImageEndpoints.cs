namespace Portal.Web.Features.Clusters;

/// <summary>An image a cluster may run, as <c>GET /api/v1/images</c> lists it.</summary>
/// <param name="Image">Container image reference; a create request's <c>image</c>.</param>
/// <param name="SparkVersion">Spark version; a create request's <c>sparkVersion</c>.</param>
/// <param name="ScalaVersion">Scala version Spark was built with; jars added to a cluster must match it.</param>
/// <param name="PythonVersion">Python of the image's PySpark, if it has one.</param>
/// <param name="JavaVersion">Java the image runs, if known.</param>
/// <param name="SparkConnect">Whether clusters of this image can run a Spark Connect server.</param>
/// <param name="IsDefault">Whether a request naming neither image nor sparkVersion gets this one.</param>
internal sealed record SparkImageView(
    string Image, string SparkVersion, string ScalaVersion, string? PythonVersion, string? JavaVersion, bool SparkConnect, bool IsDefault);

/// <summary>/api/v1/images: the image catalogue (Clusters:Images), for notebooks and scripts choosing a Spark version.</summary>
internal static class ImageEndpoints
{
    public static RouteGroupBuilder MapImages(this RouteGroupBuilder api)
    {
        api.MapGet("/images", List).WithName("ListImages").WithTags("Clusters")
            .WithSummary("List the Spark images clusters may run")
            .WithDescription("The image catalogue in configured order (Clusters:Images), with what each image can do: only " +
                             "images with `sparkConnect: true` accept a cluster with a Spark Connect server.");
        return api;
    }

    private static Ok<List<SparkImageView>> List(IOptions<ClusterOptions> options)
    {
        var catalogue = options.Value;
        var defaultImage = catalogue.DefaultImage;
        return TypedResults.Ok(catalogue.Catalogue
            .Select(i => new SparkImageView(i.Image, i.SparkVersion, i.ScalaVersion, i.PythonVersion, i.JavaVersion, i.SparkConnect, i == defaultImage))
            .ToList());
    }
}
