using System.Diagnostics;

namespace Portal.Sandbox.Tests;

/// <summary>The console mode: <c>Portal.Sandbox --port 0 --kubeconfig PATH --state FILE</c>, stopped with Ctrl+C.</summary>
public sealed class ConsoleProgramTests : IDisposable
{
    readonly Kubectl _kubectl = new();

    static CancellationToken Ct => TestContext.Current.CancellationToken;

    [Fact]
    public async Task The_console_program_serves_kubectl_and_saves_state_when_interrupted()
    {
        var statePath = Path.Combine(_kubectl.Dir, "state.json");
        var dll = Path.Combine(AppContext.BaseDirectory, "Portal.Sandbox.dll");
        var psi = new ProcessStartInfo(Environment.GetEnvironmentVariable("DOTNET_HOST_PATH") ?? "dotnet", $"{dll} --port 0 --kubeconfig {_kubectl.KubeconfigPath} --state {statePath}")
        {
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            UseShellExecute = false,
        };
        using var process = Process.Start(psi)!;
        try
        {
            var deadline = DateTime.UtcNow + TimeSpan.FromSeconds(30);
            while (!File.Exists(_kubectl.KubeconfigPath) && DateTime.UtcNow < deadline) await Task.Delay(50, Ct);
            await _kubectl.Ok("apply -f -", "apiVersion: v1\nkind: ConfigMap\nmetadata: {name: hello, namespace: default}\ndata: {a: b}\n");

            using (var interrupt = Process.Start("kill", $"-INT {process.Id}")) await interrupt.WaitForExitAsync(Ct);
            using var timeout = CancellationTokenSource.CreateLinkedTokenSource(Ct);
            timeout.CancelAfter(TimeSpan.FromSeconds(30));
            await process.WaitForExitAsync(timeout.Token);
        }
        finally
        {
            if (!process.HasExited) process.Kill();
        }

        Assert.Equal(0, process.ExitCode);
        Assert.Contains("\"name\": \"hello\"", await File.ReadAllTextAsync(statePath, Ct), StringComparison.Ordinal);
    }

    public void Dispose() => _kubectl.Dispose();
}
