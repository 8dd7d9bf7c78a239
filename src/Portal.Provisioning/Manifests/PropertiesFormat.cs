namespace Portal.Provisioning.Manifests;

/// <summary>
/// Writes java.util.Properties text, the format Spark reads spark-defaults.conf in (Utils.getPropertiesFromFile
/// calls Properties.load). Every character the format gives a meaning is escaped, so whatever a key or value holds
/// (a trailing backslash, '=', '#', a line break) reads back as itself and can't swallow or add another entry.
/// </summary>
public static class PropertiesFormat
{
    /// <summary>One <c>key=value</c> line per entry, in the dictionary's order.</summary>
    public static string Write(IEnumerable<KeyValuePair<string, string>> entries)
    {
        ArgumentNullException.ThrowIfNull(entries);
        var text = new StringBuilder();
        foreach (var (key, value) in entries)
        {
            Escape(text, key, isKey: true);
            text.Append('=');
            Escape(text, value, isKey: false);
            text.Append('\n');
        }

        return text.ToString();
    }

    // As Properties.store escapes: backslash, the separators '=' ':' and the comment marks '#' '!' everywhere,
    // spaces in keys and leading spaces in values, control characters as \t \n \r \f or \uXXXX.
    static void Escape(StringBuilder text, string s, bool isKey)
    {
        for (var i = 0; i < s.Length; i++)
        {
            var c = s[i];
            switch (c)
            {
                case '\\': text.Append(@"\\"); break;
                case '=' or ':' or '#' or '!': text.Append('\\').Append(c); break;
                case ' ' when isKey || i == 0: text.Append(@"\ "); break;
                case '\t': text.Append(@"\t"); break;
                case '\n': text.Append(@"\n"); break;
                case '\r': text.Append(@"\r"); break;
                case '\f': text.Append(@"\f"); break;
                case < ' ' or '\u007f': text.Append(@"\u").Append(((int)c).ToString("x4", System.Globalization.CultureInfo.InvariantCulture)); break;
                default: text.Append(c); break;
            }
        }
    }
}
