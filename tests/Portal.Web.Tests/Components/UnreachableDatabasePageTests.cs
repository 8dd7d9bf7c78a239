using Bunit;
using Portal.Web.Features.Identity;
using Portal.Web.Tests.Host;

namespace Portal.Web.Tests.Components;

/// <summary>A page whose service call fails because the database is unreachable says so, in plain words.</summary>
public sealed class UnreachableDatabasePageTests(UnreachableDatabaseTests.App app) : IClassFixture<UnreachableDatabaseTests.App>, IAsyncLifetime
{
    private ComponentHost _host = null!;

    public ValueTask InitializeAsync()
    {
        _host = new ComponentHost(app, $"user-{Guid.NewGuid():N}");
        return ValueTask.CompletedTask;
    }

    public ValueTask DisposeAsync() => _host.DisposeAsync();

    [Fact]
    public async Task The_tokens_page_says_the_database_is_unreachable()
    {
        var page = _host.Context.Render<TokensPage>();

        await page.WaitForAssertionAsync(() =>
            Assert.Contains("The database is unreachable; try again in a moment.", page.Markup, StringComparison.Ordinal));
    }
}
