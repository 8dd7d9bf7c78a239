namespace Portal.Sandbox.Storage;

/// <summary>A parsed label selector: the string form of <c>?labelSelector=</c> and the JSON form of <c>spec.selector</c>.</summary>
internal sealed class LabelSelector
{
    enum Op { Equals, NotEquals, In, NotIn, Exists, DoesNotExist }

    sealed record Requirement(string Key, Op Op, string[] Values);

    readonly List<Requirement> _requirements;

    LabelSelector(List<Requirement> requirements) => _requirements = requirements;

    public static readonly LabelSelector Everything = new([]);

    /// <summary>The first <c>key=value</c> requirement, which the store can answer from its label index.</summary>
    public (string Key, string Value)? FirstEquality =>
        _requirements.FirstOrDefault(r => r.Op == Op.Equals) is { } r ? (r.Key, r.Values[0]) : null;

    /// <summary>True for a JSON selector with no requirements (matches everything, as in the real API).</summary>
    public bool IsEmpty => _requirements.Count == 0;

    public bool Matches(IReadOnlyDictionary<string, string> labels)
    {
        foreach (var r in _requirements)
        {
            var has = labels.TryGetValue(r.Key, out var value);
            var ok = r.Op switch
            {
                Op.Equals => has && value == r.Values[0],
                Op.NotEquals => !has || value != r.Values[0],
                Op.In => has && r.Values.Contains(value),
                Op.NotIn => !has || !r.Values.Contains(value),
                Op.Exists => has,
                Op.DoesNotExist => !has,
                _ => false,
            };
            if (!ok) return false;
        }
        return true;
    }

    /// <summary>Parses the string syntax: <c>a=b,c!=d,e in (f,g),h notin (i),j,!k</c>.</summary>
    public static LabelSelector Parse(string? text)
    {
        if (string.IsNullOrWhiteSpace(text)) return Everything;
        var requirements = new List<Requirement>();
        foreach (var term in SplitTerms(text))
        {
            var t = term.Trim();
            if (t.Length == 0) continue;
            requirements.Add(ParseTerm(t));
        }
        return new LabelSelector(requirements);
    }

    static Requirement ParseTerm(string t)
    {
        if (t.StartsWith('!')) return new(CheckKey(t[1..].Trim()), Op.DoesNotExist, []);
        var inAt = IndexOfWord(t, " notin ");
        if (inAt > 0) return new(CheckKey(t[..inAt].Trim()), Op.NotIn, ParseSet(t[(inAt + 7)..]));
        inAt = IndexOfWord(t, " in ");
        if (inAt > 0) return new(CheckKey(t[..inAt].Trim()), Op.In, ParseSet(t[(inAt + 4)..]));
        var ne = t.IndexOf("!=", StringComparison.Ordinal);
        if (ne > 0) return new(CheckKey(t[..ne].Trim()), Op.NotEquals, [t[(ne + 2)..].Trim()]);
        var eqeq = t.IndexOf("==", StringComparison.Ordinal);
        if (eqeq > 0) return new(CheckKey(t[..eqeq].Trim()), Op.Equals, [t[(eqeq + 2)..].Trim()]);
        var eq = t.IndexOf('=');
        if (eq > 0) return new(CheckKey(t[..eq].Trim()), Op.Equals, [t[(eq + 1)..].Trim()]);
        return new(CheckKey(t), Op.Exists, []);
    }

    static int IndexOfWord(string t, string word)
    {
        var paren = t.IndexOf('(');
        var at = t.IndexOf(word, StringComparison.Ordinal);
        return at > 0 && (paren < 0 || at < paren) ? at : -1;
    }

    static string CheckKey(string key)
    {
        if (key.Length == 0 || NameRules.LabelKeyError(key) is not null)
            throw ApiError.BadRequest($"unable to parse requirement: invalid label key \"{key}\"");
        return key;
    }

    static string[] ParseSet(string rest)
    {
        rest = rest.Trim();
        if (!rest.StartsWith('(') || !rest.EndsWith(')'))
            throw ApiError.BadRequest($"unable to parse requirement: found '{rest}', expected: '('");
        return rest[1..^1].Split(',', StringSplitOptions.TrimEntries | StringSplitOptions.RemoveEmptyEntries);
    }

    /// <summary>Splits on commas that are not inside a parenthesised value set.</summary>
    static IEnumerable<string> SplitTerms(string text)
    {
        var depth = 0;
        var start = 0;
        for (var i = 0; i < text.Length; i++)
        {
            if (text[i] == '(') depth++;
            else if (text[i] == ')') depth--;
            else if (text[i] == ',' && depth == 0)
            {
                yield return text[start..i];
                start = i + 1;
            }
        }
        yield return text[start..];
    }

    /// <summary>Parses a metav1.LabelSelector (matchLabels + matchExpressions).</summary>
    public static LabelSelector FromJson(JsonNode? node)
    {
        if (node is not JsonObject selector) return Everything;
        var requirements = new List<Requirement>();
        foreach (var (k, v) in Json.StringMap(selector["matchLabels"]))
            requirements.Add(new(k, Op.Equals, [v]));
        foreach (var expr in selector.Objects("matchExpressions"))
        {
            var key = expr.Str("key") ?? "";
            var values = expr.Arr("values").Select(n => n?.GetValue<string>() ?? "").ToArray();
            requirements.Add(expr.Str("operator") switch
            {
                "In" => new(key, Op.In, values),
                "NotIn" => new(key, Op.NotIn, values),
                "Exists" => new(key, Op.Exists, []),
                "DoesNotExist" => new(key, Op.DoesNotExist, []),
                var other => throw ApiError.BadRequest($"\"{other}\" is not a valid label selector operator"),
            });
        }
        return new LabelSelector(requirements);
    }
}

/// <summary>A parsed field selector: <c>metadata.name=x,status.phase!=Running</c>.</summary>
internal sealed class FieldSelector
{
    readonly List<(string Path, bool Negate, string Value)> _terms;

    FieldSelector(List<(string, bool, string)> terms) => _terms = terms;

    public static readonly FieldSelector Everything = new([]);

    public static FieldSelector Parse(string? text)
    {
        if (string.IsNullOrWhiteSpace(text)) return Everything;
        var terms = new List<(string, bool, string)>();
        foreach (var raw in text.Split(','))
        {
            var t = raw.Trim();
            if (t.Length == 0) continue;
            var ne = t.IndexOf("!=", StringComparison.Ordinal);
            if (ne > 0) { terms.Add((t[..ne], true, t[(ne + 2)..])); continue; }
            var eqeq = t.IndexOf("==", StringComparison.Ordinal);
            if (eqeq > 0) { terms.Add((t[..eqeq], false, t[(eqeq + 2)..])); continue; }
            var eq = t.IndexOf('=');
            if (eq > 0) { terms.Add((t[..eq], false, t[(eq + 1)..])); continue; }
            throw ApiError.BadRequest($"invalid selector: '{text}'; can't understand '{t}'");
        }
        return new FieldSelector(terms);
    }

    /// <summary>The name pinned by <c>metadata.name=</c>, which lets the store answer with one lookup.</summary>
    public string? ExactName => _terms.FirstOrDefault(t => t.Path == "metadata.name" && !t.Negate).Value;

    public bool Matches(JsonObject obj)
    {
        foreach (var (path, negate, value) in _terms)
        {
            var actual = obj.FieldValue(path) ?? "";
            if ((actual == value) == negate) return false;
        }
        return true;
    }
}
