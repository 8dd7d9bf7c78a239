using Portal.Web.Data;
using Portal.Web.Features.Api;
using Portal.Web.Features.Callers;
using Portal.Web.Features.Clusters;
using Portal.Web.Features.Health;
using Portal.Web.Features.Kubernetes;
using Portal.Web.Features.OpenApi;
using Portal.Web.Features.Problems;
using Portal.Web.Features.Shell;
using Portal.Web.Features.Tenants;

var builder = WebApplication.CreateBuilder(args);

builder.AddPortalData();
builder.Services.AddPortalProblemDetails();
// After AddPortalData: the development caller's membership is added once the database is migrated and seeded.
builder.Services.AddCaller();
builder.Services.AddHealth().AddPortalDataHealthChecks();
await builder.AddPortalKubernetesAsync();
builder.Services.AddPortalOpenApi();
builder.Services.AddApi();
builder.Services.AddTenants();
builder.Services.AddClusters();
builder.Services.AddShell();

var app = builder.Build();

// `dotnet run --project src/Portal.Web -- migrate` migrates and exits instead of serving.
if (await app.TryRunDataCommandAsync(args))
    return;

app.UsePortalProblemDetails();
app.UseRequestBodyLimit();
app.UseAntiforgery();

app.MapHealth();
app.MapPortalOpenApi();
app.MapApi();
app.MapShell();

await app.RunAsync();

/// <summary>Entry point; public so WebApplicationFactory&lt;Program&gt; can host the portal in tests.</summary>
public partial class Program;
