using System.Globalization;
using System.Text;

namespace Portal.Provisioning.Tests.Manifests;

/// <summary>
/// Reads text by java.util.Properties.load's rules (its Javadoc), which is how Spark reads spark-defaults.conf: a
/// line ending in an odd number of backslashes continues on the next, '#' and '!' start comments, the key ends at
/// the first unescaped '=', ':' or whitespace, and backslash escapes (\t \n \r \f \uXXXX, else the character itself).
/// Written from the specification, independently of the portal's writer, so a test pits one against the other.
/// </summary>
internal static class JavaProperties
{
    public static Dictionary<string, string> Load(string text)
    {
        var entries = new Dictionary<string, string>(StringComparer.Ordinal);
        foreach (var line in LogicalLines(text))
        {
            var (key, value) = Split(line);
            entries[Unescape(key)] = Unescape(value);
        }

        return entries;
    }

    static bool IsWhite(char c) => c is ' ' or '\t' or '\f';

    // Natural lines joined into logical ones; comment and blank lines dropped; leading whitespace skipped.
    static IEnumerable<string> LogicalLines(string text)
    {
        var natural = text.Replace("\r\n", "\n", StringComparison.Ordinal).Replace('\r', '\n').Split('\n');
        var current = new StringBuilder();
        var continuing = false;
        foreach (var raw in natural)
        {
            var line = raw.TrimStart(' ', '\t', '\f');
            if (!continuing && (line.Length == 0 || line[0] is '#' or '!'))
                continue;

            var trailing = line.Length - line.TrimEnd('\\').Length;
            if (trailing % 2 == 1)
            {
                current.Append(line, 0, line.Length - 1);
                continuing = true;
                continue;
            }

            current.Append(line);
            continuing = false;
            yield return current.ToString();
            current.Clear();
        }

        if (continuing)
            yield return current.ToString();
    }

    static (string Key, string Value) Split(string line)
    {
        var i = 0;
        while (i < line.Length)
        {
            var c = line[i];
            if (c == '\\')
            {
                i += 2;
                continue;
            }

            if (c is '=' or ':' || IsWhite(c))
                break;
            i++;
        }

        var key = line[..Math.Min(i, line.Length)];
        var j = i;
        while (j < line.Length && IsWhite(line[j]))
            j++;
        if (j < line.Length && line[j] is '=' or ':')
            j++;
        while (j < line.Length && IsWhite(line[j]))
            j++;
        return (key, j < line.Length ? line[j..] : "");
    }

    static string Unescape(string s)
    {
        var result = new StringBuilder(s.Length);
        for (var i = 0; i < s.Length; i++)
        {
            if (s[i] != '\\' || i + 1 == s.Length)
            {
                if (s[i] != '\\')
                    result.Append(s[i]);
                continue;
            }

            var c = s[++i];
            switch (c)
            {
                case 't': result.Append('\t'); break;
                case 'n': result.Append('\n'); break;
                case 'r': result.Append('\r'); break;
                case 'f': result.Append('\f'); break;
                case 'u' when i + 4 < s.Length && int.TryParse(s.AsSpan(i + 1, 4), NumberStyles.HexNumber, CultureInfo.InvariantCulture, out var code):
                    result.Append((char)code);
                    i += 4;
                    break;
                default: result.Append(c); break;
            }
        }

        return result.ToString();
    }
}
