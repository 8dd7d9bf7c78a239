namespace Portal.Web.Features.Identity;

/// <summary>
/// On a portal without SSO and without a platform administrator, creates the built-in account
/// <see cref="BootstrapOptions.AdminUserName"/> as platform administrator, with the configured password or a
/// generated one that is printed once and must be changed at first sign-in; and makes it an administrator of the
/// seeded tenant <c>default</c>, if there is one.
/// </summary>
/// <remarks>Registered after the data layer's start-up step, which migrates the database first.</remarks>
internal sealed partial class BootstrapAdministrator(
    IServiceScopeFactory scopes,
    IOptions<OpenIdConnectSettings> sso,
    IOptions<BuiltInAccountOptions> accounts,
    IOptions<BootstrapOptions> options,
    ILogger<BootstrapAdministrator> logger) : IHostedService
{
    /// <summary>User name of the first administrator.</summary>
    public string AdminUserName => options.Value.AdminUserName;

    public Task StartAsync(CancellationToken cancellationToken) => EnsureAsync(Console.Out, cancellationToken);

    public Task StopAsync(CancellationToken cancellationToken) => Task.CompletedTask;

    /// <summary>Creates the first administrator if there is none; a generated password goes to <paramref name="console"/>.</summary>
    public async Task EnsureAsync(TextWriter console, CancellationToken cancellationToken)
    {
        if (sso.Value.Enabled || !accounts.Value.Enabled)
        {
            return;
        }

        await using var scope = scopes.CreateAsyncScope();
        var db = scope.ServiceProvider.GetRequiredService<PortalDb>();
        // A database that is down must not keep the portal from starting (liveness); /readyz reports it, and the
        // next start with the database up creates the administrator.
        if (!await db.Database.CanConnectAsync(cancellationToken))
        {
            SkippedUnreachable(logger);
            return;
        }

        if ((await db.Database.GetPendingMigrationsAsync(cancellationToken)).Any())
        {
            SkippedUnmigrated(logger);
            return;
        }

        var roles = scope.ServiceProvider.GetRequiredService<RoleManager<IdentityRole>>();
        var users = scope.ServiceProvider.GetRequiredService<UserManager<IdentityUser>>();
        if (!await roles.RoleExistsAsync(PortalClaims.PlatformAdminRole))
        {
            Check(await roles.CreateAsync(new IdentityRole(PortalClaims.PlatformAdminRole)));
        }

        if ((await users.GetUsersInRoleAsync(PortalClaims.PlatformAdminRole)).Count > 0)
        {
            return;
        }

        var name = options.Value.AdminUserName;
        if (await users.FindByNameAsync(name) is not null)
        {
            // Never promote an existing account behind an operator's back.
            NameTaken(logger, name);
            return;
        }

        var configured = options.Value.AdminPassword;
        var password = string.IsNullOrEmpty(configured) ? BuiltInAccounts.GeneratePassword() : configured;
        var admin = new IdentityUser(name);
        Check(await users.CreateAsync(admin, password));
        Check(await users.AddToRoleAsync(admin, PortalClaims.PlatformAdminRole));
        await JoinDefaultTenantAsync(db, admin.Id, cancellationToken);
        if (string.IsNullOrEmpty(configured))
        {
            Check(await users.AddClaimAsync(admin, BuiltInAccounts.PasswordChangeRequired));
            // Straight to the console, never to the log pipeline: logs are shipped and kept, this must not be.
            await console.WriteLineAsync(
                $"""

                Created the platform administrator '{name}' with the one-time password:

                    {password}

                Sign in at /signin; you will be asked to choose a new password. This is the only time it is shown.

                """);
        }

        Created(logger, name);
    }

    /// <summary>
    /// Whether the first administrator still waits for its first sign-in with the printed one-time password: what
    /// the sign-in page tells a newcomer who doesn't know where to find it.
    /// </summary>
    public async Task<bool> AwaitsFirstSignInAsync(CancellationToken cancellationToken)
    {
        if (sso.Value.Enabled || !accounts.Value.Enabled || !string.IsNullOrEmpty(options.Value.AdminPassword))
        {
            return false;
        }

        await using var scope = scopes.CreateAsyncScope();
        var db = scope.ServiceProvider.GetRequiredService<PortalDb>();
        var normalized = options.Value.AdminUserName.ToUpperInvariant();
        return await db.Users.Where(u => u.NormalizedUserName == normalized)
            .Join(db.UserClaims.Where(c => c.ClaimType == Accounts.PasswordChangeRequiredClaim), u => u.Id, c => c.UserId, (u, _) => u)
            .AnyAsync(u => !db.KnownUsers.Any(k => k.Subject == u.Id), cancellationToken);
    }

    // So that a newcomer who signs in as admin can create a cluster at once, as the seeded tenant promises.
    static async Task JoinDefaultTenantAsync(PortalDb db, string subject, CancellationToken cancellationToken)
    {
        var tenant = await db.Tenants.SingleOrDefaultAsync(t => t.Slug == PortalDatabaseMigrator.DefaultTenantSlug, cancellationToken);
        if (tenant is not null)
        {
            db.Memberships.Add(new Membership { TenantId = tenant.Id, Subject = subject, Role = TenantRole.Admin });
            await db.SaveChangesAsync(cancellationToken);
        }
    }

    static void Check(IdentityResult result)
    {
        if (!result.Succeeded)
        {
            throw new InvalidOperationException(
                "Could not create the first administrator: " + string.Join(" ", result.Errors.Select(e => e.Description)));
        }
    }

    [LoggerMessage(LogLevel.Information, "Created platform administrator {UserName}")]
    static partial void Created(ILogger logger, string userName);

    [LoggerMessage(LogLevel.Warning, "Skipped creating the first administrator: the user name {UserName} is taken by an account that is not an administrator")]
    static partial void NameTaken(ILogger logger, string userName);

    [LoggerMessage(LogLevel.Warning, "Skipped creating the first administrator: the database is unreachable")]
    static partial void SkippedUnreachable(ILogger logger);

    [LoggerMessage(LogLevel.Warning, "Skipped creating the first administrator: the database has pending migrations")]
    static partial void SkippedUnmigrated(ILogger logger);
}
