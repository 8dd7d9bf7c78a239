using System.Globalization;

namespace Portal.Core.Clusters;

/// <summary>
/// Parses Kubernetes resource quantities ("500m", "2", "1.5", "2Gi", "1e3") to their numeric value, following the
/// grammar of k8s.io/apimachinery/pkg/api/resource: a signed decimal number followed by a binary-SI suffix
/// (Ki..Ei), a decimal-SI suffix (m, k, M..E) or a decimal exponent (e3, E-2).
/// </summary>
public static class KubernetesQuantity
{
    private static readonly (string Suffix, decimal Factor)[] Suffixes =
    [
        // Two-letter binary suffixes first so "Mi" is not read as "M" plus garbage.
        ("Ki", 1024m), ("Mi", 1024m * 1024), ("Gi", 1024m * 1024 * 1024), ("Ti", 1024m * 1024 * 1024 * 1024),
        ("Pi", 1024m * 1024 * 1024 * 1024 * 1024), ("Ei", 1024m * 1024 * 1024 * 1024 * 1024 * 1024),
        ("m", 0.001m), ("k", 1e3m), ("M", 1e6m), ("G", 1e9m), ("T", 1e12m), ("P", 1e15m), ("E", 1e18m),
    ];

    /// <summary>Parses <paramref name="text"/>; false when it is not a quantity or its value overflows.</summary>
    public static bool TryParse(string? text, out decimal value)
    {
        value = 0;
        if (string.IsNullOrEmpty(text) || text.Length > 64)
            return false;

        var numberEnd = NumberEnd(text);
        if (numberEnd == 0 || !TryParseNumber(text[..numberEnd], out var number))
            return false;

        var suffix = text[numberEnd..];
        if (suffix.Length == 0)
        {
            value = number;
            return true;
        }

        foreach (var (candidate, factor) in Suffixes)
        {
            if (suffix == candidate)
                return TryMultiply(number, factor, out value);
        }

        // A decimal exponent: 'e' or 'E' followed by a signed integer. "E" alone is the exa suffix, handled above.
        if (suffix[0] is 'e' or 'E'
            && int.TryParse(suffix.AsSpan(1), NumberStyles.AllowLeadingSign, CultureInfo.InvariantCulture, out var exponent)
            && exponent is >= -27 and <= 27)
        {
            return TryMultiply(number, Pow10(exponent), out value);
        }

        return false;
    }

    /// <summary>Index just past the signed decimal number at the start of <paramref name="text"/>.</summary>
    private static int NumberEnd(string text)
    {
        var i = text[0] is '+' or '-' ? 1 : 0;
        while (i < text.Length && (char.IsAsciiDigit(text[i]) || text[i] == '.'))
            i++;
        return i;
    }

    private static bool TryParseNumber(string number, out decimal value)
    {
        value = 0;
        var unsigned = number.TrimStart('+', '-');
        // The grammar allows "1", "1.", ".5" and "1.5" but not "." or "1.2.3", and at most one sign.
        if (unsigned.Length == 0 || unsigned == "." || unsigned.Count(c => c == '.') > 1 || number.Length - unsigned.Length > 1)
            return false;
        return decimal.TryParse(number, NumberStyles.AllowLeadingSign | NumberStyles.AllowDecimalPoint, CultureInfo.InvariantCulture, out value);
    }

    private static bool TryMultiply(decimal number, decimal factor, out decimal value)
    {
        try
        {
            value = number * factor;
            return true;
        }
        catch (OverflowException)
        {
            value = 0;
            return false;
        }
    }

    private static decimal Pow10(int exponent)
    {
        var result = 1m;
        for (var i = 0; i < Math.Abs(exponent); i++)
            result *= 10;
        return exponent < 0 ? 1 / result : result;
    }
}
