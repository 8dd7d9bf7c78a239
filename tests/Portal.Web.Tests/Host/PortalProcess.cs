using System.Diagnostics;
using System.Text;
using System.Text.RegularExpressions;

namespace Portal.Web.Tests.Host;

/// <summary>
/// The portal's own binary run as an operator runs it (<c>dotnet Portal.Web.dll …</c>), in a process of its own with
/// a temporary data directory: for the commands, and for serving from a build or a publish output.
/// </summary>
internal sealed partial class PortalProcess : IAsyncDisposable
{
    readonly Process _process;
    readonly StringBuilder _output = new();
    readonly StringBuilder _errors = new();
    readonly TaskCompletionSource<Uri> _listening = new(TaskCreationOptions.RunContinuationsAsynchronously);

    PortalProcess(Process process) => _process = process;

    /// <summary>The build output of src/Portal.Web in this test run's configuration.</summary>
    public static string BuildOutput => Path.Combine(RepositoryRoot(), "src", "Portal.Web", "bin", Configuration, "net10.0");

    public string Output { get { lock (_output) return _output.ToString(); } }

    public string Errors { get { lock (_errors) return _errors.ToString(); } }

    /// <summary>
    /// Starts <c>dotnet &lt;directory&gt;/Portal.Web.dll <paramref name="args"/></c> in <paramref name="workingDirectory"/>,
    /// on SQLite in <paramref name="dataDirectory"/>, in <paramref name="environment"/> (Production unless told).
    /// </summary>
    /// <param name="directory">The build or publish output holding Portal.Web.dll.</param>
    /// <param name="dataDirectory">Portal:DataDirectory, from the environment as the image sets it.</param>
    /// <param name="args">The portal's arguments.</param>
    /// <param name="workingDirectory">Where it runs; the data directory unless set.</param>
    /// <param name="environment">ASPNETCORE_ENVIRONMENT.</param>
    /// <param name="asUser">A numeric uid to run as (through setpriv, when the tests run as root), as the image's non-root user.</param>
    public static PortalProcess Start(
        string directory, string dataDirectory, IEnumerable<string> args, string? workingDirectory = null, string environment = "Production",
        int? asUser = null)
    {
        var runAs = asUser is { } uid && Environment.UserName == "root";
        var start = new ProcessStartInfo(runAs ? "setpriv" : "dotnet")
        {
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            WorkingDirectory = workingDirectory ?? dataDirectory,
            Environment =
            {
                ["ASPNETCORE_ENVIRONMENT"] = environment,
                ["DOTNET_ENVIRONMENT"] = environment,
                ["Portal__DataDirectory"] = dataDirectory,
                ["Portal__Bootstrap__AdminPassword"] = PortalApp.AdminPassword,
                // No PostgreSQL from the developer's environment: the embedded SQLite file.
                ["ConnectionStrings__Portal"] = "",
                // Its own embedded sandbox, whatever kubeconfig the machine has: nothing outside the test is touched.
                ["KUBECONFIG"] = "",
                ["HOME"] = dataDirectory,
            },
        };
        if (runAs)
        {
            foreach (var arg in (string[])[$"--reuid={asUser}", $"--regid={asUser}", "--clear-groups", "dotnet"])
                start.ArgumentList.Add(arg);
        }

        start.ArgumentList.Add(Path.Combine(directory, "Portal.Web.dll"));
        foreach (var arg in args)
            start.ArgumentList.Add(arg);

        var process = new PortalProcess(Process.Start(start) ?? throw new InvalidOperationException("dotnet did not start."));
        process._process.OutputDataReceived += (_, line) => process.Watch(process._output, line.Data);
        process._process.ErrorDataReceived += (_, line) => process.Watch(process._errors, line.Data);
        process._process.BeginOutputReadLine();
        process._process.BeginErrorReadLine();
        return process;
    }

    /// <summary>Waits (generously: a loaded machine) for the process to end; returns its exit code.</summary>
    public async Task<int> ExitCodeAsync()
    {
        using var timeout = new CancellationTokenSource(TimeSpan.FromMinutes(3));
        await _process.WaitForExitAsync(timeout.Token);
        _process.WaitForExit(); // the rest of the redirected output
        return _process.ExitCode;
    }

    /// <summary>Waits for the server's "Now listening on" line and returns its address.</summary>
    public async Task<Uri> ListeningAsync()
    {
        using var timeout = new CancellationTokenSource(TimeSpan.FromMinutes(4));
        var exited = _process.WaitForExitAsync(timeout.Token);
        var first = await Task.WhenAny(_listening.Task, exited);
        if (first != _listening.Task)
            throw new InvalidOperationException($"The portal ended or did not listen within 4 minutes. It wrote:\n{Output}\n{Errors}");
        return await _listening.Task;
    }

    void Watch(StringBuilder into, string? line)
    {
        if (line is null)
            return;
        lock (into)
            into.AppendLine(line);
        if (ListeningLine().Match(line) is { Success: true } match)
            _listening.TrySetResult(new Uri(match.Groups["url"].Value.TrimEnd('/') + "/"));
    }

    public static string RepositoryRoot()
    {
        for (var directory = new DirectoryInfo(AppContext.BaseDirectory); directory is not null; directory = directory.Parent)
        {
            if (File.Exists(Path.Combine(directory.FullName, "Portal.sln")))
                return directory.FullName;
        }

        throw new InvalidOperationException("Portal.sln not found above the test's directory.");
    }

#if DEBUG
    public const string Configuration = "Debug";
#else
    public const string Configuration = "Release";
#endif

    [GeneratedRegex(@"Now listening on: (?<url>http://127\.0\.0\.1:\d+)")]
    private static partial Regex ListeningLine();

    public async ValueTask DisposeAsync()
    {
        if (!_process.HasExited)
        {
            // This fixture's own process.
            _process.Kill(entireProcessTree: true);
            await _process.WaitForExitAsync();
        }

        _process.Dispose();
    }
}
