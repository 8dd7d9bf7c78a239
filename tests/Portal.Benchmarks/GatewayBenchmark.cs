using System.Diagnostics;
using System.Globalization;
using System.Net.Http.Headers;
using System.Net.Http.Json;
using System.Text.RegularExpressions;
using Google.Protobuf.WellKnownTypes;
using Grpc.Core;
using Grpc.Net.Client;
using k8s;
using Portal.Provisioning.Kubernetes;
using Portal.Testing;
using Spark.Connect;

namespace Portal.Benchmarks;

/// <summary>
/// The Spark Connect gateway's cost, side by side in one run (docs/gateway.md, "Benchmark"): the real portal started as
/// the README starts it, on PostgreSQL and its embedded sandbox, one Running cluster; the same calls to that cluster's
/// Connect stand-in (a) through the portal's cleartext gateway port and (b) directly, over a pod port-forward from the
/// benchmark itself, which is the last leg of the gateway's own path. Unary round trips (Config) and a server stream
/// (the stand-in's Stream plan) are timed alternately, so load drifts affect both alike. Each stream also counts the CPU
/// time the portal's process and the benchmark's own (the client) spent on it: on a machine of few cores the two routes
/// compete for the same CPUs, so their throughput ratio follows their CPU cost per byte.
///   dotnet run -c Release --project tests/Portal.Benchmarks -- gateway [--calls 2000] [--streams 15] [--messages 20000] [--bytes 4096] [--warmup-streams 5]
/// </summary>
internal static partial class GatewayBenchmark
{
    public static async Task RunAsync(string[] args)
    {
        var calls = Option(args, "--calls", 2000);
        var streams = Option(args, "--streams", 15);
        var messages = Option(args, "--messages", 20000);
        var bytes = Option(args, "--bytes", 4096);
        var warmupStreams = Option(args, "--warmup-streams", 5);

        await using var portal = await Portal.StartAsync();
        var token = await portal.TokenAsync();
        using var api = new HttpClient { BaseAddress = portal.Http };
        api.DefaultRequestHeaders.Authorization = new AuthenticationHeaderValue("Bearer", token);
        (await api.PostAsJsonAsync("api/v1/tenants/default/clusters", new { name = "bench", workers = 1, sparkConnect = true })).EnsureSuccessStatusCode();
        await portal.RunningAsync(api, "bench");

        var headers = new Metadata { { "authorization", $"Bearer {token}" }, { "x-spark-portal-cluster", "default/bench" } };
        using var gatewayChannel = GrpcChannel.ForAddress(portal.Gateway, new GrpcChannelOptions { MaxReceiveMessageSize = null });
        using var kube = new Kubernetes(KubernetesClientConfiguration.BuildConfigFromConfigFile(portal.SandboxKubeconfig));
        var pod = (await kube.CoreV1.ListNamespacedPodAsync("spark-default", labelSelector: "app.kubernetes.io/component=connect")).Items
            .Single(p => p.Status?.Phase == "Running").Metadata.Name;
        var directHandler = new SocketsHttpHandler
        {
            ConnectCallback = async (_, ct) => await PortForwardStream.ConnectAsync(kube, "spark-default", pod, 15002, ct),
        };
        using var directChannel = GrpcChannel.ForAddress("http://connect.bench", new GrpcChannelOptions { HttpHandler = directHandler, MaxReceiveMessageSize = null });
        var viaGateway = new SparkConnectService.SparkConnectServiceClient(gatewayChannel);
        var direct = new SparkConnectService.SparkConnectServiceClient(directChannel);
        var session = Guid.NewGuid().ToString();

        // Warm-up: connections, JIT, the gateway's session audit.
        for (var i = 0; i < 200; i++)
        {
            await viaGateway.ConfigAsync(Get(session), headers);
            await direct.ConfigAsync(Get(session));
        }

        // Streams too: a portal that has just started recompiles its hot paths at tier 1 on a background thread for tens
        // of seconds, which on two cores takes a large share of the CPU both routes need while they are timed.
        for (var i = 0; i < warmupStreams; i++)
        {
            await StreamAsync(viaGateway, headers, session, messages, bytes);
            await StreamAsync(direct, new Metadata(), session, messages, bytes);
        }

        var gatewayUnary = new List<double>();
        var directUnary = new List<double>();
        for (var i = 0; i < calls; i++)
        {
            gatewayUnary.Add(await TimeAsync(() => viaGateway.ConfigAsync(Get(session), headers).ResponseAsync));
            directUnary.Add(await TimeAsync(() => direct.ConfigAsync(Get(session)).ResponseAsync));
        }

        var gatewayStream = new List<double>();
        var directStream = new List<double>();
        var gatewayCpu = new CpuTime();
        var directCpu = new CpuTime();
        using var portalProcess = portal.AppProcess();
        for (var i = 0; i < streams; i++)
        {
            gatewayStream.Add(await gatewayCpu.MeasureAsync(portalProcess, () => StreamAsync(viaGateway, headers, session, messages, bytes)));
            directStream.Add(await directCpu.MeasureAsync(portalProcess, () => StreamAsync(direct, new Metadata(), session, messages, bytes)));
        }

        var mib = messages * (double)bytes / (1024 * 1024);
        var streamed = mib * streams;
        // Each gateway stream with the direct one timed right after it: a pair shares the machine's load of the moment,
        // so the spread of the pairs' ratios shows how far one run's ratio of medians can be trusted.
        var pairs = gatewayStream.Zip(directStream, (gateway, directly) => directly / gateway).ToList();
        Console.WriteLine(string.Create(CultureInfo.InvariantCulture, $"""

            Run on {Environment.ProcessorCount} cores, {DateTime.UtcNow:yyyy-MM-dd HH:mm} UTC, .NET {Environment.Version}, load average at the end {LoadAverage()}

            | Measure | Through the gateway | Direct (port-forward) | Ratio |
            | --- | --- | --- | --- |
            | Config round trip, median ({calls} calls each) | {Median(gatewayUnary):F3} ms | {Median(directUnary):F3} ms | {Median(gatewayUnary) / Median(directUnary):F2} |
            | Config round trip, p90 | {Percentile(gatewayUnary, 0.9):F3} ms | {Percentile(directUnary, 0.9):F3} ms | {Percentile(gatewayUnary, 0.9) / Percentile(directUnary, 0.9):F2} |
            | Stream of {messages} × {bytes} B, median of {streams} | {mib / Median(gatewayStream) * 1000:F1} MiB/s | {mib / Median(directStream) * 1000:F1} MiB/s | {Median(directStream) / Median(gatewayStream):F2} |
            | CPU per MiB streamed, portal process | {gatewayCpu.Portal / streamed:F2} ms | {directCpu.Portal / streamed:F2} ms | {gatewayCpu.Portal / directCpu.Portal:F2} |
            | CPU per MiB streamed, client (this process) | {gatewayCpu.Client / streamed:F2} ms | {directCpu.Client / streamed:F2} ms | {gatewayCpu.Client / directCpu.Client:F2} |
            | CPU per MiB streamed, both | {(gatewayCpu.Portal + gatewayCpu.Client) / streamed:F2} ms | {(directCpu.Portal + directCpu.Client) / streamed:F2} ms | {(gatewayCpu.Portal + gatewayCpu.Client) / (directCpu.Portal + directCpu.Client):F2} |

            Added per call by the gateway (difference of medians): {Median(gatewayUnary) - Median(directUnary):F3} ms
            Stream throughput ratio of each pair (gateway, then direct): median {Median(pairs):F2}, quartiles {Percentile(pairs, 0.25):F2}–{Percentile(pairs, 0.75):F2}, range {pairs.Min():F2}–{pairs.Max():F2}
            """));
    }

