using MudBlazor.Services;
using Portal.Web.Features.Admin;
using Portal.Web.Features.Clusters;

namespace Portal.Web.Features.Shell;

/// <summary>The Blazor Web App (interactive server) with MudBlazor, and the static web root it links.</summary>
internal static class ShellExtensions
{
    public static IServiceCollection AddShell(this IServiceCollection services)
    {
        services.AddRazorComponents().AddInteractiveServerComponents();
        // Bottom-left, away from the actions pages keep at their top right (the cluster page's Scale, Extend and
        // Delete); Material's place for snackbars on a wide screen.
        services.AddMudServices(mud => mud.SnackbarConfiguration.PositionClass = Defaults.Classes.Position.BottomLeft);
        services.AddScoped<CurrentTenant>();
        services.AddScoped<Portal.Core.Identity.UserPreferences>();
        services.AddScoped<ClusterInsight>();
        services.AddScoped<AuditLogQuery>();
        services.AddSingleton<AccountsInScope>();
        services.AddScoped<MembershipService>();

        // One change loop per process, shared by every circuit; see ClusterChanges for why it polls the database.
        services.AddValidatedOptions<ClusterChangesOptions>(ClusterChangesOptions.Section);
        services.AddSingleton<ClusterChanges>();
        services.AddHostedService(sp => sp.GetRequiredService<ClusterChanges>());

        return services;
    }

    public static WebApplication MapShell(this WebApplication app)
    {
        // Serves the top-level wwwroot/ (linked into this project's static web assets, see Portal.Web.csproj),
        // MudBlazor's and the framework's assets, fingerprinted and precompressed.
        app.MapStaticAssets();
        // Every page needs a signed-in user; the sign-in page itself is a separate endpoint (Features/Identity).
        app.MapRazorComponents<App>().AddInteractiveServerRenderMode().RequireAuthorization();
        return app;
    }
}
