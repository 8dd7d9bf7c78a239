using System.Diagnostics;

namespace Portal.Sandbox.Tests;

/// <summary>Runs the real kubectl binary against a sandbox, with its own kubeconfig and discovery cache.</summary>
internal sealed class Kubectl : IDisposable
{
    readonly string _dir = Directory.CreateTempSubdirectory("sandbox-kubectl-").FullName;

    public static string Binary { get; } = Locate();

    public string KubeconfigPath => Path.Combine(_dir, "kubeconfig");

    public string Dir => _dir;

    /// <summary>Finds kubectl; a missing binary fails the test loudly instead of skipping it.</summary>
    static string Locate()
    {
        var candidates = (Environment.GetEnvironmentVariable("PATH") ?? "").Split(Path.PathSeparator)
            .Select(dir => Path.Combine(dir, "kubectl"))
            .Prepend("/usr/bin/kubectl");
        return candidates.FirstOrDefault(File.Exists)
            ?? throw new InvalidOperationException("kubectl was not found on PATH or at /usr/bin/kubectl; the kubectl tests need kubectl 1.32.");
    }

    public async Task<(int ExitCode, string Stdout, string Stderr)> Run(string args, string? stdin = null)
    {
        var psi = new ProcessStartInfo(Binary, $"--kubeconfig {KubeconfigPath} --cache-dir {Path.Combine(_dir, "cache")} {args}")
        {
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            RedirectStandardInput = stdin is not null,
            UseShellExecute = false,
        };
        using var process = Process.Start(psi) ?? throw new InvalidOperationException("kubectl did not start");
        if (stdin is not null)
        {
            await process.StandardInput.WriteAsync(stdin);
            process.StandardInput.Close();
        }
        var stdout = process.StandardOutput.ReadToEndAsync(TestContext.Current.CancellationToken);
        var stderr = process.StandardError.ReadToEndAsync(TestContext.Current.CancellationToken);
        using var timeout = CancellationTokenSource.CreateLinkedTokenSource(TestContext.Current.CancellationToken);
        timeout.CancelAfter(TimeSpan.FromSeconds(60));
        await process.WaitForExitAsync(timeout.Token);
        return (process.ExitCode, await stdout, await stderr);
    }

    /// <summary>Runs kubectl and fails the test, showing stderr, unless it succeeds.</summary>
    public async Task<string> Ok(string args, string? stdin = null)
    {
        var (code, stdout, stderr) = await Run(args, stdin);
        Assert.True(code == 0, $"kubectl {args} exited with {code}: {stderr}");
        return stdout;
    }

    public void Dispose() => Directory.Delete(_dir, recursive: true);
}
