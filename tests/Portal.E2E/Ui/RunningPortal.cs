using System.Diagnostics;
using System.Text.RegularExpressions;
using Microsoft.AspNetCore.Identity;
using Microsoft.Extensions.DependencyInjection;
using Portal.Core.Data;
using Portal.Testing;

namespace Portal.E2E.Ui;

/// <summary>
/// The real portal, started the way the README starts it (<c>dotnet run --project src/Portal.Web</c>), on a free
/// loopback port, with a fresh PostgreSQL database from <see cref="PostgresServer"/> and the embedded Kubernetes
/// sandbox (no kubeconfig is given). Nothing is replaced: the reconciler, identity and the UI are the production ones.
/// </summary>
public partial class RunningPortal : IAsyncLifetime
{
    public const string AdminUserName = "admin";
    public const string AdminPassword = "ui-admin-Password-1";

    readonly PostgresServer _postgres = new();
    readonly DirectoryInfo _data = Directory.CreateTempSubdirectory("portal-ui-e2e-");
    readonly TaskCompletionSource<Uri> _listening = new(TaskCreationOptions.RunContinuationsAsynchronously);
    readonly Queue<string> _output = new(); // the portal's last lines, for a start-up failure's message
    Process? _process;

    public Uri BaseAddress { get; private set; } = null!;

    /// <summary>The portal's HTTPS address, when <see cref="Urls"/> asks for one.</summary>
    public Uri? HttpsAddress { get; private set; }

    /// <summary>What the portal listens on (<c>--urls</c>); port 0: a free one.</summary>
    protected virtual string Urls => "http://127.0.0.1:0";

    /// <summary>The portal's data directory (Portal:DataDirectory), e.g. for the loopback certificate it writes there.</summary>
    public string DataDirectory => _data.FullName;

    /// <summary>The portal's PostgreSQL database, for arranging data the UI then shows.</summary>
    public string ConnectionString { get; private set; } = null!;

    /// <summary>Where the tests write the screenshots the README shows.</summary>
    public static string ScreenshotDirectory => Path.Combine(RepositoryRoot(), "docs", "screenshots");

    /// <summary>Saves the whole of <paramref name="page"/> as docs/screenshots/<paramref name="name"/>.png.</summary>
    public static Task ScreenshotAsync(Microsoft.Playwright.IPage page, string name)
    {
        Directory.CreateDirectory(ScreenshotDirectory);
        return page.ScreenshotAsync(new() { Path = Path.Combine(ScreenshotDirectory, $"{name}.png"), FullPage = true });
    }

    public virtual async ValueTask InitializeAsync()
    {
        await _postgres.InitializeAsync();
        var connectionString = ConnectionString = await _postgres.CreateDatabaseAsync();
        var start = new ProcessStartInfo("dotnet")
        {
            ArgumentList =
            {
                "run", "--no-build", "--no-launch-profile", "--configuration", Configuration,
                "--project", Path.Combine(RepositoryRoot(), "src", "Portal.Web"),
                "--", "--urls", Urls,
            },
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            WorkingDirectory = _data.FullName,
            Environment =
            {
                ["ASPNETCORE_ENVIRONMENT"] = "Development",
                ["ConnectionStrings__Portal"] = connectionString,
                ["Portal__DataDirectory"] = _data.FullName,
                ["Portal__Bootstrap__AdminPassword"] = AdminPassword,
                // Test-only: chips move within a quarter second, so the test waits less.
                ["Ui__ClusterChanges__PollMilliseconds"] = "250",
                // Test-only: every test signs in afresh from 127.0.0.1, more often than the 10 a minute one client gets.
                ["Authentication__Limits__SignInsPerMinute"] = "1000",
            },
        };
        _process = Process.Start(start) ?? throw new InvalidOperationException("dotnet did not start.");
        _process.OutputDataReceived += (_, line) => Watch(line.Data);
        _process.ErrorDataReceived += (_, line) => Watch(line.Data);
        _process.EnableRaisingEvents = true;
        _process.Exited += (_, _) => _listening.TrySetException(
            new InvalidOperationException($"The portal exited with {_process.ExitCode} before listening. Its last output:\n{LastOutput()}"));
        _process.BeginOutputReadLine();
        _process.BeginErrorReadLine();

        using var timeout = new CancellationTokenSource(TimeSpan.FromMinutes(4));
        try
        {
            BaseAddress = await _listening.Task.WaitAsync(timeout.Token);
        }
        catch (OperationCanceledException)
        {
            throw new TimeoutException($"The portal did not listen within 4 minutes. Its last output:\n{LastOutput()}");
        }

        // The first render of a page JIT-compiles the components and MudBlazor: seconds on a busy machine. Paid
        // here, outside any test's browser timeouts.
        using var warmUp = new HttpClient { BaseAddress = BaseAddress, Timeout = TimeSpan.FromMinutes(2) };
        (await warmUp.GetAsync("signin")).EnsureSuccessStatusCode();
    }

