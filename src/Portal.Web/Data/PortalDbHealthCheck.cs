using Microsoft.Extensions.Diagnostics.HealthChecks;

namespace Portal.Web.Data;

/// <summary>Ready when the database answers and its schema is the one this build expects.</summary>
internal sealed class PortalDbHealthCheck(IDbContextFactory<PortalDb> contexts) : IHealthCheck
{
    public async Task<HealthCheckResult> CheckHealthAsync(HealthCheckContext context, CancellationToken cancellationToken = default)
    {
        await using var db = await contexts.CreateDbContextAsync(cancellationToken);
        if (!await db.Database.CanConnectAsync(cancellationToken))
        {
            return HealthCheckResult.Unhealthy("The database does not answer.");
        }

        var pending = (await db.Database.GetPendingMigrationsAsync(cancellationToken)).Count();
        return pending == 0
            ? HealthCheckResult.Healthy()
            : HealthCheckResult.Unhealthy($"{pending} migrations are pending; run the migrate command.");
    }
}
