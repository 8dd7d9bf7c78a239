using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.Time.Testing;
using Portal.Core.Audit;
using Portal.Core.Clusters;
using Portal.Core.Data;
using Portal.Core.Tenants;
using Portal.Testing;
using static Portal.Testing.Builders;

namespace Portal.Core.Tests.Tenants;

/// <summary>MembershipService on a freshly migrated PostgreSQL database per test.</summary>
public sealed class MembershipServiceTests(PostgresServer server) : IAsyncLifetime
{
    readonly FakeTimeProvider _time = new(new DateTimeOffset(2026, 11, 25, 9, 0, 0, TimeSpan.Zero));
    string _connectionString = "";
    readonly Tenant _tenant = ATenant().Build();

    static CancellationToken Ct => TestContext.Current.CancellationToken;

    public async ValueTask InitializeAsync()
    {
        _connectionString = await server.CreateDatabaseAsync();
        await using var db = NewDb();
        await db.Database.MigrateAsync(Ct);
        db.Tenants.Add(_tenant);
        db.Memberships.Add(new Membership { TenantId = _tenant.Id, Subject = "alice", Role = TenantRole.Admin });
        db.Memberships.Add(new Membership { TenantId = _tenant.Id, Subject = "bob", Role = TenantRole.Member });
        await db.SaveChangesAsync(Ct);
    }

    public ValueTask DisposeAsync() => ValueTask.CompletedTask;

    PortalDb NewDb() => PostgresPortalDb.Create(_connectionString, _time);

    MembershipService As(string subject, bool platformAdmin = false) =>
        new(new Factory(NewDb), new Caller(subject, platformAdmin), _time);

    [Fact]
    public async Task A_tenant_admin_adds_a_member_and_the_addition_is_audited()
    {
        var added = await As("alice").AddAsync(_tenant.Slug, "carol", TenantRole.Viewer, Ct);

        Assert.Null(added.Failure);
        await using var db = NewDb();
        Assert.True(await db.AuditLog.AnyAsync(
            a => a.Action == "membership.add" && a.Actor == "alice" && a.Outcome == AuditOutcome.Succeeded, Ct));
    }

    [Fact]
    public async Task A_plain_member_cannot_add_members()
    {
        var added = await As("bob").AddAsync(_tenant.Slug, "carol", TenantRole.Admin, Ct);

        Assert.Equal((FailureKind.Forbidden, "members.admins-only"), (added.Failure?.Kind, added.Failure?.Code));
    }

    [Fact]
    public async Task Someone_outside_the_tenant_does_not_find_it()
    {
        var added = await As("mallory").AddAsync(_tenant.Slug, "carol", TenantRole.Admin, Ct);

        Assert.Equal(FailureKind.NotFound, added.Failure?.Kind);
    }

    [Fact]
    public async Task A_platform_admin_changes_roles_in_a_tenant_they_do_not_belong_to()
    {
        var changed = await As("root", platformAdmin: true).ChangeRoleAsync(_tenant.Slug, "bob", TenantRole.Admin, Ct);

        Assert.Equal(TenantRole.Admin, changed.Value?.Role);
    }

    [Fact]
    public async Task Removing_the_last_admin_is_refused()
    {
        var removed = await As("alice").RemoveAsync(_tenant.Slug, "alice", Ct);

        Assert.Equal(FailureKind.Conflict, removed.Failure?.Kind);
    }

    [Fact]
    public async Task Demoting_the_last_admin_is_refused()
    {
        var changed = await As("alice").ChangeRoleAsync(_tenant.Slug, "alice", TenantRole.Member, Ct);

        Assert.Equal(FailureKind.Conflict, changed.Failure?.Kind);
    }

    [Fact]
    public async Task Adding_an_existing_member_is_a_conflict()
    {
        var added = await As("alice").AddAsync(_tenant.Slug, "bob", TenantRole.Viewer, Ct);

        Assert.Equal(FailureKind.Conflict, added.Failure?.Kind);
    }

    [Fact]
    public async Task A_removed_member_is_no_longer_listed()
    {
        await As("alice").RemoveAsync(_tenant.Slug, "bob", Ct);

        var members = await As("alice").ListAsync(_tenant.Slug, Ct);

        Assert.Equal(["alice"], members.Value!.Select(m => m.Subject));
    }

    sealed class Factory(Func<PortalDb> create) : IDbContextFactory<PortalDb>
    {
        public PortalDb CreateDbContext() => create();
    }
}
