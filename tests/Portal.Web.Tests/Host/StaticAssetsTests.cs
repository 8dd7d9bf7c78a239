using System.Text.RegularExpressions;

namespace Portal.Web.Tests.Host;

/// <summary>
/// Outside Development, from a build (<c>dotnet run --no-launch-profile</c>, ASPNETCORE_ENVIRONMENT=Production) and
/// from <c>dotnet publish</c>, the portal serves its stylesheets and the Blazor script with their content, not as
/// empty 200s.
/// </summary>
public sealed partial class StaticAssetsTests : IAsyncLifetime
{
    static CancellationToken Ct => TestContext.Current.CancellationToken;

    readonly DirectoryInfo _data = Directory.CreateTempSubdirectory("portal-static-assets-");
    readonly DirectoryInfo _publish = Directory.CreateTempSubdirectory("portal-publish-");

    public ValueTask InitializeAsync() => ValueTask.CompletedTask;

    [Fact]
    public async Task A_build_in_production_serves_the_stylesheets_and_the_blazor_script_with_content()
    {
        // Started elsewhere than the build output, as `dotnet run` from the repository does.
        await using var portal = PortalProcess.Start(PortalProcess.BuildOutput, _data.FullName, ["--urls", "http://127.0.0.1:0"]);

        var empty = await EmptyAssetsAsync(await portal.ListeningAsync());

        Assert.Empty(empty);
    }

    [Fact]
    public async Task A_publish_output_in_production_serves_the_stylesheets_and_the_blazor_script_with_content()
    {
        await PublishAsync();
        await using var portal = PortalProcess.Start(_publish.FullName, _data.FullName, ["--urls", "http://127.0.0.1:0"], workingDirectory: _publish.FullName);

        var empty = await EmptyAssetsAsync(await portal.ListeningAsync());

        Assert.Empty(empty);
    }

    /// <summary>
    /// What deploy/Dockerfile's image does, short of building it: the publish output, Production, the data directory from
    /// the environment, a non-root user (uid 65534, like the image's 'app'), on its embedded defaults.
    /// </summary>
    [Fact]
    public async Task The_publish_output_run_as_the_image_runs_it_serves_pages_assets_health_and_the_api()
    {
        await PublishAsync();
        const int NonRoot = 65534;
        // The image's data directory belongs to its user; the published files are readable by everyone.
        if (!OperatingSystem.IsWindows())
            File.SetUnixFileMode(_publish.FullName, (UnixFileMode)0b111_101_101);
        await ChownAsync(_data.FullName, NonRoot);
        await using var portal = PortalProcess.Start(_publish.FullName, _data.FullName, ["--urls", "http://127.0.0.1:0"],
            workingDirectory: _publish.FullName, asUser: NonRoot);
        using var client = new HttpClient { BaseAddress = await portal.ListeningAsync(), Timeout = TimeSpan.FromMinutes(2) };

        var empty = await EmptyAssetsAsync(client.BaseAddress!);
        var health = await client.GetAsync("healthz", Ct);
        var api = await client.GetAsync("api/v1/images", Ct);

        Assert.Equal((0, System.Net.HttpStatusCode.OK, System.Net.HttpStatusCode.Unauthorized, "application/problem+json"),
            (empty.Count, health.StatusCode, api.StatusCode, api.Content.Headers.ContentType?.MediaType));
    }

    static async Task ChownAsync(string path, int uid)
    {
        if (Environment.UserName != "root")
            return;
        using var chown = System.Diagnostics.Process.Start("chown", ["-R", $"{uid}:{uid}", path])!;
        await chown.WaitForExitAsync(Ct);
        Assert.Equal(0, chown.ExitCode);
    }

    /// <summary>
    /// Every stylesheet the sign-in page and the app's page link, and the Blazor script, that answers without a
    /// body (or not 200), with what it answered; empty when all have content.
    /// </summary>
    static async Task<List<string>> EmptyAssetsAsync(Uri portal)
    {
        using var client = new HttpClient { BaseAddress = portal, Timeout = TimeSpan.FromMinutes(2) };
        var signIn = await client.GetStringAsync("signin", Ct);
        var assets = Stylesheet().Matches(signIn).Select(m => m.Groups["href"].Value)
            .Concat(["_content/MudBlazor/MudBlazor.min.css", "css/portal.css", "_framework/blazor.web.js", "_content/MudBlazor/MudBlazor.min.js"])
            .Distinct()
            .ToList();
        Assert.NotEmpty(Stylesheet().Matches(signIn));

        var empty = new List<string>();
        foreach (var asset in assets)
        {
            using var response = await client.GetAsync(asset.TrimStart('/'), Ct);
            var body = await response.Content.ReadAsByteArrayAsync(Ct);
            if (!response.IsSuccessStatusCode || body.Length == 0)
                empty.Add($"{asset}: {(int)response.StatusCode}, {body.Length} bytes");
        }

        return empty;
    }

    // The build the test run made, published as a deployment would (`dotnet publish`), without building it again.
    async Task PublishAsync()
    {
        var project = Path.Combine(PortalProcess.RepositoryRoot(), "src", "Portal.Web");
        var start = new System.Diagnostics.ProcessStartInfo("dotnet")
        {
            ArgumentList = { "publish", project, "--no-build", "--configuration", PortalProcess.Configuration, "--output", _publish.FullName },
            RedirectStandardOutput = true,
            RedirectStandardError = true,
        };
        using var publish = System.Diagnostics.Process.Start(start)!;
        var output = publish.StandardOutput.ReadToEndAsync(Ct);
        var errors = publish.StandardError.ReadToEndAsync(Ct);
        using var timeout = new CancellationTokenSource(TimeSpan.FromMinutes(5));
        await publish.WaitForExitAsync(timeout.Token);
        Assert.True(publish.ExitCode == 0, $"dotnet publish failed:\n{await output}\n{await errors}");
    }

    [GeneratedRegex("<link rel=\"stylesheet\" href=\"(?<href>[^\"]+)\"")]
    private static partial Regex Stylesheet();

    public ValueTask DisposeAsync()
    {
        _data.Delete(recursive: true);
        _publish.Delete(recursive: true);
        return ValueTask.CompletedTask;
    }
}
