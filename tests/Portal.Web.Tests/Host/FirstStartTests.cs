using System.Collections.Concurrent;
using Microsoft.AspNetCore.Hosting;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;

namespace Portal.Web.Tests.Host;

/// <summary>A healthy first start on an empty database says nothing an operator would read as a failure.</summary>
public sealed class FirstStartTests(FirstStartTests.App app) : IClassFixture<FirstStartTests.App>
{
    [Fact]
    public void A_first_start_on_an_empty_database_logs_no_errors()
    {
        _ = app.Services; // starts the host: migrates and seeds the empty database

        Assert.Empty(app.Errors);
    }

    /// <summary>The portal on a fresh, empty PostgreSQL database, keeping every Error-level log entry.</summary>
    public sealed class App(Portal.Testing.PostgresServer postgres) : PortalApp(postgres)
    {
        public ConcurrentQueue<string> Errors { get; } = new();

        protected override void ConfigureWebHost(IWebHostBuilder builder)
        {
            base.ConfigureWebHost(builder);
            // Test-only: keep what an operator would see at Error and above.
            builder.ConfigureLogging(logging => logging.Services.AddSingleton<ILoggerProvider>(new ErrorCollector(Errors)));
        }
    }

    private sealed class ErrorCollector(ConcurrentQueue<string> errors) : ILoggerProvider, ILogger
    {
        public ILogger CreateLogger(string categoryName) => new Named(this, categoryName);

        public IDisposable? BeginScope<TState>(TState state) where TState : notnull => null;

        public bool IsEnabled(LogLevel logLevel) => logLevel >= LogLevel.Error;

        public void Log<TState>(LogLevel logLevel, EventId eventId, TState state, Exception? exception, Func<TState, Exception?, string> formatter) { }

        public void Dispose() { }

        private sealed class Named(ErrorCollector owner, string category) : ILogger
        {
            public IDisposable? BeginScope<TState>(TState state) where TState : notnull => null;

            public bool IsEnabled(LogLevel logLevel) => logLevel >= LogLevel.Error;

            public void Log<TState>(LogLevel logLevel, EventId eventId, TState state, Exception? exception, Func<TState, Exception?, string> formatter)
            {
                if (IsEnabled(logLevel))
                    owner.Add($"{category}: {formatter(state, exception)}");
            }
        }

        private void Add(string line) => errors.Enqueue(line);
    }
}
