using k8s;
using k8s.Models;
using Portal.Provisioning.Manifests;
using Portal.Provisioning.Reconciler;
using static Portal.Testing.Builders;

namespace Portal.Provisioning.Tests.Reconciler;

/// <summary>Which ResourceQuota watch events may matter to a tenant pass (pure: no API server).</summary>
public sealed class SpecChangesTests
{
    [Fact]
    public void A_modification_of_status_used_alone_does_not_matter()
    {
        var changes = new SpecChanges<V1ResourceQuota>();
        changes.Relisted([Quota(pods: "100", usedPods: "0", resourceVersion: "1")]);

        Assert.False(changes.Matters(WatchEventType.Modified, Quota(pods: "100", usedPods: "3", resourceVersion: "2")));
    }

    [Fact]
    public void A_modification_of_spec_hard_matters()
    {
        var changes = new SpecChanges<V1ResourceQuota>();
        changes.Relisted([Quota(pods: "100", usedPods: "0", resourceVersion: "1")]);

        Assert.True(changes.Matters(WatchEventType.Modified, Quota(pods: "1", usedPods: "0", resourceVersion: "2")));
    }

    [Fact]
    public void A_status_change_after_a_spec_change_is_compared_with_the_changed_spec()
    {
        var changes = new SpecChanges<V1ResourceQuota>();
        changes.Relisted([Quota(pods: "100", usedPods: "0", resourceVersion: "1")]);
        changes.Matters(WatchEventType.Modified, Quota(pods: "1", usedPods: "0", resourceVersion: "2"));

        Assert.False(changes.Matters(WatchEventType.Modified, Quota(pods: "1", usedPods: "1", resourceVersion: "3")));
    }

    [Fact]
    public void A_modification_of_an_object_never_seen_matters()
    {
        var changes = new SpecChanges<V1ResourceQuota>();

        Assert.True(changes.Matters(WatchEventType.Modified, Quota(pods: "100", usedPods: "3", resourceVersion: "2")));
    }

    [Fact]
    public void An_object_deleted_and_created_again_is_seen_afresh()
    {
        var changes = new SpecChanges<V1ResourceQuota>();
        changes.Relisted([Quota(pods: "100", usedPods: "0", resourceVersion: "1")]);
        changes.Matters(WatchEventType.Deleted, Quota(pods: "100", usedPods: "0", resourceVersion: "2"));

        Assert.True(changes.Matters(WatchEventType.Modified, Quota(pods: "100", usedPods: "0", resourceVersion: "3")));
    }

    static readonly Guid TenantId = ATenant().Build().Id;

    // One quota (same uid throughout) as the API server would send it, with managed fields that move on every write.
    static V1ResourceQuota Quota(string pods, string usedPods, string resourceVersion) => new()
    {
        ApiVersion = "v1",
        Kind = "ResourceQuota",
        Metadata = new V1ObjectMeta
        {
            Name = "spark-portal-quota",
            NamespaceProperty = "spark-acme",
            Uid = "6f1c1d0e-0000-4000-8000-000000000001",
            ResourceVersion = resourceVersion,
            Labels = Labels.ForTenant(TenantId, "quota"),
            ManagedFields = [new V1ManagedFieldsEntry { Manager = "quota-controller", Operation = "Update", Subresource = "status", Time = DateTime.UtcNow }],
        },
        Spec = new V1ResourceQuotaSpec { Hard = new Dictionary<string, ResourceQuantity> { ["pods"] = new(pods) } },
        Status = new V1ResourceQuotaStatus
        {
            Hard = new Dictionary<string, ResourceQuantity> { ["pods"] = new(pods) },
            Used = new Dictionary<string, ResourceQuantity> { ["pods"] = new(usedPods) },
        },
    };
}
