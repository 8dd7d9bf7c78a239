namespace Portal.Sandbox.Volumes;

/// <summary>
/// The simulated contents of persistent volumes: one in-memory file tree per claim (namespace, claim name), the
/// "disk" of its PersistentVolume, shared by every pod that mounts the claim. Directories exist explicitly (a file's
/// parent must exist, as on a real filesystem); the root of a volume always exists. The tree goes when the
/// controller deletes the claim's volume (reclaim policy Delete).
/// </summary>
/// <remarks>NOTE: contents live in memory only; a sandbox state file does not keep them.</remarks>
public sealed class VolumeFiles
{
    readonly object _gate = new();
    readonly Dictionary<(string Namespace, string Claim), Tree> _volumes = [];

    sealed class Tree
    {
        public HashSet<string> Directories { get; } = new(StringComparer.Ordinal) { "/" };
        public SortedDictionary<string, FileEntry> Files { get; } = new(StringComparer.Ordinal);
    }

    sealed class FileEntry
    {
        public StringBuilder Content { get; } = new();
        public DateTime Modified { get; set; }
    }

    /// <summary>One entry of a directory listing: a name, whether it is a directory, and a file's size and last write.</summary>
    public sealed record Entry(string Name, bool IsDirectory, long Length, DateTime Modified);

    /// <summary>Normalises a path inside a volume to <c>/a/b</c> (no trailing slash, no <c>.</c> or <c>..</c> beyond the root).</summary>
    public static string Normalize(string path)
    {
        var parts = new List<string>();
        foreach (var part in path.Split('/', StringSplitOptions.RemoveEmptyEntries))
        {
            if (part == ".") continue;
            if (part == "..")
            {
                if (parts.Count > 0) parts.RemoveAt(parts.Count - 1);
                continue;
            }
            parts.Add(part);
        }
        return "/" + string.Join('/', parts);
    }

    static string Parent(string path) => path == "/" ? "/" : path.LastIndexOf('/') is var i and > 0 ? path[..i] : "/";

    Tree TreeOf(string ns, string claim)
    {
        if (!_volumes.TryGetValue((ns, claim), out var tree)) _volumes[(ns, claim)] = tree = new Tree();
        return tree;
    }

    /// <summary>Whether <paramref name="path"/> is a directory on the claim's volume.</summary>
    public bool DirectoryExists(string @namespace, string claim, string path)
    {
        lock (_gate) return TreeOf(@namespace, claim).Directories.Contains(Normalize(path));
    }

    /// <summary>Whether <paramref name="path"/> is a file on the claim's volume.</summary>
    public bool FileExists(string @namespace, string claim, string path)
    {
        lock (_gate) return TreeOf(@namespace, claim).Files.ContainsKey(Normalize(path));
    }

    /// <summary><c>mkdir -p</c>: creates the directory and its parents; false when a file is in the way.</summary>
    public bool CreateDirectory(string @namespace, string claim, string path)
    {
        lock (_gate)
        {
            var tree = TreeOf(@namespace, claim);
            var target = Normalize(path);
            var chain = new List<string>();
            for (var p = target; p != "/"; p = Parent(p)) chain.Add(p);
            if (chain.Any(tree.Files.ContainsKey)) return false;
            foreach (var dir in chain) tree.Directories.Add(dir);
            return true;
        }
    }

    /// <summary>The entries directly inside <paramref name="path"/>, by name; empty when it is not a directory.</summary>
    public IReadOnlyList<Entry> List(string @namespace, string claim, string path)
    {
        lock (_gate)
        {
            var tree = TreeOf(@namespace, claim);
            var dir = Normalize(path);
            if (!tree.Directories.Contains(dir)) return [];
            var prefix = dir == "/" ? "/" : dir + "/";
            bool Child(string p) => p.StartsWith(prefix, StringComparison.Ordinal) && p.Length > prefix.Length && p.IndexOf('/', prefix.Length) < 0;
            return tree.Directories.Where(Child).Select(d => new Entry(d[prefix.Length..], true, 0, DateTime.MinValue))
                .Concat(tree.Files.Where(f => Child(f.Key)).Select(f => new Entry(f.Key[prefix.Length..], false, Encoding.UTF8.GetByteCount(f.Value.Content.ToString()), f.Value.Modified)))
                .OrderBy(e => e.Name, StringComparer.Ordinal).ToList();
        }
    }

