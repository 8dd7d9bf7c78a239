using System.Collections.Concurrent;
using System.Diagnostics;
using System.Net;
using Portal.Testing;

namespace Portal.Sandbox.Tests;

/// <summary>The console mode: <c>Portal.Sandbox --port 0 --kubeconfig PATH --state FILE</c>, stopped with Ctrl+C or SIGTERM.</summary>
public sealed class ConsoleProgramTests : IDisposable
{
    readonly Kubectl _kubectl = new();

    static CancellationToken Ct => TestContext.Current.CancellationToken;

    [Fact]
    public async Task The_console_program_serves_kubectl_and_saves_state_when_stopped()
    {
        var statePath = Path.Combine(_kubectl.Dir, "state.json");
        var output = new ConcurrentQueue<string>();
        using var process = Start($"--port 0 --kubeconfig {_kubectl.KubeconfigPath} --state {statePath}", output);
        try
        {
            await Eventually.HoldsAsync(() => File.Exists(_kubectl.KubeconfigPath), $"the program wrote {_kubectl.KubeconfigPath}", TimeSpan.FromSeconds(120), ct: Ct);
            await _kubectl.Ok("apply -f -", "apiVersion: v1\nkind: ConfigMap\nmetadata: {name: hello, namespace: default}\ndata: {a: b}\n");

            // SIGTERM, which the host handles as it does Ctrl+C (SIGINT): a test run started in the background has
            // SIGINT ignored, as POSIX shells start background jobs, and .NET keeps an inherited SIG_IGN.
            using (var stop = Process.Start("kill", $"-TERM {process.Id}")) await stop.WaitForExitAsync(Ct);
            using var timeout = CancellationTokenSource.CreateLinkedTokenSource(Ct);
            timeout.CancelAfter(TimeSpan.FromSeconds(120));
            try
            {
                await process.WaitForExitAsync(timeout.Token);
            }
            catch (OperationCanceledException) when (!Ct.IsCancellationRequested)
            {
                throw new TimeoutException($"The sandbox did not stop within 120 s of SIGTERM; its last output: {string.Join(" | ", output.TakeLast(10))}");
            }
        }
        finally
        {
            if (!process.HasExited) process.Kill();
        }

        Assert.Equal(0, process.ExitCode);
        Assert.Contains("\"name\": \"hello\"", await File.ReadAllTextAsync(statePath, Ct), StringComparison.Ordinal);
    }

    [Fact]
    public async Task The_console_program_takes_fault_injection_as_sandbox_keys_on_the_command_line()
    {
        using var process = Start($"--port 0 --kubeconfig {_kubectl.KubeconfigPath} --Sandbox:Faults:ErrorRate=1 --Sandbox:Faults:ErrorStatus 429");
        try
        {
            using var response = await ListConfigMapsAsync();

            Assert.Equal(HttpStatusCode.TooManyRequests, response.StatusCode);
        }
        finally
        {
            process.Kill();
        }
    }

    [Fact]
    public async Task The_console_program_takes_fault_injection_from_sandbox_environment_variables()
    {
        using var process = Start($"--port 0 --kubeconfig {_kubectl.KubeconfigPath}", ("Sandbox__Faults__ErrorRate", "1"));
        try
        {
            using var response = await ListConfigMapsAsync();

            Assert.Equal(HttpStatusCode.InternalServerError, response.StatusCode);
        }
        finally
        {
            process.Kill();
        }
    }

    [Fact]
    public async Task The_console_program_refuses_an_invalid_sandbox_key_with_exit_code_2()
    {
        using var process = Start("--port 0 --Sandbox:Faults:ErrorStatus 418");
        using var timeout = CancellationTokenSource.CreateLinkedTokenSource(Ct);
        timeout.CancelAfter(TimeSpan.FromSeconds(60));

        await process.WaitForExitAsync(timeout.Token);

        Assert.Equal(2, process.ExitCode);
    }

    static Process Start(string arguments, params (string Name, string Value)[] environment) => Start(arguments, null, environment);

    /// <summary>Starts the console program with its output drained (into <paramref name="output"/> when given).</summary>
    static Process Start(string arguments, ConcurrentQueue<string>? output, params (string Name, string Value)[] environment)
    {
        var dll = Path.Combine(AppContext.BaseDirectory, "Portal.Sandbox.dll");
        var psi = new ProcessStartInfo(Environment.GetEnvironmentVariable("DOTNET_HOST_PATH") ?? "dotnet", $"{dll} {arguments}")
        {
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            UseShellExecute = false,
        };
        foreach (var (name, value) in environment) psi.Environment[name] = value;
        var process = Process.Start(psi)!;
        // Drained, so a chatty sandbox never blocks on a full pipe.
        process.OutputDataReceived += (_, e) => Keep(output, e.Data);
        process.ErrorDataReceived += (_, e) => Keep(output, e.Data);
        process.BeginOutputReadLine();
        process.BeginErrorReadLine();
        return process;
    }

    static void Keep(ConcurrentQueue<string>? output, string? line)
    {
        if (output is null || line is null) return;
        output.Enqueue(line);
        // Only the tail is ever reported.
        while (output.Count > 200) output.TryDequeue(out _);
    }

    /// <summary>Lists config maps on the sandbox the kubeconfig names, once the program has written it.</summary>
    async Task<HttpResponseMessage> ListConfigMapsAsync()
    {
        // The file appears before it is fully written: wait for its server line, not only for the file.
        string? server = null;
        await Eventually.TryAsync(() =>
        {
            server = File.Exists(_kubectl.KubeconfigPath)
                ? File.ReadAllLines(_kubectl.KubeconfigPath).Select(line => line.Trim())
                    .FirstOrDefault(line => line.StartsWith("server:", StringComparison.Ordinal))?["server:".Length..].Trim()
                : null;
            return Task.FromResult(server is not null);
        }, ct: Ct);

        Assert.NotNull(server);
        using var http = new HttpClient { BaseAddress = new Uri(server) };
        return await http.GetAsync("/api/v1/namespaces/default/configmaps", Ct);
    }

    public void Dispose() => _kubectl.Dispose();
}
