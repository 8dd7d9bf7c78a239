using System.ComponentModel.DataAnnotations;
using System.Runtime.InteropServices;
using Microsoft.Extensions.Configuration;

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
        //     [--Sandbox:Faults:ErrorRate 0.1 ...]   any SandboxOptions key, as the embedded sandbox takes it
        // and the same keys as environment variables (Sandbox__Faults__Latency=00:00:00.200).
        if (!TryReadOptions(args, out var options, out var kubeconfigPath, out var problem))
        {
            await Console.Error.WriteLineAsync($"{problem} Usage: {Usage}");
            return 2;
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

    const string Usage =
        "--port N --kubeconfig PATH [--state FILE] [--pod-start-delay SECONDS] [--image-pull-failure REGEX] [--spark-registration-delay SECONDS] " +
        "[--Sandbox:<Key> VALUE, e.g. --Sandbox:Faults:ErrorRate 0.1; also as Sandbox__<Key> environment variables]";

    /// <summary>
    /// The options the embedded sandbox binds from its <c>Sandbox</c> section, read here from environment variables
    /// and the command line in the same shape (so every <see cref="SandboxOptions"/> and <see cref="FaultOptions"/>
    /// key works, with no switch of its own to keep in step), plus the console's own short switches, which win.
    /// </summary>
    internal static bool TryReadOptions(string[] args, out SandboxOptions options, out string? kubeconfigPath, out string problem)
    {
        options = new SandboxOptions();
        kubeconfigPath = null;
        problem = "";
        var switches = new Dictionary<string, string?>(StringComparer.OrdinalIgnoreCase);
        var keys = new List<string>();
        for (var i = 0; i < args.Length; i++)
        {
            var arg = args[i];
            if (arg.StartsWith("--Sandbox:", StringComparison.OrdinalIgnoreCase))
            {
                // "--Sandbox:Key=value" or "--Sandbox:Key value", as ASP.NET Core's command-line configuration reads them.
                keys.Add(arg);
                if (!arg.Contains('=', StringComparison.Ordinal) && i + 1 < args.Length) keys.Add(args[++i]);
                continue;
            }

            if (i + 1 >= args.Length)
            {
                problem = $"{arg} needs a value.";
                return false;
            }

            var value = args[++i];
            // Seconds, as these switches always took them; configuration spells a TimeSpan as 00:00:02.
            static string Seconds(string text) =>
                TimeSpan.FromSeconds(double.Parse(text, CultureInfo.InvariantCulture)).ToString("c", CultureInfo.InvariantCulture);
            try
            {
                switch (arg)
                {
                    case "--port": switches["Sandbox:Port"] = value; break;
                    case "--kubeconfig": kubeconfigPath = value; break;
                    case "--state": switches["Sandbox:StatePath"] = value; break;
                    case "--pod-start-delay": switches["Sandbox:PodStartDelay"] = Seconds(value); break;
                    case "--image-pull-failure": switches["Sandbox:ImagePullFailurePattern"] = value; break;
                    case "--spark-registration-delay": switches["Sandbox:SparkRegistrationDelay"] = Seconds(value); break;
                    default:
                        problem = $"Unknown argument {arg}.";
                        return false;
                }
            }
            catch (FormatException)
            {
                problem = $"{arg} takes a number of seconds, not {value}.";
                return false;
            }
        }

        var configuration = new ConfigurationBuilder()
            .AddEnvironmentVariables()
            .AddCommandLine([.. keys])
            .AddInMemoryCollection(switches)
            .Build();
        try
        {
            configuration.GetSection(SandboxOptions.Section).Bind(options);
            options.Validate();
        }
        catch (Exception e) when (e is InvalidOperationException or ValidationException or FormatException)
        {
            problem = $"Invalid sandbox setting: {e.Message}";
            return false;
        }

        return true;
    }
}

static partial class ConsoleLog
{
    [LoggerMessage(LogLevel.Information, "Started Kubernetes sandbox at {Address}; kubeconfig {KubeconfigPath}")]
    public static partial void Started(ILogger logger, Uri address, string kubeconfigPath);

    [LoggerMessage(LogLevel.Information, "Stopping Kubernetes sandbox")]
    public static partial void Stopping(ILogger logger);
}
