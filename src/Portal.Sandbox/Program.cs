using Microsoft.Extensions.Logging;
using System.Runtime.InteropServices;

namespace Portal.Sandbox;

/// <summary>
/// The console entry point. A named class rather than top-level statements: the portal references this assembly, and
/// ASP.NET Core makes a top-level program's generated Program class public, which would clash with the portal's own.
/// </summary>
internal static class SandboxConsole
{
    public static async Task<int> Main(string[] args)
    {
        // Console mode, like envtest: serve on loopback until Ctrl+C and write a kubeconfig for kubectl.
        //   dotnet run --project src/Portal.Sandbox -- --port 0 --kubeconfig PATH [--state FILE] [--pod-start-delay SECONDS] [--image-pull-failure REGEX] [--spark-registration-delay SECONDS]
        var options = new SandboxOptions();
        string? kubeconfigPath = null;
        for (var i = 0; i < args.Length; i++)
        {
            string Next() => i + 1 < args.Length ? args[++i] : throw new ArgumentException($"{args[i]} needs a value");
            switch (args[i])
            {
                case "--port": options.Port = int.Parse(Next(), System.Globalization.CultureInfo.InvariantCulture); break;
                case "--kubeconfig": kubeconfigPath = Next(); break;
                case "--state": options.StatePath = Next(); break;
                case "--pod-start-delay": options.PodStartDelay = TimeSpan.FromSeconds(double.Parse(Next(), System.Globalization.CultureInfo.InvariantCulture)); break;
                case "--image-pull-failure": options.ImagePullFailurePattern = Next(); break;
                case "--spark-registration-delay": options.SparkRegistrationDelay = TimeSpan.FromSeconds(double.Parse(Next(), System.Globalization.CultureInfo.InvariantCulture)); break;
                default:
                    await Console.Error.WriteLineAsync($"Unknown argument {args[i]}. Usage: --port N --kubeconfig PATH [--state FILE] [--pod-start-delay SECONDS] [--image-pull-failure REGEX] [--spark-registration-delay SECONDS]");
                    return 2;
            }
        }

        using var loggerFactory = LoggerFactory.Create(b => b.AddSimpleConsole(o => o.SingleLine = true).SetMinimumLevel(LogLevel.Information).AddFilter("Microsoft.AspNetCore", LogLevel.Warning));
        var log = loggerFactory.CreateLogger("Portal.Sandbox");
        using var stop = new CancellationTokenSource();
        using var sigint = PosixSignalRegistration.Create(PosixSignal.SIGINT, Stop);
        using var sigterm = PosixSignalRegistration.Create(PosixSignal.SIGTERM, Stop);

        void Stop(PosixSignalContext context)
        {
            context.Cancel = true;
            stop.Cancel();
        }

        await using (var sandbox = await KubeSandbox.StartAsync(options, loggerFactory))
        {
            if (kubeconfigPath is not null) await sandbox.WriteKubeconfigAsync(kubeconfigPath);
            ConsoleLog.Started(log, sandbox.BaseAddress, kubeconfigPath ?? "(not written)");
            try
            {
                await Task.Delay(Timeout.Infinite, stop.Token);
            }
            catch (OperationCanceledException)
            {
                ConsoleLog.Stopping(log);
            }
        }
        return 0;
    }
}

static partial class ConsoleLog
{
    [LoggerMessage(LogLevel.Information, "Started Kubernetes sandbox at {Address}; kubeconfig {KubeconfigPath}")]
    public static partial void Started(ILogger logger, Uri address, string kubeconfigPath);

    [LoggerMessage(LogLevel.Information, "Stopping Kubernetes sandbox")]
    public static partial void Stopping(ILogger logger);
}
