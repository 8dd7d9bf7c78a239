using Portal.Core.Data;
using Portal.Web.Data;
using Portal.Web.Features.Api;
using Portal.Web.Features.Clusters;
using Portal.Web.Features.Health;
using Portal.Web.Features.Identity;
using Portal.Web.Features.Kubernetes;
using Portal.Web.Features.OpenApi;
using Portal.Web.Features.Problems;
using Portal.Web.Features.Shell;
using Portal.Web.Features.Tenants;
using Portal.Web.Features.Usage;

var builder = WebApplication.CreateBuilder(args);
// `token create` prints the token alone on stdout, so its logs go to stderr.
if (args is ["token", ..])
    builder.Logging.AddConsole(console => console.LogToStandardErrorThreshold = LogLevel.Trace);

builder.AddPortalData();
builder.Services.AddPortalProblemDetails();
// After AddPortalData: the first administrator is created once the database is migrated and seeded.
builder.AddPortalAuthentication();
builder.Services.AddHealth().AddPortalDataHealthChecks();
builder.AddPortalKubernetes();
builder.Services.AddPortalOpenApi();
builder.Services.AddApi();
builder.Services.AddTenants();
builder.Services.AddClusters();
builder.Services.AddUsage();
builder.Services.AddShell();

var app = builder.Build();

try
{
    // `dotnet run --project src/Portal.Web -- migrate` migrates and exits instead of serving.
    if (await app.TryRunDataCommandAsync(args))
        return 0;
    // `dotnet run --project src/Portal.Web -- token create --user admin` prints a personal access token and exits.
    if (await app.TryRunTokenCommandAsync(args) is { } exitCode)
        return exitCode;

    app.UseSecurityHeaders();
    app.UsePortalProblemDetails();
    app.UseRequestBodyLimit();
    app.UsePortalAuthentication();
    app.UseAntiforgery();

    app.MapHealth();
    app.MapPortalOpenApi();
    app.MapPortalIdentity();
    app.MapApi();
    app.MapShell();

    await app.RunAsync();
    return 0;
}
catch (UnknownSchemaException refused)
{
    // An operator's problem with a plain answer (which database, what to do): say it, without a stack trace.
    await Console.Error.WriteLineAsync($"Spark Portal did not start: {refused.Message}");
    return 1;
}

/// <summary>Entry point; public so WebApplicationFactory&lt;Program&gt; can host the portal in tests.</summary>
public partial class Program;
