using System.Diagnostics;
using System.Net;
using System.Net.Sockets;
using System.Text;
using Portal.Testing;

namespace Portal.Web.Tests.Operations;

/// <summary>
/// The portal's binary run as an operator runs it: <c>Portal.Web.dll check</c> with the configuration in environment
/// variables, against real PostgreSQL, a stand-in OIDC provider, and the RBAC-enforcing sandbox.
/// </summary>
public sealed class CheckCommandTests(PostgresServer postgres) : IAsyncLifetime
{
    private const string ClientSecret = "right-secret";
    private readonly DirectoryInfo _directory = Directory.CreateTempSubdirectory("portal-check-");
    private FakeOidcProvider? _oidc;

    public async ValueTask InitializeAsync() => _oidc = await Task.Run(FakeOidcProvider.Start);

    public ValueTask DisposeAsync()
    {
        _oidc?.Dispose();
        _directory.Delete(recursive: true);
        return ValueTask.CompletedTask;
    }

    [Fact]
    public async Task A_healthy_configuration_passes_with_exit_code_0()
    {
        var settings = await HealthyAsync();
        Assert.Equal(0, (await RunAsync(settings, "migrate")).Exit);

        var (exit, output) = await RunAsync(settings, "check");

        Assert.True(exit == 0, output);
    }

    [Fact]
    public async Task A_broken_configuration_reports_every_problem_and_exits_1()
    {
        var settings = await HealthyAsync();
        settings["ConnectionStrings__Portal"] = "Host=127.0.0.1;Port=1;Database=portal;Username=portal;Password=portal;Timeout=3";
        settings["Authentication__OpenIdConnect__ClientSecret"] = "wrong-secret";
        settings["Kubernetes__Kubeconfig"] = await KubeconfigAsync("system:serviceaccount:spark-portal:nobody");

        var (exit, output) = await RunAsync(settings, "check");

        Assert.Multiple(
            () => Assert.Equal(1, exit),
            () => Assert.Contains("PROBLEM  database: PostgreSQL is unreachable", output, StringComparison.Ordinal),
            () => Assert.Contains("PROBLEM  oidc: the provider refused client 'spark-portal' (invalid_client)", output, StringComparison.Ordinal),
            () => Assert.Contains("PROBLEM  kubernetes: not allowed to patch apps/deployments (cluster-wide)", output, StringComparison.Ordinal),
            () => Assert.Contains("PROBLEM  kubernetes: not allowed to update coordination.k8s.io/leases in namespace spark-portal", output, StringComparison.Ordinal));
    }

    [Fact]
    public async Task Pending_migrations_are_a_problem()
    {
        var settings = await HealthyAsync();

        var (exit, output) = await RunAsync(settings, "check");

        Assert.Equal(1, exit);
        Assert.Contains("PROBLEM  database: ", output, StringComparison.Ordinal);
        Assert.Contains("pending", output, StringComparison.Ordinal);
    }

    private async Task<Dictionary<string, string>> HealthyAsync() => new()
    {
        ["ConnectionStrings__Portal"] = await postgres.CreateDatabaseAsync(),
        ["Portal__DataDirectory"] = _directory.FullName,
        ["Kubernetes__Kubeconfig"] = await KubeconfigAsync(RbacSandboxServer.ServiceAccount),
        ["Authentication__OpenIdConnect__Authority"] = _oidc!.Authority,
        ["Authentication__OpenIdConnect__RequireHttpsMetadata"] = "false",
        ["Authentication__OpenIdConnect__ClientId"] = "spark-portal",
        ["Authentication__OpenIdConnect__ClientSecret"] = ClientSecret,
    };

