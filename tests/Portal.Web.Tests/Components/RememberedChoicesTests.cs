using Microsoft.Extensions.DependencyInjection;
using Portal.Core.Identity;
using Portal.Core.Tenants;
using Portal.Web.Features.Shell;

namespace Portal.Web.Tests.Components;

/// <summary>
/// A person's theme and tenant survive a reload, a new tab and another browser: each is a new circuit, built here as
/// a new <see cref="ComponentHost"/> for the same person.
/// </summary>
public sealed class RememberedChoicesTests(PortalApp app) : IClassFixture<PortalApp>
{
    private static CancellationToken Ct => TestContext.Current.CancellationToken;

    /// <summary>Someone who signed in (so the portal knows them), with two tenants.</summary>
    private async Task<(string Subject, Tenant First, Tenant Second)> ATeamMemberAsync()
    {
        var subject = $"user-{Guid.NewGuid():N}";
        var first = await app.CreateTenantAsync((subject, TenantRole.Member));
        var second = await app.CreateTenantAsync((subject, TenantRole.Member));
        await using var db = app.Db();
        var user = new PortalUser { Subject = subject, DisplayName = subject, IdentityProvider = "local", FirstSeenAt = DateTimeOffset.UtcNow };
        user.Describe(new SignInProfile(subject, subject, null, "local", false));
        db.KnownUsers.Add(user);
        await db.SaveChangesAsync(Ct);
        return (subject, first, second);
    }

    private static async Task<string?> StartingTenantAsync(ComponentHost circuit)
    {
        var current = circuit.Context.Services.GetRequiredService<CurrentTenant>();
        await current.MembershipsAsync(Ct);
        return current.Slug;
    }

    [Fact]
    public async Task A_new_tab_starts_with_the_tenant_chosen_last()
    {
        var (subject, first, second) = await ATeamMemberAsync();
        Tenant chosen;
        await using (var tab = new ComponentHost(app, subject))
        {
            // Whichever the tab did not start with, so the next tab can't pass by starting with the default.
            chosen = await StartingTenantAsync(tab) == second.Slug ? first : second;
            await tab.Context.Services.GetRequiredService<CurrentTenant>().ChooseAsync(chosen.Slug, Ct);
        }

        await using var next = new ComponentHost(app, subject);

        Assert.Equal(chosen.Slug, await StartingTenantAsync(next));
    }

    [Fact]
    public async Task A_remembered_tenant_the_person_has_left_is_not_chosen()
    {
        var (subject, first, _) = await ATeamMemberAsync();
        var elsewhere = await app.CreateTenantAsync();
        await using (var tab = new ComponentHost(app, subject))
            await tab.Context.Services.GetRequiredService<UserPreferences>().RememberTenantAsync(elsewhere.Slug, Ct);

        await using var next = new ComponentHost(app, subject);

        Assert.NotEqual(elsewhere.Slug, await StartingTenantAsync(next));
    }

    [Fact]
    public async Task The_theme_chosen_is_the_theme_of_the_next_tab()
    {
        var (subject, _, _) = await ATeamMemberAsync();
        await using (var tab = new ComponentHost(app, subject))
            await tab.Context.Services.GetRequiredService<UserPreferences>().RememberThemeAsync(dark: true, Ct);

        await using var next = new ComponentHost(app, subject);

        Assert.True((await next.Context.Services.GetRequiredService<UserPreferences>().GetAsync(Ct)).DarkTheme);
    }

    [Fact]
    public async Task Someone_who_never_chose_has_no_theme_remembered()
    {
        var (subject, _, _) = await ATeamMemberAsync();

        await using var tab = new ComponentHost(app, subject);

        Assert.Null((await tab.Context.Services.GetRequiredService<UserPreferences>().GetAsync(Ct)).DarkTheme);
    }
}
