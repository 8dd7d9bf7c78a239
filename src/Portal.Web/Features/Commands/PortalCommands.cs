namespace Portal.Web.Features.Commands;

/// <summary>Runs one operations command and returns its exit code; messages to <c>errors</c>, results to <c>output</c>.</summary>
public delegate Task<int> PortalCommandHandler(WebApplication app, string[] args, TextWriter output, TextWriter errors);

/// <summary>One operations command of the portal's binary: its first argument, usage line and what it does.</summary>
public sealed record PortalCommand(string Name, string Usage, string Summary, PortalCommandHandler Run);

/// <summary>
/// The operations commands of the portal's binary (<c>dotnet run --project src/Portal.Web -- NAME …</c>): one
/// table, so a first argument that names no command is refused with the list of those that exist instead of
/// silently starting the web server.
/// </summary>
public static class PortalCommands
{
    /// <summary>Exit code of a command line that is wrong (unknown command, option or value).</summary>
    public const int BadUsage = 2;

    /// <summary>Every command. A new command is one line here.</summary>
    public static IReadOnlyList<PortalCommand> Known { get; } =
    [
        new("migrate", "migrate", "Apply pending database migrations (and seed an empty database), then exit.",
            async (app, args, _, _) => await app.TryRunDataCommandAsync(args) ? 0 : BadUsage),
        new("token", TokenCommand.Usage, "Print a personal access token for a user on standard output.",
            async (app, args, output, errors) => await app.TryRunTokenCommandAsync(args, output, errors) ?? BadUsage),
        new("user", UserCommand.Usage, "Create a built-in account, or reset its password; prints its one-time password.",
            UserCommand.RunAsync),
        new("check", Portal.Web.Features.Operations.CheckCommand.Usage,
            "Test the configuration (database, migrations, OIDC, Kubernetes permissions); exits 1 on any problem.",
            async (app, args, output, _) => await Portal.Web.Features.Operations.CheckCommand.TryRunCheckCommandAsync(app, args, output) ?? BadUsage),
    ];

    /// <summary>
    /// Whether <paramref name="args"/> start with a command word rather than configuration (<c>--Key value</c>,
    /// <c>/Key value</c>, <c>Key=value</c>), which is how the server is started.
    /// </summary>
    public static bool IsCommand(string[] args)
    {
        ArgumentNullException.ThrowIfNull(args);
        return args is [var first, ..] && first.Length > 0 && first[0] is not ('-' or '/') && !first.Contains('=', StringComparison.Ordinal);
    }

    /// <summary>
    /// Runs the command <paramref name="args"/> name and returns its exit code; an unknown command prints the known
    /// ones and returns <see cref="BadUsage"/>. Returns null when <paramref name="args"/> name no command at all, and
    /// the caller should serve.
    /// </summary>
    public static async Task<int?> TryRunCommandAsync(
        this WebApplication app, string[] args, TextWriter? output = null, TextWriter? errors = null)
    {
        ArgumentNullException.ThrowIfNull(app);
        if (!IsCommand(args))
            return null;

        output ??= Console.Out;
        errors ??= Console.Error;
        if (Known.FirstOrDefault(c => c.Name == args[0]) is { } command)
            return await command.Run(app, args, output, errors);

        await errors.WriteLineAsync($"Unknown command '{args[0]}'. The commands are:");
        foreach (var known in Known)
            await errors.WriteLineAsync($"  {known.Usage}\n      {known.Summary}");
        await errors.WriteLineAsync("Without a command the portal serves; configuration goes in --Key value arguments.");
        return BadUsage;
    }
}
