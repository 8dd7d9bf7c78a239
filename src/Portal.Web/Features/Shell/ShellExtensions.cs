using MudBlazor.Services;

namespace Portal.Web.Features.Shell;

/// <summary>The Blazor Web App (interactive server) with MudBlazor, and the static web root it links.</summary>
internal static class ShellExtensions
{
    public static IServiceCollection AddShell(this IServiceCollection services)
    {
        services.AddRazorComponents().AddInteractiveServerComponents();
        services.AddMudServices();
        return services;
    }

    public static WebApplication MapShell(this WebApplication app)
    {
        // Serves the top-level wwwroot/ (linked into this project's static web assets, see Portal.Web.csproj),
        // MudBlazor's and the framework's assets, fingerprinted and precompressed.
        app.MapStaticAssets();
        app.MapRazorComponents<App>().AddInteractiveServerRenderMode();
        return app;
    }
}
