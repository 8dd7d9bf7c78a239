namespace Portal.Web.Features.Identity;

/// <summary>
/// <c>token create --user NAME [--name N] [--expires DAYS] [--tenant SLUG] [--read-only]</c>: issues a personal
/// access token for an existing user to whoever can run the server, like <c>jupyterhub token</c>. The token is
/// the only thing written to standard output; messages go to standard error.
/// </summary>
public static class TokenCommand
{
    /// <summary>Actor of the audit entry: the command runs with the server's rights, not a user's.</summary>
    public const string Actor = "cli";

    internal const string Usage = "token create --user NAME [--name N] [--expires DAYS] [--tenant SLUG] [--read-only]";

    /// <summary>
    /// Runs the token command when <paramref name="args"/> name it, and returns its exit code (0 done, 1 refused,
    /// 2 bad usage); returns null when <paramref name="args"/> are not a token command, and the caller should serve.
    /// Migrates the database and creates the first administrator first, as start-up would, so the command also
    /// works on a fresh installation.
    /// </summary>
    public static async Task<int?> TryRunTokenCommandAsync(
        this IHost app, string[] args, TextWriter? output = null, TextWriter? errors = null)
    {
        ArgumentNullException.ThrowIfNull(app);
        ArgumentNullException.ThrowIfNull(args);
        if (args is not ["token", ..])
        {
            return null;
        }

        output ??= Console.Out;
        errors ??= Console.Error;
        if (!TryParse(args, out var request, out var problem))
        {
            await errors.WriteLineAsync(problem);
            await errors.WriteLineAsync("usage: " + Usage);
            return 2;
        }

        var ct = app.Services.GetRequiredService<IHostApplicationLifetime>().ApplicationStopping;
        if (app.Services.GetService<PortalDatabaseMigrator>() is { } migrator)
        {
            await migrator.MigrateAsync(ct);
        }

        await app.Services.GetRequiredService<BootstrapAdministrator>().EnsureAsync(errors, ct);

        await using var scope = app.Services.CreateAsyncScope();
        var services = scope.ServiceProvider;
        var db = services.GetRequiredService<PortalDb>();
        var users = services.GetRequiredService<UserManager<IdentityUser>>();

        // A built-in account by name, else a single sign-on user by subject (known once they have a membership).
        var user = await users.FindByNameAsync(request.User);
        var subject = user?.Id
            ?? (await db.Memberships.AnyAsync(m => m.Subject == request.User, ct) ? request.User : null);
        if (subject is null)
        {
            await errors.WriteLineAsync($"token: no user '{request.User}' (neither a built-in account nor a member of any tenant)");
            return 1;
        }

        Guid? tenantId = null;
        if (request.Tenant is { } slug)
        {
            var tenant = await db.Tenants.SingleOrDefaultAsync(t => t.Slug == slug && t.DeletionRequestedAt == null, ct);
            var isAdmin = user is not null && await users.IsInRoleAsync(user, PortalClaims.PlatformAdminRole);
            if (tenant is null || (!isAdmin && !await db.Memberships.AnyAsync(m => m.TenantId == tenant.Id && m.Subject == subject, ct)))
            {
                await errors.WriteLineAsync($"token: '{request.User}' is not a member of a tenant '{slug}'");
                return 1;
            }

            tenantId = tenant.Id;
        }

        var tokens = services.GetRequiredService<PersonalAccessTokens>();
        var tokenRequest = new TokenRequest(subject, request.Name, request.ExpiresInDays, tenantId,
            request.ReadOnly ? TokenAccess.Read : TokenAccess.ReadWrite);
        if (tokens.Check(tokenRequest) is { Count: > 0 } invalid)
        {
            await errors.WriteLineAsync("token: " + string.Join(" ", invalid.Values.SelectMany(e => e)));
            return 2;
        }

        var created = await tokens.CreateAsync(tokenRequest, Actor, ct);
        await output.WriteLineAsync(created.Plaintext);
        await errors.WriteLineAsync(
            $"token: created '{created.Token.Name}' for {request.User}, expires {created.Token.ExpiresAt:yyyy-MM-dd}");
        return 0;
    }

    sealed record Parsed(string User, string Name, int? ExpiresInDays, string? Tenant, bool ReadOnly);

    static bool TryParse(string[] args, out Parsed request, out string problem)
    {
        request = null!;
        problem = "";
        if (args is not ["token", "create", .. var rest])
        {
            problem = "token: unknown subcommand";
            return false;
        }

        string? user = null, name = null, tenant = null;
        int? days = null;
        var readOnly = false;
        for (var i = 0; i < rest.Length; i++)
        {
            var option = rest[i];
            if (option == "--read-only")
            {
                readOnly = true;
                continue;
            }

            if (option is not ("--user" or "--name" or "--expires" or "--tenant"))
            {
                problem = $"token: unknown option '{option}'";
                return false;
            }

            if (i + 1 >= rest.Length)
            {
                problem = $"token: {option} needs a value";
                return false;
            }

            var value = rest[++i];
            switch (option)
            {
                case "--user": user = value; break;
                case "--name": name = value; break;
                case "--tenant": tenant = value; break;
                case "--expires" when int.TryParse(value, NumberStyles.None, CultureInfo.InvariantCulture, out var d):
                    days = d;
                    break;
                default:
                    problem = $"token: --expires takes a whole number of days, not '{value}'";
                    return false;
            }
        }

        if (string.IsNullOrWhiteSpace(user))
        {
            problem = "token: --user is required";
            return false;
        }

        request = new Parsed(user, name ?? "cli", days, tenant, readOnly);
        return true;
    }
}
