using Microsoft.AspNetCore.Identity;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.Time.Testing;
using Portal.Core.Data;
using Portal.Core.Identity;
using Portal.Core.Tenants;
using Portal.Testing;
using static Portal.Testing.Builders;

namespace Portal.Core.Tests.Identity;

/// <summary>
/// The known-users directory: <see cref="SignInRecorder"/> keeps it, <see cref="UserDirectory"/> reads it. Run on
/// both providers (the recorder's conditional update and the search's LIKE translations differ between them).
/// </summary>
public abstract class UserDirectoryTests : IAsyncLifetime
{
    static readonly DateTimeOffset Start = new(2026, 11, 25, 9, 0, 0, TimeSpan.Zero);

    protected readonly FakeTimeProvider Time = new(Start);

    static CancellationToken Ct => TestContext.Current.CancellationToken;

    protected abstract PortalDb NewDb();

    protected abstract Task<string> CreateDatabaseAsync();

    public async ValueTask InitializeAsync()
    {
        await CreateDatabaseAsync();
        await using var db = NewDb();
        await db.Database.MigrateAsync(Ct);
    }

    public virtual ValueTask DisposeAsync() => ValueTask.CompletedTask;

    UserDirectory Directory() => new(new DbFactory(NewDb));

    async Task SignInAsync(SignInProfile profile)
    {
        await using var db = NewDb();
        await new SignInRecorder(db, Time).RecordAsync(profile, Ct);
    }

    static SignInProfile Ada(bool platformAdmin = false, string name = "Ada Lovelace", string? email = "ada@example.test") =>
        new("ada-sub", name, email, "oidc", platformAdmin);

    async Task<PortalUser> RowAsync(string subject)
    {
        await using var db = NewDb();
        return await db.KnownUsers.AsNoTracking().SingleAsync(u => u.Subject == subject, Ct);
    }

    // One string, so a test can compare it inside a tuple (lists compare by reference there).
    async Task<string> AuditActionsAsync(string subject)
    {
        await using var db = NewDb();
        var actions = await db.AuditLog.AsNoTracking().Where(a => a.Target == $"users/{subject}")
            .OrderBy(a => a.Id).Select(a => a.Action).ToListAsync(Ct);
        return string.Join(' ', actions);
    }

    [Fact]
    public async Task A_first_sign_in_records_the_user_as_first_seen_and_last_signed_in_now()
    {
        await SignInAsync(Ada());

        var row = await RowAsync("ada-sub");
        Assert.Equal(("Ada Lovelace", "ada@example.test", "oidc", Start, Start),
            (row.DisplayName, row.Email, row.IdentityProvider, row.FirstSeenAt, row.LastSignInAt));
    }

    [Fact]
    public async Task A_later_sign_in_replaces_name_and_email_and_keeps_the_first_seen_time()
    {
        await SignInAsync(Ada());
        Time.Advance(TimeSpan.FromDays(2));

        await SignInAsync(Ada(name: "Ada King", email: "countess@example.test"));

        var row = await RowAsync("ada-sub");
        Assert.Equal(("Ada King", "countess@example.test", Start, Start.AddDays(2)),
            (row.DisplayName, row.Email, row.FirstSeenAt, row.LastSignInAt));
    }

    [Fact]
    public async Task A_sign_in_with_a_blank_name_records_the_subject_as_the_name()
    {
        await SignInAsync(Ada(name: " "));

        Assert.Equal("ada-sub", (await RowAsync("ada-sub")).DisplayName);
    }

    [Fact]
    public async Task Platform_administration_from_the_directory_is_stored_and_audited_at_the_first_sign_in()
    {
        await SignInAsync(Ada(platformAdmin: true));

        Assert.Equal(
            (true, SignInRecorder.PlatformAdminAdded),
            ((await RowAsync("ada-sub")).PlatformAdminFromDirectory, await AuditActionsAsync("ada-sub")));
    }

    [Fact]
    public async Task A_sign_in_without_the_admin_group_removes_platform_administration_and_audits_the_removal()
    {
        await SignInAsync(Ada(platformAdmin: true));

        await SignInAsync(Ada(platformAdmin: false));

        Assert.Equal(
            (false, $"{SignInRecorder.PlatformAdminAdded} {SignInRecorder.PlatformAdminRemoved}"),
            ((await RowAsync("ada-sub")).PlatformAdminFromDirectory, await AuditActionsAsync("ada-sub")));
    }

    [Fact]
    public async Task A_sign_in_that_changes_no_administration_writes_no_audit_entry()
    {
        await SignInAsync(Ada());

        await SignInAsync(Ada());

        Assert.Equal("", await AuditActionsAsync("ada-sub"));
    }

