using Portal.Web.Features.Callers;
using Portal.Web.Features.Health;
using Portal.Web.Features.OpenApi;
using Portal.Web.Features.Problems;
using Portal.Web.Features.Shell;

var builder = WebApplication.CreateBuilder(args);

builder.Services.AddPortalProblemDetails();
builder.Services.AddCaller();
builder.Services.AddHealth();
builder.Services.AddPortalOpenApi();
builder.Services.AddShell();

var app = builder.Build();

app.UsePortalProblemDetails();
app.UseAntiforgery();

app.MapHealth();
app.MapPortalOpenApi();
app.MapShell();

app.Run();

/// <summary>Entry point; public so WebApplicationFactory&lt;Program&gt; can host the portal in tests.</summary>
public partial class Program;