    /// <summary>A file's text, or null when there is no such file.</summary>
    public string? ReadText(string @namespace, string claim, string path)
    {
        lock (_gate) return TreeOf(@namespace, claim).Files.TryGetValue(Normalize(path), out var file) ? file.Content.ToString() : null;
    }

    /// <summary>Appends to a file, creating it (FileOutputStream) when its directory exists; false when it does not.</summary>
    internal bool Append(string @namespace, string claim, string path, string text)
    {
        lock (_gate)
        {
            var tree = TreeOf(@namespace, claim);
            var target = Normalize(path);
            if (!tree.Directories.Contains(Parent(target)) || tree.Directories.Contains(target)) return false;
            if (!tree.Files.TryGetValue(target, out var file)) tree.Files[target] = file = new FileEntry();
            file.Content.Append(text);
            file.Modified = DateTime.UtcNow;
            return true;
        }
    }

    /// <summary>Renames a file within one volume; false when the source is missing or the target exists.</summary>
    internal bool Rename(string @namespace, string claim, string from, string to)
    {
        lock (_gate)
        {
            var tree = TreeOf(@namespace, claim);
            var (source, target) = (Normalize(from), Normalize(to));
            if (!tree.Files.Remove(source, out var file)) return false;
            if (tree.Files.ContainsKey(target) || !tree.Directories.Contains(Parent(target)))
            {
                tree.Files[source] = file;
                return false;
            }
            // Spark touches the renamed log (setTimes) so its modification time is the rename's.
            file.Modified = DateTime.UtcNow;
            tree.Files[target] = file;
            return true;
        }
    }

    /// <summary>Drops a claim's contents, as deleting its volume does.</summary>
    internal void Remove(string @namespace, string claim)
    {
        lock (_gate) _volumes.Remove((@namespace, claim));
    }
}

/// <summary>A path as a container sees it, resolved to a claim's volume through the container's volumeMounts.</summary>
internal sealed record MountedPath(string Namespace, string Claim, string Path, bool ReadOnly)
{
    /// <summary>
    /// Resolves <paramref name="path"/> (absolute, inside <paramref name="container"/>) through the mount with the
    /// longest matching <c>mountPath</c>, honouring <c>subPath</c> and <c>readOnly</c> (on the mount or on the
    /// volume's persistentVolumeClaim source). Null when that mount is not a persistentVolumeClaim volume, or none matches.
    /// </summary>
    public static MountedPath? Resolve(JsonObject pod, JsonObject container, string path)
    {
        var target = VolumeFiles.Normalize(path);
        JsonObject? best = null;
        var bestPath = "";
        foreach (var mount in container.Objects("volumeMounts"))
        {
            var mountPath = VolumeFiles.Normalize(mount.Str("mountPath") ?? "");
            var under = mountPath == "/" || target == mountPath || target.StartsWith(mountPath + "/", StringComparison.Ordinal);
            if (under && mountPath.Length > bestPath.Length || best is null && under)
            {
                best = mount;
                bestPath = mountPath;
            }
        }
        if (best is null) return null;
        var volume = pod.Objects("spec", "volumes").FirstOrDefault(v => v.Str("name") == best.Str("name"));
        if (volume?["persistentVolumeClaim"] is not JsonObject source || source.Str("claimName") is not { Length: > 0 } claim) return null;
        var rest = bestPath == "/" ? target : target[bestPath.Length..];
        var inVolume = VolumeFiles.Normalize($"/{best.Str("subPath") ?? ""}/{rest}");
        return new MountedPath(pod.Namespace() ?? "default", claim, inVolume, best.Bool("readOnly") == true || source.Bool("readOnly") == true);
    }
}