    [Fact]
    public async Task Racing_first_sign_ins_of_one_user_leave_one_row_and_one_audit_entry()
    {
        // Each sign-in on its own context and connection, as on separate requests or replicas.
        await Task.WhenAll(Enumerable.Range(0, 8).Select(_ => Task.Run(() => SignInAsync(Ada(platformAdmin: true)), Ct)));

        await using var db = NewDb();
        Assert.Equal((1, SignInRecorder.PlatformAdminAdded),
            (await db.KnownUsers.CountAsync(u => u.Subject == "ada-sub", Ct), await AuditActionsAsync("ada-sub")));
    }

    [Fact]
    public async Task Racing_sign_ins_that_remove_administration_audit_the_removal_once()
    {
        await SignInAsync(Ada(platformAdmin: true));

        await Task.WhenAll(Enumerable.Range(0, 8).Select(_ => Task.Run(() => SignInAsync(Ada(platformAdmin: false)), Ct)));

        Assert.Equal($"{SignInRecorder.PlatformAdminAdded} {SignInRecorder.PlatformAdminRemoved}", await AuditActionsAsync("ada-sub"));
    }

    [Fact]
    public async Task An_access_token_without_the_admin_group_removes_stored_platform_administration_with_an_audit_entry()
    {
        await SignInAsync(Ada(platformAdmin: true));

        await using (var db = NewDb())
            await new SignInRecorder(db, Time).ObservePlatformAdminAsync("ada-sub", platformAdminFromDirectory: false, Ct);

        Assert.Equal(
            (false, $"{SignInRecorder.PlatformAdminAdded} {SignInRecorder.PlatformAdminRemoved}"),
            ((await RowAsync("ada-sub")).PlatformAdminFromDirectory, await AuditActionsAsync("ada-sub")));
    }

    [Fact]
    public async Task An_access_token_of_a_user_who_never_signed_in_adds_nobody_to_the_directory()
    {
        await using (var db = NewDb())
            await new SignInRecorder(db, Time).ObservePlatformAdminAsync("stranger", platformAdminFromDirectory: true, Ct);

        await using var check = NewDb();
        Assert.False(await check.KnownUsers.AnyAsync(u => u.Subject == "stranger", Ct));
    }

    [Fact]
    public async Task Search_finds_a_name_by_its_start_ignoring_case()
    {
        await SignInAsync(Ada());
        await SignInAsync(new SignInProfile("grace-sub", "Grace Hopper", null, "oidc", false));

        var found = await Directory().SearchAsync("aDA", 10, Ct);

        Assert.Equal([new KnownUser("ada-sub", "Ada Lovelace", "ada@example.test")], found);
    }

    [Fact]
    public async Task Search_finds_a_name_by_the_start_of_a_later_word()
    {
        await SignInAsync(Ada());

        var found = await Directory().SearchAsync("love", 10, Ct);

        Assert.Equal(["ada-sub"], found.Select(u => u.Subject));
    }

    [Fact]
    public async Task Search_does_not_match_the_middle_of_a_word()
    {
        await SignInAsync(Ada());

        var found = await Directory().SearchAsync("velace", 10, Ct);

        Assert.Empty(found);
    }

    [Fact]
    public async Task Search_finds_an_email_address_by_its_start()
    {
        await SignInAsync(new SignInProfile("u-1", "Someone", "Countess@Example.test", "oidc", false));

        var found = await Directory().SearchAsync("countess@", 10, Ct);

        Assert.Equal(["u-1"], found.Select(u => u.Subject));
    }

    [Fact]
    public async Task Search_finds_a_subject_by_its_start()
    {
        await SignInAsync(new SignInProfile("0f3a9c-opaque", "Someone", null, "oidc", false));

        var found = await Directory().SearchAsync("0f3a", 10, Ct);

        Assert.Equal(["0f3a9c-opaque"], found.Select(u => u.Subject));
    }

    [Fact]
    public async Task Search_text_with_like_wildcards_matches_them_literally()
    {
        await SignInAsync(Ada());

        var found = await Directory().SearchAsync("%", 10, Ct);

        Assert.Empty(found);
    }

    [Fact]
    public async Task Search_finds_built_in_accounts_that_never_signed_in()
    {
        await AddAccountAsync("acct-1", "operator", "ops@example.test");

        var found = await Directory().SearchAsync("oper", 10, Ct);

        Assert.Equal([new KnownUser("acct-1", "operator", "ops@example.test")], found);
    }