    static ConfigRequest Get(string session) => new()
    {
        SessionId = session,
        UserContext = new UserContext { UserId = "bench" },
        Operation = new ConfigRequest.Types.Operation { Get = new ConfigRequest.Types.Get { Keys = { "spark.app.name" } } },
    };

    static async Task<double> TimeAsync(Func<Task> call)
    {
        var start = Stopwatch.GetTimestamp();
        await call();
        return Stopwatch.GetElapsedTime(start).TotalMilliseconds;
    }

    /// <summary>Milliseconds to receive a whole stream of <paramref name="messages"/> chunks.</summary>
    static async Task<double> StreamAsync(SparkConnectService.SparkConnectServiceClient client, Metadata headers, string session, int messages, int bytes)
    {
        var request = new ExecutePlanRequest
        {
            SessionId = session,
            UserContext = new UserContext { UserId = "bench" },
            Plan = new Plan { Root = new Relation { Extension = Any.Pack(new SparkPortal.Sandbox.Stream { Count = messages, PayloadBytes = bytes }) } },
            RequestOptions = { new ExecutePlanRequest.Types.RequestOption { ReattachOptions = new ReattachOptions { Reattachable = true } } },
        };
        var start = Stopwatch.GetTimestamp();
        using var call = client.ExecutePlan(request, headers);
        var received = 0;
        await foreach (var response in call.ResponseStream.ReadAllAsync())
            received += response.Extension is null ? 0 : 1;
        var elapsed = Stopwatch.GetElapsedTime(start).TotalMilliseconds;
        if (received != messages)
            throw new InvalidOperationException($"Received {received} of {messages} messages.");
        return elapsed;
    }

