using System.Text.RegularExpressions;

namespace Portal.Core.Storage;

/// <summary>The rules for what a volume, an object store and a cluster's use of them may say.</summary>
public static partial class VolumeRules
{
    /// <summary>Longest volume or object store name: a pod's volume is named "vol-{name}", a DNS label of 63.</summary>
    public const int MaxNameLength = 40;

    /// <summary>Smallest volume (1Gi); smaller claims are refused by many provisioners.</summary>
    public const decimal MinSizeBytes = 1024m * 1024 * 1024;

    /// <summary>Most volumes one cluster mounts.</summary>
    public const int MaxMountsPerCluster = 10;

    /// <summary>Longest relative mount or event-log path.</summary>
    public const int MaxPathLength = 200;

    /// <summary>Why <paramref name="path"/> can't be a relative directory under a fixed root, or null.</summary>
    /// <remarks>
    /// Segments of letters, digits, '.', '_' and '-', none "." or "..": the path can never leave the root it is
    /// joined to, and needs no quoting in a command, a conf value or a URI.
    /// </remarks>
    public static string? PathProblem(string? path)
    {
        if (string.IsNullOrEmpty(path))
            return "Required.";
        if (path.Length > MaxPathLength)
            return $"Must be at most {MaxPathLength} characters.";
        var segments = path.Split('/');
        if (segments.Any(s => s.Length == 0 || s is "." or ".." || !PathSegment().IsMatch(s)))
            return "Must be a relative path of '/'-separated names of letters, digits, '.', '_' and '-' (no '..', no leading or trailing '/').";
        return null;
    }

    /// <summary>Why <paramref name="size"/> can't be a volume's size under <paramref name="options"/>, or null.</summary>
    public static string? SizeProblem(string? size, StorageOptions options)
    {
        ArgumentNullException.ThrowIfNull(options);
        if (string.IsNullOrEmpty(size))
            return "Required.";
        if (!KubernetesQuantity.TryParse(size, out var bytes) || bytes < MinSizeBytes
            || (KubernetesQuantity.TryParse(options.MaxVolumeSize, out var max) && bytes > max))
            return $"Must be a Kubernetes quantity from 1Gi to {options.MaxVolumeSize} (e.g. \"100Gi\").";
        return null;
    }

    /// <summary>Why <paramref name="url"/> can't be an object store's endpoint, or null.</summary>
    public static string? EndpointProblem(string? url)
    {
        if (string.IsNullOrWhiteSpace(url))
            return "Required.";
        if (url.Length > 512 || !Uri.TryCreate(url, UriKind.Absolute, out var uri) || uri.Scheme is not ("https" or "http")
            || !string.IsNullOrEmpty(uri.UserInfo) || uri.AbsolutePath != "/" || !string.IsNullOrEmpty(uri.Query) || !string.IsNullOrEmpty(uri.Fragment))
            return "Must be an http or https URL of a host and optional port, without a path, user or query (e.g. \"https://s3.eu-west-1.amazonaws.com\").";
        return null;
    }

    /// <summary>Why <paramref name="prefix"/> can't be "bucket" or "bucket/prefix", or null.</summary>
    public static string? BucketPrefixProblem(string? prefix)
    {
        if (string.IsNullOrEmpty(prefix))
            return "Required.";
        var slash = prefix.IndexOf('/', StringComparison.Ordinal);
        var bucket = slash < 0 ? prefix : prefix[..slash];
        if (!BucketName().IsMatch(bucket))
            return "Must start with a bucket name (3 to 63 lower-case letters, digits, '.' and '-'), optionally followed by '/' and a prefix.";
        return slash < 0 ? null : PathProblem(prefix[(slash + 1)..]);
    }

    /// <summary>
    /// Whether <paramref name="path"/> ("bucket/dir") lies at or under <paramref name="prefix"/> ("bucket" or
    /// "bucket/prefix"), segment by segment.
    /// </summary>
    public static bool IsUnder(string path, string prefix)
    {
        ArgumentNullException.ThrowIfNull(path);
        ArgumentNullException.ThrowIfNull(prefix);
        return path == prefix || path.StartsWith(prefix + "/", StringComparison.Ordinal);
    }

    /// <summary>Why <paramref name="text"/> can't be a key or region: printable ASCII without spaces, 1 to <paramref name="max"/> characters.</summary>
    public static string? TokenProblem(string? text, int max)
    {
        if (string.IsNullOrEmpty(text))
            return "Required.";
        if (text.Length > max || !text.All(c => c is > ' ' and <= '~'))
            return $"Must be 1 to {max} printable ASCII characters without spaces.";
        return null;
    }

    [GeneratedRegex("^[A-Za-z0-9._-]+$", RegexOptions.CultureInvariant)]
    private static partial Regex PathSegment();

    [GeneratedRegex("^[a-z0-9][a-z0-9.-]{1,61}[a-z0-9]$", RegexOptions.CultureInvariant)]
    private static partial Regex BucketName();
}
