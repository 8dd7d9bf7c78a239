namespace Portal.Sandbox.Api;

/// <summary>A request path resolved to a kind, plus namespace, name and subresource where given.</summary>
internal sealed record ResourceRoute(ResourceKind Kind, string? Namespace, string? Name, string? Subresource, bool WatchPrefix)
{
    /// <summary>
    /// Parses <c>/api/v1/...</c> and <c>/apis/GROUP/VERSION/...</c> resource paths, including the legacy
    /// <c>/watch/</c> prefix. Returns null for anything that is not a resource path.
    /// </summary>
    public static ResourceRoute? Parse(string path)
    {
        var segments = path.Split('/', StringSplitOptions.RemoveEmptyEntries);
        string group, version;
        int rest;
        if (segments.Length >= 3 && segments[0] == "api") (group, version, rest) = ("", segments[1], 2);
        else if (segments.Length >= 4 && segments[0] == "apis") (group, version, rest) = (segments[1], segments[2], 3);
        else return null;

        var tail = segments[rest..].Select(Uri.UnescapeDataString).ToArray();
        var watch = false;
        if (tail.Length > 0 && tail[0] == "watch")
        {
            watch = true;
            tail = tail[1..];
        }
        if (tail.Length == 0) return null;

        // namespaces/{ns}/{plural}[/{name}[/{sub}]] wins over namespaces/{name}/{sub} when {plural} is a namespaced kind.
        if (tail[0] == "namespaces" && tail.Length >= 3 && ResourceCatalog.Find(group, version, tail[2]) is { Namespaced: true } namespaced)
        {
            return tail.Length switch
            {
                3 => new(namespaced, tail[1], null, null, watch),
                4 => new(namespaced, tail[1], tail[3], null, watch),
                5 => new(namespaced, tail[1], tail[3], tail[4], watch),
                _ => null,
            };
        }
        if (ResourceCatalog.Find(group, version, tail[0]) is not { } kind) return null;
        return tail.Length switch
        {
            1 => new(kind, null, null, null, watch),
            2 when !kind.Namespaced => new(kind, null, tail[1], null, watch),
            3 when !kind.Namespaced => new(kind, null, tail[1], tail[2], watch),
            _ => null,
        };
    }
}