    /// <summary>CPU milliseconds (user and system) the portal's process and this one spent in the measured calls.</summary>
    sealed class CpuTime
    {
        public double Portal { get; private set; }

        public double Client { get; private set; }

        public async Task<double> MeasureAsync(Process? portal, Func<Task<double>> call)
        {
            using var self = Process.GetCurrentProcess();
            portal?.Refresh();
            var (portalStart, clientStart) = (portal?.TotalProcessorTime ?? TimeSpan.Zero, self.TotalProcessorTime);
            var result = await call();
            portal?.Refresh();
            self.Refresh();
            Portal += ((portal?.TotalProcessorTime ?? TimeSpan.Zero) - portalStart).TotalMilliseconds;
            Client += (self.TotalProcessorTime - clientStart).TotalMilliseconds;
            return result;
        }
    }

    static double Median(List<double> values) => Percentile(values, 0.5);

    static double Percentile(List<double> values, double p)
    {
        var sorted = values.Order().ToList();
        return sorted[(int)Math.Min(sorted.Count - 1, Math.Floor(p * sorted.Count))];
    }

    static string LoadAverage() => File.Exists("/proc/loadavg") ? string.Join(' ', File.ReadAllText("/proc/loadavg").Split(' ').Take(3)) : "unknown";

    static int Option(string[] args, string name, int fallback)
    {
        var at = Array.IndexOf(args, name);
        return at >= 0 && at + 1 < args.Length ? int.Parse(args[at + 1], CultureInfo.InvariantCulture) : fallback;
    }

    /// <summary>The portal as <c>dotnet run --no-build</c> starts it, on a throwaway PostgreSQL and its embedded sandbox.</summary>
    sealed partial class Portal : IAsyncDisposable
    {
        readonly PostgresServer _postgres;
        readonly DirectoryInfo _data;
        readonly Process _process;

        Portal(PostgresServer postgres, DirectoryInfo data, Process process, Uri http, Uri gateway)
        {
            (_postgres, _data, _process, Http, Gateway) = (postgres, data, process, http, gateway);
        }

        public Uri Http { get; }

        public Uri Gateway { get; }

        /// <summary>
        /// The portal's own process: the child of <c>dotnet run</c> (Linux's /proc names it); null where that can't be read,
        /// and the portal's CPU columns then read 0.
        /// </summary>
        public Process? AppProcess()
        {
            var children = $"/proc/{_process.Id}/task/{_process.Id}/children";
            return File.Exists(children) && File.ReadAllText(children).Split(' ', StringSplitOptions.RemoveEmptyEntries) is [var child, ..]
                ? Process.GetProcessById(int.Parse(child, CultureInfo.InvariantCulture))
                : null;
        }

