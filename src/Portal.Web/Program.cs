using Portal.Web.Features.Clusters;
using Portal.Web.Features.Commands;
using Portal.Web.Features.Gateway;
using Portal.Web.Features.Health;
using Portal.Web.Features.Kubernetes;
using Portal.Web.Features.OpenApi;
using Portal.Web.Features.Operations;
using Portal.Web.Features.Problems;
using Portal.Web.Features.Shell;
using Portal.Web.Features.Storage;
using Portal.Web.Features.Telemetry;
using Portal.Web.Features.Tenants;
using Portal.Web.Features.Usage;

var builder = WebApplication.CreateBuilder(args);
// Commands print their results alone on stdout (`token create`'s token, `user create`'s password, `check`'s
// report): logs go to stderr.
if (PortalCommands.IsCommand(args))
    builder.Logging.AddConsole(console => console.LogToStandardErrorThreshold = LogLevel.Trace);

// Static web assets (MudBlazor's, the framework's, the linked wwwroot/) from a build's manifest in every
// environment, not only in Development; a publish output has them in wwwroot/ instead, where this does nothing.
builder.WebHost.UseStaticWebAssets();
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
builder.Services.AddStorage();
builder.Services.AddUsage();
builder.Services.AddShell();
builder.AddGateway();
builder.AddPortalTelemetry();

var app = builder.Build();

try
{
    // `migrate`, `token create`, `user create` … run and exit instead of serving; an unknown command is refused
    // (PortalCommands lists them all).
    if (await app.TryRunCommandAsync(args) is { } exitCode)
        return exitCode;

    app.UseSecurityHeaders();
    app.UseGateway();
    app.UsePortalProblemDetails();
    app.UseRequestBodyLimit();
    app.UsePortalAuthentication();
    app.UseAntiforgery();

    app.MapHealth();
    app.MapPortalTelemetry();
    app.MapPortalOpenApi();
    app.MapPortalIdentity();
    app.MapApi();
    app.MapGateway();
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
