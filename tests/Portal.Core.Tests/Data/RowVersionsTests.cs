using Portal.Core.Data;

namespace Portal.Core.Tests.Data;

/// <summary>The version map behind the database polls: which rows moved between two looks.</summary>
public sealed class RowVersionsTests
{
    static readonly Guid Tenant = Guid.CreateVersion7();

    static RowVersion<Guid> Row(Guid id, long version) => new(id, version, Tenant);

    [Fact]
    public void The_first_look_reports_every_row_as_changed()
    {
        var a = Guid.CreateVersion7();
        var b = Guid.CreateVersion7();

        var look = new RowVersions<Guid>().Look([Row(a, 1), Row(b, 1)]);

        Assert.Equal((true, 2, 0), (look.IsFirstLook, look.Changed.Count, look.Gone.Count));
    }

    [Fact]
    public void A_row_whose_version_moved_is_changed_and_an_unchanged_one_is_not()
    {
        var moved = Guid.CreateVersion7();
        var still = Guid.CreateVersion7();
        var versions = new RowVersions<Guid>();
        versions.Look([Row(moved, 1), Row(still, 1)]);

        var look = versions.Look([Row(moved, 2), Row(still, 1)]);

        Assert.Equal([moved], look.Changed.Select(r => r.Id));
    }

    [Fact]
    public void A_new_row_is_changed()
    {
        var old = Guid.CreateVersion7();
        var created = Guid.CreateVersion7();
        var versions = new RowVersions<Guid>();
        versions.Look([Row(old, 1)]);

        var look = versions.Look([Row(old, 1), Row(created, 1)]);

        Assert.Equal([created], look.Changed.Select(r => r.Id));
    }

    [Fact]
    public void A_row_that_left_is_gone_with_the_tag_it_had()
    {
        var left = Guid.CreateVersion7();
        var versions = new RowVersions<Guid>();
        versions.Look([Row(left, 3)]);

        var look = versions.Look([]);

        Assert.Equal((false, left, Tenant), (look.IsFirstLook, Assert.Single(look.Gone).Id, look.Gone[0].Tag));
    }

    [Fact]
    public void A_row_that_left_is_forgotten_so_its_return_is_new()
    {
        var returning = Guid.CreateVersion7();
        var versions = new RowVersions<Guid>();
        versions.Look([Row(returning, 1)]);
        versions.Look([]);

        var look = versions.Look([Row(returning, 1)]);

        Assert.Equal([returning], look.Changed.Select(r => r.Id));
    }
}