    private async Task<string> KubeconfigAsync(string token)
    {
        var path = Path.Combine(_directory.FullName, $"kubeconfig-{Guid.NewGuid():N}");
        await File.WriteAllTextAsync(path, $"""
            apiVersion: v1
            kind: Config
            clusters:
            - name: c
              cluster:
                server: {RbacSandboxServer.Sandbox.BaseAddress}
            users:
            - name: u
              user:
                token: {token}
            contexts:
            - name: c
              context: {"{"}cluster: c, user: u{"}"}
            current-context: c
            """);
        return path;
    }

    /// <summary>Runs the portal's published entry point with exactly <paramref name="settings"/> as its configuration.</summary>
    private static async Task<(int Exit, string Output)> RunAsync(Dictionary<string, string> settings, params string[] args)
    {
        var start = new ProcessStartInfo("dotnet", [Path.Combine(AppContext.BaseDirectory, "Portal.Web.dll"), .. args])
        {
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            WorkingDirectory = AppContext.BaseDirectory,
        };
        foreach (var key in start.Environment.Keys.Where(k => k.StartsWith("ASPNETCORE_", StringComparison.Ordinal) || k.StartsWith("KUBECONFIG", StringComparison.Ordinal)).ToList())
            start.Environment.Remove(key);
        foreach (var (key, value) in settings)
            start.Environment[key] = value;
        using var process = Process.Start(start)!;
        var output = process.StandardOutput.ReadToEndAsync();
        var errors = process.StandardError.ReadToEndAsync();
        // Generous: a cold start of the portal on a loaded machine.
        using var ceiling = new CancellationTokenSource(TimeSpan.FromMinutes(3));
        await process.WaitForExitAsync(ceiling.Token);
        return (process.ExitCode, await output + await errors);
    }

    /// <summary>
    /// An OIDC provider's two doors the check knocks on: discovery, and a token endpoint that answers the client
    /// credentials grant as OAuth 2.0 does (invalid_client for a wrong secret, unauthorized_client for a right one
    /// whose client may not use that grant).
    /// </summary>
    private sealed class FakeOidcProvider : IDisposable
    {
        private readonly HttpListener _listener = new();

        private FakeOidcProvider(int port)
        {
            Authority = $"http://127.0.0.1:{port}/realms/spark";
            _listener.Prefixes.Add($"http://127.0.0.1:{port}/");
            _listener.Start();
            _ = Task.Run(ServeAsync);
        }

        public string Authority { get; }

        public static FakeOidcProvider Start()
        {
            using var probe = new TcpListener(IPAddress.Loopback, 0);
            probe.Start();
            var port = ((IPEndPoint)probe.LocalEndpoint).Port;
            probe.Stop();
            return new FakeOidcProvider(port);
        }

        private async Task ServeAsync()
        {
            while (_listener.IsListening)
            {
                HttpListenerContext context;
                try
                {
                    context = await _listener.GetContextAsync();
                }
                catch (Exception ex) when (ex is HttpListenerException or ObjectDisposedException)
                {
                    return;
                }

                var path = context.Request.Url!.AbsolutePath;
                string body;
                if (path.EndsWith("/.well-known/openid-configuration", StringComparison.Ordinal))
                {
                    body = $$"""{"issuer":"{{Authority}}","token_endpoint":"{{Authority}}/token","authorization_endpoint":"{{Authority}}/auth"}""";
                }
                else
                {
                    var basic = context.Request.Headers["Authorization"] ?? "";
                    var credentials = basic.StartsWith("Basic ", StringComparison.Ordinal) ? Encoding.UTF8.GetString(Convert.FromBase64String(basic[6..])) : "";
                    context.Response.StatusCode = credentials == $"spark-portal:{ClientSecret}" ? 400 : 401;
                    body = context.Response.StatusCode == 400 ? """{"error":"unauthorized_client"}""" : """{"error":"invalid_client"}""";
                }

                context.Response.ContentType = "application/json";
                var bytes = Encoding.UTF8.GetBytes(body);
                await context.Response.OutputStream.WriteAsync(bytes);
                context.Response.Close();
            }
        }

        public void Dispose() => _listener.Close();
    }
}
