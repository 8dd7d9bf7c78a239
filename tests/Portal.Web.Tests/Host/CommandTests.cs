using Microsoft.AspNetCore.Identity;
using Microsoft.Extensions.DependencyInjection;
using Portal.Core.Data;
using Portal.Core.Identity;

namespace Portal.Web.Tests.Host;

/// <summary>The operations commands of the portal's binary, run as an operator runs them.</summary>
public sealed class CommandTests : IAsyncLifetime
{
    readonly DirectoryInfo _data = Directory.CreateTempSubdirectory("portal-commands-");

    public ValueTask InitializeAsync() => ValueTask.CompletedTask;

    async Task<(int Exit, string Output, string Errors)> RunAsync(params string[] args)
    {
        await using var portal = PortalProcess.Start(PortalProcess.BuildOutput, _data.FullName, args);
        var exit = await portal.ExitCodeAsync();
        return (exit, portal.Output, portal.Errors);
    }

    [Fact]
    public async Task An_unknown_command_prints_the_known_ones_and_exits_non_zero_instead_of_serving()
    {
        var (exit, _, errors) = await RunAsync("frobnicate");

        Assert.Equal((2, true, true, true, true), (exit, errors.Contains("Unknown command 'frobnicate'", StringComparison.Ordinal),
            errors.Contains("migrate", StringComparison.Ordinal), errors.Contains("token create", StringComparison.Ordinal),
            errors.Contains("user create", StringComparison.Ordinal)));
    }

    [Fact]
    public async Task User_create_prints_only_a_one_time_password_that_signs_the_new_account_in()
    {
        var (exit, output, _) = await RunAsync("user", "create", "--user", "grace", "--name", "Grace Hopper", "--email", "grace@example.com");

        var password = Assert.Single(output.Split('\n', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries));
        Assert.Equal((0, true, true), (exit, await PasswordWorksAsync("grace", password), await MustChangeAsync("grace")));
    }

    [Fact]
    public async Task User_create_refuses_a_taken_user_name_with_exit_code_1()
    {
        await RunAsync("user", "create", "--user", "linus");

        var (exit, output, errors) = await RunAsync("user", "create", "--user", "linus");

        Assert.Equal((1, "", true), (exit, output, errors.Contains("already an account 'linus'", StringComparison.Ordinal)));
    }

    [Fact]
    public async Task User_reset_password_prints_a_new_one_time_password_and_the_old_one_stops_working()
    {
        var first = (await RunAsync("user", "create", "--user", "ken")).Output.Trim();

        var (exit, output, _) = await RunAsync("user", "reset-password", "--user", "ken");

        Assert.Equal((0, true, false), (exit, await PasswordWorksAsync("ken", output.Trim()), await PasswordWorksAsync("ken", first)));
    }

    [Fact]
    public async Task User_without_a_user_name_is_bad_usage_with_exit_code_2()
    {
        var (exit, output, errors) = await RunAsync("user", "create");

        Assert.Equal((2, "", true), (exit, output, errors.Contains("--user is required", StringComparison.Ordinal)));
    }

    // The account as the portal's own Identity store sees it, in the process's SQLite file.
    async Task<T> WithUsersAsync<T>(Func<UserManager<IdentityUser>, Task<T>> read)
    {
        var services = new ServiceCollection()
            .AddLogging()
            .AddSingleton(TimeProvider.System)
            .AddDbContext<SqlitePortalDb>(options => SqlitePortalDb.Configure(options, SqlitePortalDb.ConnectionStringFor(Path.Combine(_data.FullName, "portal.db"))));
        services.AddIdentityCore<IdentityUser>().AddEntityFrameworkStores<SqlitePortalDb>();
        await using var provider = services.BuildServiceProvider();
        await using var scope = provider.CreateAsyncScope();
        return await read(scope.ServiceProvider.GetRequiredService<UserManager<IdentityUser>>());
    }

    Task<bool> PasswordWorksAsync(string userName, string password) =>
        WithUsersAsync(async users => await users.FindByNameAsync(userName) is { } user && await users.CheckPasswordAsync(user, password));

    Task<bool> MustChangeAsync(string userName) => WithUsersAsync(async users =>
        (await users.GetClaimsAsync((await users.FindByNameAsync(userName))!)).Any(c => c.Type == Accounts.PasswordChangeRequiredClaim));

    public ValueTask DisposeAsync()
    {
        _data.Delete(recursive: true);
        return ValueTask.CompletedTask;
    }
}
