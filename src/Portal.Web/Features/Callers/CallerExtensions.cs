using Portal.Core.Tenants;

namespace Portal.Web.Features.Callers;

/// <summary>
/// The one seam that says who is calling. Until sign-in exists every request, API call and Blazor circuit runs as
/// <see cref="DevelopmentUser"/>; the identity feature replaces <see cref="AddCaller"/> with a registration that
/// builds the <see cref="Caller"/> from the authenticated principal, and nothing else has to change because every
/// service is already scoped by the caller's tenant memberships.
/// </summary>
internal static class CallerExtensions
{
    /// <summary>Subject of the development user; a member (admin) of the default tenant.</summary>
    public const string DevelopmentSubject = "dev-user";

    /// <summary>Runs every request until identity lands: a platform admin, so tenants can be created too.</summary>
    public static readonly Caller DevelopmentUser = new(DevelopmentSubject, IsPlatformAdmin: true);

    public static IServiceCollection AddCaller(this IServiceCollection services)
    {
        // Scoped, not singleton: the real resolver will read the request's (or circuit's) user.
        services.AddScoped(_ => DevelopmentUser);
        services.AddHostedService<DevelopmentMembership>();
        return services;
    }
}
