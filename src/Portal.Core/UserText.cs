using System.Text;

namespace Portal.Core;

/// <summary>
/// The one rule for text a user typed: no control characters (C0, DEL, C1: NUL, tab, CR, LF...) and no unpaired
/// UTF-16 surrogates. PostgreSQL's text cannot hold NUL, and Npgsql's strict UTF-8 encoder throws on an unpaired
/// surrogate, so either would end a request as a 500; line breaks also forge lines in logs and properties files.
/// </summary>
public static class UserText
{
    /// <summary>The reason given when a field breaks the rule.</summary>
    public const string ControlCharactersProblem =
        "Must not contain control characters (NUL, tab, CR, LF, ...) or unpaired UTF-16 surrogates.";

    /// <summary>Whether <paramref name="text"/> keeps the rule.</summary>
    public static bool IsPlain(string text)
    {
        ArgumentNullException.ThrowIfNull(text);
        for (var i = 0; i < text.Length; i++)
        {
            var c = text[i];
            if (char.IsControl(c))
                return false;
            if (char.IsHighSurrogate(c) && i + 1 < text.Length && char.IsLowSurrogate(text[i + 1]))
                i++;
            else if (char.IsSurrogate(c))
                return false;
        }

        return true;
    }

    /// <summary><see cref="ControlCharactersProblem"/> when <paramref name="text"/> breaks the rule, else null.</summary>
    public static string? Problem(string? text) => text is null || IsPlain(text) ? null : ControlCharactersProblem;

    /// <summary>
    /// <paramref name="text"/> made storable whatever it holds: each control character or unpaired surrogate becomes
    /// U+FFFD, and the result is cut to <paramref name="maxLength"/> characters without splitting a surrogate pair.
    /// For records of what a user sent (the audit log), which must be written even when the input was refused.
    /// </summary>
    public static string ForStorage(string text, int maxLength = int.MaxValue)
    {
        ArgumentNullException.ThrowIfNull(text);
        if (IsPlain(text) && text.Length <= maxLength)
            return text;

        var clean = new StringBuilder(Math.Min(text.Length, maxLength));
        for (var i = 0; i < text.Length && clean.Length < maxLength; i++)
        {
            var c = text[i];
            if (char.IsHighSurrogate(c) && i + 1 < text.Length && char.IsLowSurrogate(text[i + 1]))
            {
                if (clean.Length + 2 > maxLength)
                    break;
                clean.Append(c).Append(text[++i]);
            }
            else
            {
                clean.Append(char.IsControl(c) || char.IsSurrogate(c) ? '\uFFFD' : c);
            }
        }

        return clean.ToString();
    }
}
