using System.ComponentModel.DataAnnotations;
using Portal.Core.Clusters;

namespace Portal.Core.Tests.Clusters;

/// <summary>The image catalogue and defaults as an operator configures them: a bad configuration stops the portal at start.</summary>
public sealed class ClusterOptionsTests
{
    static List<ValidationResult> Problems(ClusterOptions options)
    {
        var results = new List<ValidationResult>();
        Validator.TryValidateObject(options, new ValidationContext(options), results, validateAllProperties: true);
        return results;
    }

    static SparkImage Image(string image, bool connect = true) =>
        new() { Image = image, SparkVersion = "4.0.3", ScalaVersion = "2.13", SparkConnect = connect };

    [Fact]
    public void Without_configured_images_the_built_in_catalogue_is_in_force()
    {
        Assert.Equal(ClusterOptions.BuiltInImages, new ClusterOptions().Catalogue);
    }

    [Fact]
    public void Configured_images_replace_the_built_in_catalogue()
    {
        var options = new ClusterOptions { Images = [Image("registry.local/spark:4.0.3")] };

        Assert.Equal(("registry.local/spark:4.0.3", 1), (options.DefaultImage.Image, options.Catalogue.Count));
    }

    [Fact]
    public void A_default_image_outside_the_catalogue_is_a_start_up_error()
    {
        var options = new ClusterOptions { Defaults = new ClusterDefaults { Image = "evil/miner:latest" } };

        Assert.Contains(Problems(options), p => p.ErrorMessage!.Contains("evil/miner:latest", StringComparison.Ordinal));
    }

    [Fact]
    public void An_image_listed_twice_is_a_start_up_error()
    {
        var options = new ClusterOptions { Images = [Image("a/spark:4"), Image("a/spark:4")] };

        Assert.Contains(Problems(options), p => p.ErrorMessage!.Contains("listed twice", StringComparison.Ordinal));
    }

    [Fact]
    public void A_catalogue_entry_without_a_spark_version_is_a_start_up_error()
    {
        var options = new ClusterOptions { Images = [new SparkImage { Image = "a/spark:4", ScalaVersion = "2.13" }] };

        Assert.Contains(Problems(options), p => p.ErrorMessage!.StartsWith("Clusters:Images:0:", StringComparison.Ordinal));
    }

    [Fact]
    public void A_default_worker_too_small_for_spark_is_a_start_up_error()
    {
        var options = new ClusterOptions { Defaults = new ClusterDefaults { WorkerMemory = "1Gi" } };

        Assert.Contains(Problems(options), p => p.ErrorMessage!.Contains("WorkerMemory", StringComparison.Ordinal));
    }

    [Fact]
    public void The_built_in_defaults_are_valid()
    {
        Assert.Empty(Problems(new ClusterOptions()));
    }
}
