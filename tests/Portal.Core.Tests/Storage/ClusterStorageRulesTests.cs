using Portal.Core.Storage;

namespace Portal.Core.Tests.Storage;

/// <summary>What a cluster request may say about volumes, an object store and event logs, before the tenant's rows are read.</summary>
public sealed class ClusterStorageRulesTests
{
    static (IReadOnlyList<ClusterVolume> Mounts, EventLogSpec? EventLog, Dictionary<string, string> Errors) Resolve(
        VolumeMountRequest?[] volumes, string? objectStore = null, EventLogRequest? eventLog = null)
    {
        var errors = new Dictionary<string, string>();
        var (mounts, log) = ClusterStorageRules.Resolve(volumes, objectStore, eventLog, (field, problem) =>
        {
            if (problem is not null)
                errors[field] = problem;
        });
        return (mounts, log, errors);
    }

    [Fact]
    public void A_mount_without_a_path_appears_under_the_volumes_name()
    {
        var (mounts, _, _) = Resolve([new VolumeMountRequest { Volume = "shared" }]);

        Assert.Equal("/mnt/data/shared", StoragePaths.MountPath(mounts.Single()));
    }

    [Theory]
    [InlineData("../etc")]
    [InlineData("/abs")]
    [InlineData("a//b")]
    [InlineData("a/./b")]
    [InlineData("with space")]
    public void A_path_that_could_leave_the_mount_root_is_refused(string path)
    {
        var (_, _, errors) = Resolve([new VolumeMountRequest { Volume = "shared", Path = path }]);

        Assert.Equal(["volumes[0].path"], errors.Keys.ToArray());
    }

    [Fact]
    public void Two_mounts_at_nested_paths_are_refused()
    {
        var (_, _, errors) = Resolve([new VolumeMountRequest { Volume = "a", Path = "data" }, new VolumeMountRequest { Volume = "b", Path = "data/b" }]);

        Assert.Equal(["volumes[1].path"], errors.Keys.ToArray());
    }

    [Fact]
    public void An_event_log_on_a_volume_goes_to_its_spark_events_directory_by_default()
    {
        var (mounts, log, _) = Resolve([new VolumeMountRequest { Volume = "logs" }], eventLog: new EventLogRequest { Volume = "logs" });

        Assert.Equal("file:/mnt/data/logs/spark-events", StoragePaths.EventLogDirectory(log!, mounts));
    }

    [Fact]
    public void An_event_log_on_a_read_only_mount_is_refused()
    {
        var (_, _, errors) = Resolve([new VolumeMountRequest { Volume = "logs", ReadOnly = true }], eventLog: new EventLogRequest { Volume = "logs" });

        Assert.Equal(["eventLog.volume"], errors.Keys.ToArray());
    }

    [Fact]
    public void An_event_log_on_a_volume_the_cluster_does_not_mount_is_refused()
    {
        var (_, _, errors) = Resolve([], eventLog: new EventLogRequest { Volume = "logs" });

        Assert.Equal(["eventLog.volume"], errors.Keys.ToArray());
    }

    [Fact]
    public void An_event_log_in_the_object_store_is_an_s3a_uri()
    {
        var (mounts, log, _) = Resolve([], "lake", new EventLogRequest { ObjectStore = "lake", Path = "analytics/spark/events" });

        Assert.Equal("s3a://analytics/spark/events", StoragePaths.EventLogDirectory(log!, mounts));
    }

    [Fact]
    public void An_event_log_outside_the_stores_bucket_prefix_is_refused_against_the_tenants_store()
    {
        var store = new ObjectStore
        {
            Name = "lake", Endpoint = "https://s3.example.com", Region = "us-east-1", BucketPrefix = "analytics/spark",
            AccessKeyId = "id", ProtectedSecretKey = "x", CreatedBy = "alice",
        };

        var errors = ClusterStorageRules.Check([], "lake", new EventLogSpec(null, "lake", "analytics/sparkling"), [], [store], "t");

        Assert.Equal(["eventLog.path"], errors.Keys.ToArray());
    }

    [Fact]
    public void A_read_write_mount_of_a_read_only_many_volume_is_refused()
    {
        var volume = new TenantVolume { Name = "ref", StorageClass = "standard", Size = "1Gi", AccessMode = VolumeAccessMode.ReadOnlyMany, CreatedBy = "alice" };

        var errors = ClusterStorageRules.Check([new ClusterVolume("ref", "ref", false)], null, null, [volume], [], "t");

        Assert.Equal(["volumes[0].readOnly"], errors.Keys.ToArray());
    }
}
