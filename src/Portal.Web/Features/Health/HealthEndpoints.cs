using Microsoft.AspNetCore.Diagnostics.HealthChecks;
using Microsoft.Extensions.Diagnostics.HealthChecks;

namespace Portal.Web.Features.Health;

/// <summary>
/// /healthz answers whether the process serves requests at all (liveness: no dependencies, so a database outage
/// doesn't get every replica restarted); /readyz runs the checks tagged <see cref="PortalDataExtensions.ReadyTag"/> (readiness:
/// database reachable, migrations applied), registered by the features that own those dependencies
/// (<see cref="PortalDataExtensions.AddPortalDataHealthChecks"/>).
/// </summary>
internal static class HealthEndpoints
{
    /// <summary>Registers health checks; features add theirs to the returned builder, tagged "ready" for /readyz.</summary>
    public static IHealthChecksBuilder AddHealth(this IServiceCollection services) => services.AddHealthChecks();

    public static IEndpointRouteBuilder MapHealth(this IEndpointRouteBuilder app)
    {
        app.MapHealthChecks("/healthz", new HealthCheckOptions { Predicate = _ => false })
            .ExcludeFromDescription();
        app.MapHealthChecks("/readyz", new HealthCheckOptions
        {
            Predicate = check => check.Tags.Contains(PortalDataExtensions.ReadyTag),
            ResponseWriter = WriteReadinessAsync,
        }).ExcludeFromDescription();
        return app;
    }

    /// <summary>
    /// The overall status and each check's status, description and data (e.g. the Kubernetes mode: sandbox or a real
    /// cluster) as JSON, or a 503 problem listing each failing check and why.
    /// </summary>
    private static async Task WriteReadinessAsync(HttpContext context, HealthReport report)
    {
        if (report.Status != HealthStatus.Unhealthy)
        {
            await context.Response.WriteAsJsonAsync(new
            {
                Status = report.Status.ToString(),
                Checks = report.Entries.ToDictionary(e => e.Key, e => new
                {
                    Status = e.Value.Status.ToString(),
                    e.Value.Description,
                    // Checks put only what an operator may see here (mode, leadership, versions); never connection strings.
                    e.Value.Data,
                }),
            });
            return;
        }

        var problems = context.RequestServices.GetRequiredService<IProblemDetailsService>();
        await problems.WriteAsync(new ProblemDetailsContext
        {
            HttpContext = context,
            ProblemDetails =
            {
                Status = StatusCodes.Status503ServiceUnavailable,
                Title = "The portal is not ready.",
                Extensions =
                {
                    // Descriptions only: exception messages could carry connection details.
                    ["checks"] = report.Entries
                        .Where(e => e.Value.Status == HealthStatus.Unhealthy)
                        .ToDictionary(e => e.Key, e => e.Value.Description ?? e.Value.Status.ToString()),
                },
            },
        });
    }
}
