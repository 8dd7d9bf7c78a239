using Microsoft.AspNetCore.DataProtection;
using Microsoft.AspNetCore.DataProtection.KeyManagement;
using Microsoft.AspNetCore.DataProtection.Repositories;
using Microsoft.Extensions.Options;
using MudBlazor.Services;
using Portal.Core;
using Portal.Core.Tenants;
using Portal.Web.Features.Admin;
using Portal.Web.Features.Clusters;

namespace Portal.Web.Features.Shell;

/// <summary>The Blazor Web App (interactive server) with MudBlazor, and the static web root it links.</summary>
internal static class ShellExtensions
{
    /// <summary>Directory under Portal:DataDirectory holding the data protection key ring.</summary>
    public const string KeysDirectory = "keys";

    public static IServiceCollection AddShell(this IServiceCollection services)
    {
        services.AddRazorComponents().AddInteractiveServerComponents();
        services.AddMudServices();
        services.AddScoped<CurrentTenant>();
        services.AddScoped<ClusterInsight>();
        services.AddScoped<AuditLogQuery>();
        services.AddScoped<MembershipService>();

        // One change loop per process, shared by every circuit; see ClusterChanges for why it polls the database.
        services.AddOptions<ClusterChangesOptions>().BindConfiguration(ClusterChangesOptions.Section)
            .ValidateDataAnnotations().ValidateOnStart();
        services.AddSingleton<ClusterChanges>();
        services.AddHostedService(sp => sp.GetRequiredService<ClusterChanges>());

        // Circuits, antiforgery tokens and sign-in cookies are protected with these keys. They live in the data
        // directory with everything else the portal writes, not in ~/.aspnet. REVIEW: replicas behind one
        // address need one shared key ring (a mounted secret or the database) instead of each its own directory.
        services.AddDataProtection().SetApplicationName("spark-portal");
        services.AddOptions<KeyManagementOptions>()
            .Configure<IOptions<PortalOptions>, ILoggerFactory>((keys, portal, loggers) =>
                keys.XmlRepository = new FileSystemXmlRepository(
                    new DirectoryInfo(Path.Combine(Path.GetFullPath(portal.Value.DataDirectory), KeysDirectory)), loggers));
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
