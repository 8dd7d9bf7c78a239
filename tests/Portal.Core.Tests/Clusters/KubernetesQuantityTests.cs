using Portal.Core.Clusters;

namespace Portal.Core.Tests.Clusters;

/// <summary>The quantity grammar of k8s.io/apimachinery/pkg/api/resource, as the manifests render it.</summary>
public sealed class KubernetesQuantityTests
{
    [Theory]
    [InlineData("1", 1)]
    [InlineData("0.5", 0.5)]
    [InlineData(".5", 0.5)]
    [InlineData("1.", 1)]
    [InlineData("+2", 2)]
    [InlineData("-2", -2)]
    [InlineData("500m", 0.5)]
    [InlineData("1k", 1000)]
    [InlineData("2M", 2_000_000)]
    [InlineData("1G", 1_000_000_000)]
    [InlineData("1Ki", 1024)]
    [InlineData("512Mi", 536_870_912)]
    [InlineData("2Gi", 2_147_483_648)]
    [InlineData("1.5Gi", 1_610_612_736)]
    [InlineData("1Ti", 1_099_511_627_776)]
    [InlineData("1e3", 1000)]
    [InlineData("1E3", 1000)]
    [InlineData("1e-3", 0.001)]
    [InlineData("1E", 1e18)]
    [InlineData("250u", 0.00025)]
    [InlineData("5n", 0.000000005)]
    public void A_valid_quantity_parses_to_its_value(string text, double expected) =>
        Assert.Equal((true, (decimal)expected), (KubernetesQuantity.TryParse(text, out var value), value));

    [Theory]
    [InlineData("")]
    [InlineData("Gi")]
    [InlineData("2GB")]
    [InlineData("2gi")]
    [InlineData("2 Gi")]
    [InlineData(" 2")]
    [InlineData("1.2.3")]
    [InlineData(".")]
    [InlineData("+-1")]
    [InlineData("1e")]
    [InlineData("1e+")]
    [InlineData("1e3Gi")]
    [InlineData("one")]
    [InlineData("1e99")]
    [InlineData("99999999999999999999Ei")]
    public void Text_that_is_not_a_quantity_does_not_parse(string text) =>
        Assert.False(KubernetesQuantity.TryParse(text, out _));
}