    string LastOutput()
    {
        lock (_output)
            return string.Join('\n', _output);
    }

    /// <summary>Signs <paramref name="page"/> in as the bootstrap administrator (admin of the default tenant).</summary>
    public Task SignInAsync(Microsoft.Playwright.IPage page) => SignInAsync(page, AdminUserName, AdminPassword);

    public string Url(string path) => new Uri(BaseAddress, path).ToString();

    /// <summary>
    /// Arranges a built-in account <paramref name="userName"/> in the portal's database, as an operator's tooling
    /// would, and returns its subject (the id members are added by).
    /// </summary>
    public async Task<string> CreateUserAsync(string userName, string password)
    {
        var services = new ServiceCollection()
            .AddLogging()
            .AddSingleton(TimeProvider.System)
            .AddDbContext<PostgresPortalDb>(options => PostgresPortalDb.Configure(options, ConnectionString));
        services.AddIdentityCore<IdentityUser>().AddEntityFrameworkStores<PostgresPortalDb>();
        await using var provider = services.BuildServiceProvider();
        await using var scope = provider.CreateAsyncScope();
        var users = scope.ServiceProvider.GetRequiredService<UserManager<IdentityUser>>();
        var user = new IdentityUser(userName);
        var created = await users.CreateAsync(user, password);
        if (!created.Succeeded)
            throw new InvalidOperationException(string.Join("; ", created.Errors.Select(e => e.Description)));
        return user.Id;
    }

    /// <summary>Signs <paramref name="page"/> in as the built-in account <paramref name="userName"/>.</summary>
    public async Task SignInAsync(Microsoft.Playwright.IPage page, string userName, string password)
    {
        await page.GotoAsync(new Uri(BaseAddress, "signin").ToString());
        await page.FillAsync("#username", userName);
        await page.FillAsync("#password", password);
        await page.ClickAsync("#signin");
        await page.WaitForURLAsync(url => !url.Contains("/signin", StringComparison.Ordinal));
    }

    /// <summary>Waits until <paramref name="page"/>'s circuit has connected and rendered (the layout says so).</summary>
    public static Task InteractiveAsync(Microsoft.Playwright.IPage page) =>
        page.Locator("[data-interactive=true]").WaitForAsync(new() { State = Microsoft.Playwright.WaitForSelectorState.Attached });

    void Watch(string? line)
    {
        if (line is null)
            return;
        lock (_output)
        {
            _output.Enqueue(line);
            if (_output.Count > 40)
                _output.Dequeue();
        }

        if (HttpsListeningLine().Match(line) is { Success: true } https)
            HttpsAddress = new Uri(https.Groups["url"].Value.TrimEnd('/') + "/");
        if (ListeningLine().Match(line) is { Success: true } match)
            _listening.TrySetResult(new Uri(match.Groups["url"].Value.TrimEnd('/') + "/"));
    }

    static string RepositoryRoot()
    {
        for (var directory = new DirectoryInfo(AppContext.BaseDirectory); directory is not null; directory = directory.Parent)
        {
            if (File.Exists(Path.Combine(directory.FullName, "Portal.sln")))
                return directory.FullName;
        }

        throw new InvalidOperationException("Portal.sln not found above the test's directory.");
    }

#if DEBUG
    const string Configuration = "Debug";
#else
    const string Configuration = "Release";
#endif

    [GeneratedRegex(@"Now listening on: (?<url>http://127\.0\.0\.1:\d+)")]
    private static partial Regex ListeningLine();

    [GeneratedRegex(@"Now listening on: (?<url>https://127\.0\.0\.1:\d+)")]
    private static partial Regex HttpsListeningLine();

    public virtual async ValueTask DisposeAsync()
    {
        if (_process is { HasExited: false })
        {
            // `dotnet run` and the portal it started: both are this fixture's processes.
            _process.Kill(entireProcessTree: true);
            await _process.WaitForExitAsync();
        }

        _process?.Dispose();
        await _postgres.DisposeAsync();
        _data.Delete(recursive: true);
    }
}
