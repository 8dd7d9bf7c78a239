using System.Buffers;
using System.Diagnostics.CodeAnalysis;
using System.Security.Cryptography;
using System.Text;

namespace Portal.Core.Identity;

/// <summary>
/// The text form of a personal access token, <c>spk_&lt;prefix&gt;_&lt;secret&gt;</c>: a fixed marker that secret
/// scanners and the authentication handler recognise, a 12-character public lookup prefix, and a 43-character
/// base62 secret carrying 256 random bits.
/// </summary>
public static class TokenText
{
    /// <summary>Marker every token starts with.</summary>
    public const string Marker = "spk_";

    /// <summary>Length of the lookup prefix.</summary>
    public const int PrefixLength = 12;

    /// <summary>Length of the secret: 43 base62 characters hold log2(62) × 43 ≈ 256.03 bits.</summary>
    public const int SecretLength = 43;

    /// <summary>Length of every well-formed token.</summary>
    public const int Length = 4 + PrefixLength + 1 + SecretLength;

    // Base62 rather than base64url: no '_' or '-' inside the parts, so a double-click selects the whole token and
    // the separators are unambiguous.
    const string Alphabet = "0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz";

    static readonly SearchValues<char> AlphabetValues = SearchValues.Create(Alphabet);

    /// <summary>Makes a fresh random token; returns its parts and full text.</summary>
    public static (string Prefix, string Secret, string Text) Generate()
    {
        // GetItems picks uniformly (it rejects biased samples), so every character carries log2(62) bits.
        var prefix = new string(RandomNumberGenerator.GetItems<char>(Alphabet, PrefixLength));
        var secret = new string(RandomNumberGenerator.GetItems<char>(Alphabet, SecretLength));
        return (prefix, secret, Marker + prefix + "_" + secret);
    }

    /// <summary>True when <paramref name="text"/> looks like a personal access token (the marker is enough).</summary>
    public static bool HasMarker(ReadOnlySpan<char> text) => text.StartsWith(Marker, StringComparison.Ordinal);

    /// <summary>Splits a well-formed token into its prefix and secret; false for anything else.</summary>
    public static bool TryParse(
        string? text, [NotNullWhen(true)] out string? prefix, [NotNullWhen(true)] out string? secret)
    {
        prefix = secret = null;
        if (text is null || text.Length != Length || !HasMarker(text) || text[Marker.Length + PrefixLength] != '_')
        {
            return false;
        }

        var p = text.AsSpan(Marker.Length, PrefixLength);
        var s = text.AsSpan(Marker.Length + PrefixLength + 1);
        if (p.ContainsAnyExcept(AlphabetValues) || s.ContainsAnyExcept(AlphabetValues))
        {
            return false;
        }

        prefix = p.ToString();
        secret = s.ToString();
        return true;
    }

    /// <summary>
    /// SHA-256 of <paramref name="secret"/>. A fast hash is enough: the secret has 256 random bits, so there is
    /// nothing for a slow, salted password hash to protect against.
    /// </summary>
    public static byte[] Hash(string secret) => SHA256.HashData(Encoding.ASCII.GetBytes(secret));

    /// <summary>Compares <paramref name="secret"/> with a stored hash in constant time.</summary>
    public static bool Matches(string secret, ReadOnlySpan<byte> storedHash) =>
        CryptographicOperations.FixedTimeEquals(Hash(secret), storedHash);
}
