using Portal.Core.Clusters;
using Portal.Core.Tenants;
using static Portal.Testing.Builders;

namespace Portal.Core.Tests.Clusters;

/// <summary>How far a cluster's time-to-live may be extended.</summary>
public sealed class ClusterExpiryTests
{
    static readonly DateTimeOffset Created = new(2026, 11, 25, 8, 0, 0, TimeSpan.Zero);
    static readonly TenantPolicy Policy = new() { MaxTimeToLive = TimeSpan.FromHours(24) };

    static Cluster EightHourCluster() => ASparkCluster().CreatedAt(Created).Build();

    [Fact]
    public void An_extension_adds_to_the_current_expiry()
    {
        var change = ClusterExpiry.Decide(EightHourCluster(), Policy, TimeSpan.FromHours(4), Created.AddHours(1));

        Assert.Equal(Created.AddHours(12), change.ExpiresAt);
    }

    [Fact]
    public void An_extension_of_a_cluster_past_its_expiry_counts_from_now()
    {
        var change = ClusterExpiry.Decide(EightHourCluster(), Policy, TimeSpan.FromHours(1), Created.AddHours(9));

        Assert.Equal(Created.AddHours(10), change.ExpiresAt);
    }

    [Fact]
    public void An_extension_past_the_tenants_maximum_is_refused()
    {
        var change = ClusterExpiry.Decide(EightHourCluster(), Policy, TimeSpan.FromHours(17), Created.AddHours(1));

        Assert.Equal((ExtensionRefusal.BeyondMaximum, Created.AddHours(24)), (change.Refusal, change.Latest));
    }

    [Fact]
    public void An_extension_up_to_the_maximum_exactly_is_allowed()
    {
        var change = ClusterExpiry.Decide(EightHourCluster(), Policy, TimeSpan.FromHours(16), Created.AddHours(1));

        Assert.True(change.Succeeded);
    }

    [Fact]
    public void A_cluster_being_deleted_cannot_be_extended()
    {
        var cluster = EightHourCluster();
        cluster.DeletionRequestedAt = Created.AddHours(1);

        var change = ClusterExpiry.Decide(cluster, Policy, TimeSpan.FromHours(1), Created.AddHours(1));

        Assert.Equal(ExtensionRefusal.Ending, change.Refusal);
    }

    [Fact]
    public void A_non_positive_extension_is_refused()
    {
        var change = ClusterExpiry.Decide(EightHourCluster(), Policy, TimeSpan.Zero, Created.AddHours(1));

        Assert.Equal(ExtensionRefusal.NotPositive, change.Refusal);
    }

    [Fact]
    public void A_refusal_past_the_maximum_is_keyed_by_the_duration_field()
    {
        var change = ClusterExpiry.Decide(EightHourCluster(), Policy, TimeSpan.FromHours(17), Created.AddHours(1));

        var failure = ClusterExpiry.Explain(change);

        Assert.Equal((FailureKind.Invalid, true), (failure.Kind, failure.Errors?.ContainsKey("by")));
    }
}
