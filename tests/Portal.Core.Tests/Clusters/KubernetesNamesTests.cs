using Portal.Core.Clusters;

namespace Portal.Core.Tests.Clusters;

/// <summary>Cluster and tenant names become Kubernetes object names.</summary>
public sealed class KubernetesNamesTests
{
    [Theory]
    [InlineData("etl")]
    [InlineData("a")]
    [InlineData("etl-2024")]
    [InlineData("a-b-c-1")]
    public void A_DNS_label_starting_with_a_letter_is_a_valid_cluster_name(string name) =>
        Assert.Null(KubernetesNames.Problem(name, KubernetesNames.MaxClusterNameLength));

    [Theory]
    [InlineData(null)]
    [InlineData("")]
    [InlineData("Etl")]
    [InlineData("etl_1")]
    [InlineData("etl.1")]
    [InlineData("-etl")]
    [InlineData("etl-")]
    [InlineData("1etl")]
    [InlineData("étl")]
    public void A_name_that_is_not_a_DNS_1035_label_is_refused(string? name) =>
        Assert.NotNull(KubernetesNames.Problem(name, KubernetesNames.MaxClusterNameLength));

    [Fact]
    public void A_cluster_name_at_the_maximum_length_is_accepted() =>
        Assert.Null(KubernetesNames.Problem(new string('a', KubernetesNames.MaxClusterNameLength), KubernetesNames.MaxClusterNameLength));

    [Fact]
    public void A_cluster_name_one_over_the_maximum_length_is_refused() =>
        Assert.NotNull(KubernetesNames.Problem(new string('a', KubernetesNames.MaxClusterNameLength + 1), KubernetesNames.MaxClusterNameLength));

    [Theory]
    [InlineData("-worker-abcdef1234")]
    [InlineData("-intra-cluster")]
    [InlineData("-connect")]
    [InlineData("-master")]
    public void The_longest_cluster_name_leaves_room_for_every_object_suffix(string suffix) =>
        Assert.True(KubernetesNames.MaxClusterNameLength + suffix.Length <= KubernetesNames.MaxLabelLength);
}
