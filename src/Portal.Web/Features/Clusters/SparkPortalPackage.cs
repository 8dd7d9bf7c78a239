using System.Reflection;

namespace Portal.Web.Features.Clusters;

/// <summary>
/// The sparkportal Python package this build serves from the web root (src/sparkportal, built by Portal.Web.csproj
/// with the portal's version): what the pages and the README tell users to <c>pip install</c>.
/// </summary>
internal static class SparkPortalPackage
{
    /// <summary>The package's version: the portal's, as the build stamped it.</summary>
    public static string Version { get; } = typeof(SparkPortalPackage).Assembly
        .GetCustomAttributes<AssemblyMetadataAttribute>()
        .Single(a => a.Key == "SparkPortalPythonPackageVersion").Value!;

    /// <summary>Path of the sdist under the web root.</summary>
    public static string SdistPath => $"downloads/sparkportal-{Version}.tar.gz";

    /// <summary>Path of the wheel under the web root.</summary>
    public static string WheelPath => $"downloads/sparkportal-{Version}-py3-none-any.whl";

    /// <summary>The line that installs the package from <paramref name="portal"/>.</summary>
    public static string PipInstall(Uri portal) => $"pip install {new Uri(portal, SdistPath)}";
}