    [Fact]
    public async Task Search_returns_a_built_in_account_that_signed_in_once()
    {
        await AddAccountAsync("acct-1", "operator", null);
        await SignInAsync(new SignInProfile("acct-1", "operator", null, "local", false));

        var found = await Directory().SearchAsync("oper", 10, Ct);

        Assert.Single(found);
    }

    [Fact]
    public async Task Search_returns_at_most_the_limit_sorted_by_name()
    {
        foreach (var name in new[] { "Dan", "Dora", "Dave", "Dina" })
            await SignInAsync(new SignInProfile($"sub-{name}", name, null, "oidc", false));

        var found = await Directory().SearchAsync("d", 3, Ct);

        Assert.Equal(["Dan", "Dave", "Dina"], found.Select(u => u.DisplayName));
    }

    [Fact]
    public async Task Empty_search_lists_the_latest_sign_ins_first()
    {
        await SignInAsync(Ada());
        Time.Advance(TimeSpan.FromMinutes(1));
        await SignInAsync(new SignInProfile("grace-sub", "Grace Hopper", null, "oidc", false));

        var found = await Directory().SearchAsync("  ", 10, Ct);

        Assert.Equal(["grace-sub", "ada-sub"], found.Select(u => u.Subject));
    }

    [Fact]
    public async Task Names_maps_known_subjects_and_built_in_accounts_and_leaves_out_strangers()
    {
        await SignInAsync(Ada());
        await AddAccountAsync("acct-1", "operator", null);

        var names = await Directory().NamesAsync(["ada-sub", "acct-1", "nobody", "ada-sub"], Ct);

        Assert.Equal(
            [new KnownUser("acct-1", "operator", null), new KnownUser("ada-sub", "Ada Lovelace", "ada@example.test")],
            names.Values.OrderBy(u => u.Subject, StringComparer.Ordinal));
    }

    [Fact]
    public async Task A_tenant_admin_may_browse_the_directory()
    {
        await TenantWithAsync("alice", TenantRole.Admin);

        Assert.True(await Directory().MayBrowseAsync(new Caller("alice", IsPlatformAdmin: false), Ct));
    }

    [Fact]
    public async Task A_member_who_administers_no_tenant_may_not_browse_the_directory()
    {
        await TenantWithAsync("bob", TenantRole.Member);

        Assert.False(await Directory().MayBrowseAsync(new Caller("bob", IsPlatformAdmin: false), Ct));
    }

    [Fact]
    public async Task A_token_limited_to_a_tenant_the_owner_does_not_administer_may_not_browse_the_directory()
    {
        await TenantWithAsync("carol", TenantRole.Admin);
        var viewed = await TenantWithAsync("carol", TenantRole.Viewer);

        Assert.False(await Directory().MayBrowseAsync(new Caller("carol", IsPlatformAdmin: false, TokenTenant: viewed.Id), Ct));
    }

    [Fact]
    public async Task A_platform_admin_may_browse_the_directory()
    {
        Assert.True(await Directory().MayBrowseAsync(new Caller("root", IsPlatformAdmin: true), Ct));
    }

    async Task AddAccountAsync(string id, string userName, string? email)
    {
        await using var db = NewDb();
        db.Users.Add(new IdentityUser(userName)
        {
            Id = id,
            NormalizedUserName = userName.ToUpperInvariant(),
            Email = email,
            NormalizedEmail = email?.ToUpperInvariant(),
        });
        await db.SaveChangesAsync(Ct);
    }

    async Task<Tenant> TenantWithAsync(string subject, TenantRole role)
    {
        var tenant = ATenant().Build();
        await using var db = NewDb();
        db.Tenants.Add(tenant);
        db.Memberships.Add(new Membership { TenantId = tenant.Id, Subject = subject, Role = role });
        await db.SaveChangesAsync(Ct);
        return tenant;
    }

}

/// <summary>The directory on a fresh PostgreSQL database per test.</summary>
public sealed class PostgresUserDirectoryTests(PostgresServer server) : UserDirectoryTests
{
    string _connectionString = "";

    protected override PortalDb NewDb() => PostgresPortalDb.Create(_connectionString, Time);

    protected override async Task<string> CreateDatabaseAsync() => _connectionString = await server.CreateDatabaseAsync();
}

/// <summary>The directory on a fresh SQLite file per test, the embedded default.</summary>
public sealed class SqliteUserDirectoryTests : UserDirectoryTests
{
    readonly SqliteDatabase _database = SqliteDatabase.Create();

    protected override PortalDb NewDb() => SqlitePortalDb.Create(_database.ConnectionString, Time);

    protected override Task<string> CreateDatabaseAsync() => Task.FromResult(_database.ConnectionString);

    public override async ValueTask DisposeAsync() => await _database.DisposeAsync();
}
