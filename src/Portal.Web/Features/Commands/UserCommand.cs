namespace Portal.Web.Features.Commands;

/// <summary>
/// <c>user create --user NAME [--name DISPLAY] [--email ADDRESS]</c> and <c>user reset-password --user NAME</c>:
/// a built-in account for whoever can run the server, through the same rules and audit as the Users page. The
/// one-time password is the only thing written to standard output; it must be changed at first sign-in.
/// </summary>
internal static class UserCommand
{
    public const string Usage = "user create --user NAME [--name DISPLAY] [--email ADDRESS] | user reset-password --user NAME";

    /// <summary>The command runs with the server's rights; audit entries name it as <see cref="TokenCommand.Actor"/>.</summary>
    static readonly Caller Server = new(TokenCommand.Actor, IsPlatformAdmin: true);

    /// <summary>Exit codes: 0 done, 1 refused (name taken, no such account), 2 bad usage.</summary>
    public static async Task<int> RunAsync(WebApplication app, string[] args, TextWriter output, TextWriter errors)
    {
        if (!TryParse(args, out var verb, out var options, out var problem))
        {
            await errors.WriteLineAsync(problem);
            await errors.WriteLineAsync("usage: " + Usage);
            return PortalCommands.BadUsage;
        }

        // As start-up would, so the command also works on a fresh installation.
        var ct = app.Lifetime.ApplicationStopping;
        if (app.Services.GetService<PortalDatabaseMigrator>() is { } migrator)
            await migrator.MigrateAsync(ct);
        await app.Services.GetRequiredService<BootstrapAdministrator>().EnsureAsync(errors, ct);

        await using var scope = app.Services.CreateAsyncScope();
        var accounts = scope.ServiceProvider.GetRequiredService<Accounts>();
        var userName = options["--user"];
        var outcome = verb == "create"
            ? await accounts.CreateAsync(Server, new NewAccount(userName, options.GetValueOrDefault("--name"), options.GetValueOrDefault("--email")), ct)
            : await accounts.ResetPasswordAsync(Server, userName, invite: false, ct);
        if (outcome.Failure is { } failure)
        {
            var reasons = failure.Errors is { Count: > 0 } errorsByField
                ? string.Join(" ", errorsByField.Values.SelectMany(e => e))
                : failure.Detail ?? failure.Title;
            await errors.WriteLineAsync($"user: {reasons}");
            return failure.Kind == Portal.Core.Clusters.FailureKind.Invalid ? PortalCommands.BadUsage : 1;
        }

        var credential = outcome.Value!;
        await output.WriteLineAsync(credential.OneTimePassword);
        await errors.WriteLineAsync(verb == "create"
            ? $"user: created '{credential.Account.UserName}'; the password above is for one sign-in, at /signin, where a new one is chosen."
            : $"user: reset the password of '{credential.Account.UserName}'; the password above is for one sign-in, at /signin, where a new one is chosen.");
        return 0;
    }

    static bool TryParse(string[] args, out string verb, out Dictionary<string, string> options, out string problem)
    {
        options = new Dictionary<string, string>(StringComparer.Ordinal);
        problem = "";
        verb = args is ["user", var v, ..] ? v : "";
        string[] allowed = verb switch
        {
            "create" => ["--user", "--name", "--email"],
            "reset-password" => ["--user"],
            _ => [],
        };
        if (allowed.Length == 0)
        {
            problem = verb.Length == 0 ? "user: name a subcommand" : $"user: unknown subcommand '{verb}'";
            return false;
        }

        for (var i = 2; i < args.Length; i += 2)
        {
            if (!allowed.Contains(args[i]))
            {
                problem = $"user: unknown option '{args[i]}'";
                return false;
            }

            if (i + 1 >= args.Length)
            {
                problem = $"user: {args[i]} needs a value";
                return false;
            }

            options[args[i]] = args[i + 1];
        }

        if (!options.ContainsKey("--user"))
        {
            problem = "user: --user is required";
            return false;
        }

        return true;
    }
}
