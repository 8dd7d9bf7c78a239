namespace Portal.Core;

/// <summary>Host-wide settings of the portal, bound from the "Portal" configuration section.</summary>
public sealed class PortalOptions
{
    /// <summary>Configuration section name.</summary>
    public const string Section = "Portal";

    /// <summary>
    /// Where the portal writes everything it keeps locally (the embedded SQLite database among it). Created at
    /// start-up. Defaults to <c>$XDG_DATA_HOME/spark-portal</c>, i.e. <c>~/.local/share/spark-portal</c> on Linux
    /// (<c>%LOCALAPPDATA%\spark-portal</c> on Windows), outside any source tree so a clone stays clean.
    /// </summary>
    [Required]
    public string DataDirectory { get; set; } = DefaultDataDirectory;

    /// <summary>Apply pending database migrations when the portal starts.</summary>
    public bool MigrateOnStartup { get; set; } = true;

    /// <summary>On an empty database, create the tenant <c>default</c> so a newcomer can create a cluster at once.</summary>
    public bool SeedDefaultTenant { get; set; } = true;

    /// <summary>
    /// The portal's address as browsers see it (scheme, host, optional path; e.g. <c>https://spark.example.com</c>),
    /// behind any ingress. Spark's UIs link to themselves under it; needed when the portal reaches them through the
    /// Kubernetes API's service proxy, which rewrites server-relative links. Empty: links are server-relative.
    /// </summary>
    [Url]
    public string? PublicUrl { get; set; }

    /// <summary>The per-user data location used when <see cref="DataDirectory"/> is not configured.</summary>
    public static string DefaultDataDirectory { get; } = Path.Combine(
        // .NET resolves this to $XDG_DATA_HOME, falling back to ~/.local/share, on Linux.
        Environment.GetFolderPath(Environment.SpecialFolder.LocalApplicationData, Environment.SpecialFolderOption.DoNotVerify),
        "spark-portal");
}