        public string SandboxKubeconfig => Path.Combine(_data.FullName, "sandbox.kubeconfig");

        string ConnectionString { get; init; } = "";

        public static async Task<Portal> StartAsync()
        {
            var postgres = new PostgresServer();
            await postgres.InitializeAsync();
            var connectionString = await postgres.CreateDatabaseAsync();
            var data = Directory.CreateTempSubdirectory("portal-gateway-bench-");
            var start = Start(connectionString, data.FullName, "--urls", "http://127.0.0.1:0", "--Gateway:PlaintextUrl", "http://127.0.0.1:0");
            var listening = new List<Uri>();
            var ready = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
            var process = Process.Start(start)!;
            process.OutputDataReceived += (_, line) =>
            {
                if (line.Data is { } text && Listening().Match(text) is { Success: true } match)
                    lock (listening)
                    {
                        listening.Add(new Uri(match.Groups["url"].Value));
                        if (listening.Count == 2)
                            ready.TrySetResult();
                    }
            };
            process.ErrorDataReceived += (_, _) => { };
            process.BeginOutputReadLine();
            process.BeginErrorReadLine();
            await ready.Task.WaitAsync(TimeSpan.FromMinutes(4));
            // Kestrel names its endpoints in configuration order: the portal's urls first, then the gateway's.
            return new Portal(postgres, data, process, listening[0], listening[1]) { ConnectionString = connectionString };
        }

        public async Task<string> TokenAsync()
        {
            var start = Start(ConnectionString, _data.FullName, "token", "create", "--user", "admin");
            using var command = Process.Start(start)!;
            var output = await command.StandardOutput.ReadToEndAsync();
            await command.WaitForExitAsync();
            return output.Trim();
        }

        public Task RunningAsync(HttpClient api, string name) =>
            Eventually.HoldsAsync(
                async () => (await api.GetStringAsync($"api/v1/tenants/default/clusters/{name}")).Contains("\"phase\":\"Running\"", StringComparison.Ordinal),
                $"cluster {name} Running", TimeSpan.FromMinutes(3), TimeSpan.FromMilliseconds(250));

        static ProcessStartInfo Start(string connectionString, string data, params string[] arguments)
        {
            var start = new ProcessStartInfo("dotnet")
            {
                RedirectStandardOutput = true,
                RedirectStandardError = true,
                Environment =
                {
                    ["ASPNETCORE_ENVIRONMENT"] = "Production",
                    ["ConnectionStrings__Portal"] = connectionString,
                    ["Portal__DataDirectory"] = data,
                    ["Portal__Bootstrap__AdminPassword"] = "bench-Admin-password-1",
                    ["Logging__LogLevel__Default"] = "Warning",
                    ["Logging__LogLevel__Microsoft.Hosting.Lifetime"] = "Information",
                },
            };
            foreach (var argument in (string[])["run", "--no-build", "--no-launch-profile", "-c", Configuration, "--project", Path.Combine(Root(), "src", "Portal.Web"), "--", .. arguments])
                start.ArgumentList.Add(argument);
            return start;
        }

        static string Root()
        {
            for (var directory = new DirectoryInfo(AppContext.BaseDirectory); directory is not null; directory = directory.Parent)
                if (File.Exists(Path.Combine(directory.FullName, "Portal.sln")))
                    return directory.FullName;
            throw new InvalidOperationException("Portal.sln not found above the benchmark's directory.");
        }

#if DEBUG
        const string Configuration = "Debug";
#else
        const string Configuration = "Release";
#endif

        [GeneratedRegex(@"Now listening on: (?<url>http://127\.0\.0\.1:\d+)")]
        private static partial Regex Listening();

        public async ValueTask DisposeAsync()
        {
            _process.Kill(entireProcessTree: true);
            await _process.WaitForExitAsync();
            _process.Dispose();
            await _postgres.DisposeAsync();
            _data.Delete(recursive: true);
        }
    }
}
