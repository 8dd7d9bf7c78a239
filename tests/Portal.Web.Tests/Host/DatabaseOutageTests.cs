using System.Net;
using System.Net.Sockets;
using Microsoft.AspNetCore.Hosting;
using Npgsql;

namespace Portal.Web.Tests.Host;

/// <summary>
/// The portal's PostgreSQL database becomes unreachable while the portal runs (every connection dropped, new ones
/// refused), then comes back: the API answers 503 problems with Retry-After meanwhile, and works again afterwards.
/// </summary>
public sealed class DatabaseOutageTests(DatabaseOutageTests.App app) : IClassFixture<DatabaseOutageTests.App>
{
    private static CancellationToken Ct => TestContext.Current.CancellationToken;

    [Fact]
    public async Task While_the_database_is_unreachable_the_API_answers_503_problems_with_Retry_After()
    {
        using var client = app.CreateClient();
        await app.Database.CutAsync();
        try
        {
            using var response = await client.GetAsync("/api/v1/tenants", Ct);

            Assert.Equal(
                (HttpStatusCode.ServiceUnavailable, true, "application/problem+json"),
                (response.StatusCode, response.Headers.RetryAfter?.Delta > TimeSpan.Zero, response.Content.Headers.ContentType?.MediaType));
        }
        finally
        {
            app.Database.Restore();
        }
    }

    [Fact]
    public async Task Once_the_database_is_back_the_API_answers_again()
    {
        using var client = app.CreateClient();
        await app.Database.CutAsync();
        (await client.GetAsync("/api/v1/tenants", Ct)).Dispose();
        app.Database.Restore();

        // Connections the pool held across the outage fail once each on first use, so the first answers may still be 503.
        var status = HttpStatusCode.ServiceUnavailable;
        for (var deadline = DateTime.UtcNow.AddSeconds(60); status == HttpStatusCode.ServiceUnavailable && DateTime.UtcNow < deadline;)
        {
            using var response = await client.GetAsync("/api/v1/tenants", Ct);
            status = response.StatusCode;
        }

        Assert.Equal(HttpStatusCode.OK, status);
    }

    /// <summary>The portal reaching its database through <see cref="Database"/>, a cuttable TCP forwarder.</summary>
    public sealed class App(Portal.Testing.PostgresServer postgres) : PortalApp(postgres)
    {
        public TcpForwarder Database { get; private set; } = null!;

        protected override void ConfigureWebHost(IWebHostBuilder builder)
        {
            base.ConfigureWebHost(builder);
            var direct = new NpgsqlConnectionStringBuilder(ConnectionString);
            Database = new TcpForwarder(new IPEndPoint(IPAddress.Loopback, direct.Port));
            // Test-only: the portal's connections go through the forwarder, which the tests cut and restore.
            // A short connect timeout keeps requests made during the outage quick.
            var proxied = new NpgsqlConnectionStringBuilder(ConnectionString) { Host = "127.0.0.1", Port = Database.Port, Timeout = 3 };
            builder.UseSetting("ConnectionStrings:Portal", proxied.ConnectionString);
        }

        public override async ValueTask DisposeAsync()
        {
            await base.DisposeAsync();
            Database?.Dispose();
        }
    }

    /// <summary>
    /// Forwards loopback TCP connections to <paramref name="target"/>. <see cref="CutAsync"/> drops every connection and
    /// refuses new ones, as a database host that went away does; <see cref="Restore"/> accepts connections again.
    /// </summary>
    public sealed class TcpForwarder : IDisposable
    {
        private readonly IPEndPoint _target;
        private readonly List<TcpClient> _open = [];
        private TcpListener _listener;
        private CancellationTokenSource _running = new();

        public TcpForwarder(IPEndPoint target)
        {
            _target = target;
            _listener = new TcpListener(IPAddress.Loopback, 0);
            _listener.Start();
            Port = ((IPEndPoint)_listener.LocalEndpoint).Port;
            _ = AcceptAsync(_listener, _running.Token);
        }

        public int Port { get; }

        public Task CutAsync()
        {
            _running.Cancel();
            _listener.Stop();
            lock (_open)
            {
                foreach (var client in _open)
                    client.Dispose();
                _open.Clear();
            }

            return Task.CompletedTask;
        }

        public void Restore()
        {
            _running = new CancellationTokenSource();
            _listener = new TcpListener(IPAddress.Loopback, Port);
            _listener.Server.SetSocketOption(SocketOptionLevel.Socket, SocketOptionName.ReuseAddress, true);
            _listener.Start();
            _ = AcceptAsync(_listener, _running.Token);
        }

        private async Task AcceptAsync(TcpListener listener, CancellationToken stop)
        {
            while (!stop.IsCancellationRequested)
            {
                TcpClient inbound;
                try
                {
                    inbound = await listener.AcceptTcpClientAsync(stop);
                }
                catch (Exception e) when (e is OperationCanceledException or SocketException or ObjectDisposedException)
                {
                    return;
                }

                _ = ForwardAsync(inbound, stop);
            }
        }

        private async Task ForwardAsync(TcpClient inbound, CancellationToken stop)
        {
            var outbound = new TcpClient();
            lock (_open)
            {
                _open.Add(inbound);
                _open.Add(outbound);
            }

            try
            {
                await outbound.ConnectAsync(_target, stop);
                var up = inbound.GetStream().CopyToAsync(outbound.GetStream(), stop);
                var down = outbound.GetStream().CopyToAsync(inbound.GetStream(), stop);
                await Task.WhenAny(up, down);
            }
            catch (Exception e) when (e is OperationCanceledException or IOException or SocketException or ObjectDisposedException)
            {
            }
            finally
            {
                inbound.Dispose();
                outbound.Dispose();
            }
        }

        public void Dispose()
        {
            _running.Cancel();
            _listener.Stop();
            lock (_open)
            {
                foreach (var client in _open)
                    client.Dispose();
            }
        }
    }
}
