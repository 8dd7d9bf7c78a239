using Microsoft.EntityFrameworkCore;
using Portal.Core.Data;
using Portal.Core.Tenants;
using Portal.Web.Data;

namespace Portal.Web.Features.Callers;

/// <summary>
/// Makes the development user an admin of the default tenant, so a first `dotnet run` can create a cluster at once.
/// Part of the development caller seam: it goes when identity supplies real users and memberships.
/// </summary>
/// <remarks>Registered after the data layer's start-up step, which migrates and seeds the tenant first.</remarks>
internal sealed partial class DevelopmentMembership(
    IDbContextFactory<PortalDb> contexts,
    ILogger<DevelopmentMembership> logger) : IHostedService
{
    public async Task StartAsync(CancellationToken cancellationToken)
    {
        await using var db = await contexts.CreateDbContextAsync(cancellationToken);
        // Not being able to add a convenience member must not keep the portal from starting; /readyz reports the database.
        if (!await db.Database.CanConnectAsync(cancellationToken))
        {
            SkippedUnreachable(logger);
            return;
        }

        if ((await db.Database.GetPendingMigrationsAsync(cancellationToken)).Any())
        {
            // Migrations are off at start-up and the schema is behind; `migrate` and a restart will add the member.
            SkippedUnmigrated(logger);
            return;
        }

        var tenant = await db.Tenants.SingleOrDefaultAsync(t => t.Slug == PortalDatabaseMigrator.DefaultTenantSlug, cancellationToken);
        if (tenant is null
            || await db.Memberships.AnyAsync(m => m.TenantId == tenant.Id && m.Subject == CallerExtensions.DevelopmentSubject, cancellationToken))
        {
            return;
        }

        db.Memberships.Add(new Membership
        {
            TenantId = tenant.Id,
            Subject = CallerExtensions.DevelopmentSubject,
            Role = TenantRole.Admin,
        });
        await db.SaveChangesAsync(cancellationToken);
        AddedMember(logger, CallerExtensions.DevelopmentSubject, tenant.Slug);
    }

    public Task StopAsync(CancellationToken cancellationToken) => Task.CompletedTask;

    [LoggerMessage(LogLevel.Information, "Added development user {Subject} to tenant {Tenant} as admin")]
    static partial void AddedMember(ILogger logger, string subject, string tenant);

    [LoggerMessage(LogLevel.Warning, "Skipped adding the development user to the default tenant: the database is unreachable")]
    static partial void SkippedUnreachable(ILogger logger);

    [LoggerMessage(LogLevel.Warning, "Skipped adding the development user to the default tenant: the database has pending migrations")]
    static partial void SkippedUnmigrated(ILogger logger);
}
