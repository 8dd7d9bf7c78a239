namespace Portal.Sandbox.Admission;

internal enum QuantityFormat { DecimalSI, BinarySI, DecimalExponent }

/// <summary>A resource.Quantity: an exact decimal value plus the format it was written in, used when printing it back.</summary>
internal readonly record struct Quantity(decimal Value, QuantityFormat Format)
{
    public static readonly Quantity Zero = new(0, QuantityFormat.DecimalSI);

    static readonly (string Suffix, decimal Factor)[] Binary =
        [("Ki", 1024m), ("Mi", 1024m * 1024), ("Gi", 1024m * 1024 * 1024), ("Ti", 1024m * 1024 * 1024 * 1024), ("Pi", 1024m * 1024 * 1024 * 1024 * 1024), ("Ei", 1024m * 1024 * 1024 * 1024 * 1024 * 1024)];
    static readonly (string Suffix, int Exponent)[] Decimal =
        [("n", -9), ("u", -6), ("m", -3), ("k", 3), ("M", 6), ("G", 9), ("T", 12), ("P", 15), ("E", 18)];

    public static bool TryParse(string? text, out Quantity quantity)
    {
        quantity = Zero;
        if (string.IsNullOrWhiteSpace(text)) return false;
        text = text.Trim();
        foreach (var (suffix, factor) in Binary)
            if (text.EndsWith(suffix, StringComparison.Ordinal) && TryNumber(text[..^2], out var n))
            {
                quantity = new(n * factor, QuantityFormat.BinarySI);
                return true;
            }
        var e = text.IndexOfAny(['e', 'E']);
        if (e > 0 && int.TryParse(text[(e + 1)..], NumberStyles.AllowLeadingSign, CultureInfo.InvariantCulture, out var exp) && TryNumber(text[..e], out var mantissa))
        {
            quantity = new(mantissa * Pow10(exp), QuantityFormat.DecimalExponent);
            return true;
        }
        foreach (var (suffix, exponent) in Decimal)
            if (text.EndsWith(suffix, StringComparison.Ordinal) && TryNumber(text[..^1], out var n))
            {
                quantity = new(n * Pow10(exponent), QuantityFormat.DecimalSI);
                return true;
            }
        if (!TryNumber(text, out var plain)) return false;
        quantity = new(plain, QuantityFormat.DecimalSI);
        return true;
    }

    public static Quantity Parse(JsonNode? node) => node switch
    {
        JsonValue v when v.TryGetValue<string>(out var s) && TryParse(s, out var q) => q,
        JsonValue v when decimal.TryParse(v.ToJsonString(), NumberStyles.Float, CultureInfo.InvariantCulture, out var d) => new(d, QuantityFormat.DecimalSI),
        _ => Zero,
    };

    static bool TryNumber(string s, out decimal value) =>
        decimal.TryParse(s, NumberStyles.AllowDecimalPoint | NumberStyles.AllowLeadingSign, CultureInfo.InvariantCulture, out value);

    static decimal Pow10(int exponent)
    {
        var result = 1m;
        for (var i = 0; i < Math.Abs(exponent); i++) result *= 10;
        return exponent < 0 ? 1 / result : result;
    }

    public static Quantity operator +(Quantity a, Quantity b) => new(a.Value + b.Value, a.Value == 0 ? b.Format : a.Format);

    /// <summary>Canonical form, like Quantity.String(): the largest suffix that represents the value exactly.</summary>
    public override string ToString()
    {
        var v = Value;
        if (v == 0) return "0";
        if (Format == QuantityFormat.BinarySI && v == decimal.Truncate(v) && Math.Abs(v) >= 1024)
        {
            for (var i = Binary.Length - 1; i >= 0; i--)
                if (v % Binary[i].Factor == 0) return (v / Binary[i].Factor).ToString(CultureInfo.InvariantCulture) + Binary[i].Suffix;
        }
        if (Format == QuantityFormat.BinarySI && v == decimal.Truncate(v))
            return v.ToString(CultureInfo.InvariantCulture);
        for (var exponent = 18; exponent >= -9; exponent -= 3)
        {
            var scaled = v / Pow10(exponent);
            if (scaled != decimal.Truncate(scaled)) continue;
            var number = scaled.ToString("0", CultureInfo.InvariantCulture);
            if (exponent == 0) return number;
            return Format == QuantityFormat.DecimalExponent
                ? $"{number}e{exponent}"
                : number + Decimal.First(d => d.Exponent == exponent).Suffix;
        }
        return v.ToString(CultureInfo.InvariantCulture);
    }
}

/// <summary>Resource arithmetic over pods and other objects, shared by quota admission and the quota controller.</summary>
internal static class Quantities
{
    static readonly string[] ComputeResources = ["cpu", "memory", "ephemeral-storage"];

    /// <summary>What one object adds to a namespace's usage, keyed by quota resource name.</summary>
    public static Dictionary<string, Quantity> UsageOf(ResourceKind kind, JsonObject obj)
    {
        var usage = new Dictionary<string, Quantity>(StringComparer.Ordinal);
        var one = new Quantity(1, QuantityFormat.DecimalSI);
        usage[kind.Group.Length == 0 ? $"count/{kind.Plural}" : $"count/{kind.Plural}.{kind.Group}"] = one;
        if (kind == ResourceCatalog.Pods)
        {
            if (obj.Str("status", "phase") is "Succeeded" or "Failed") return [];
            usage["pods"] = one;
            foreach (var resource in ComputeResources)
            {
                var requests = PodTotal(obj, "requests", resource);
                var limits = PodTotal(obj, "limits", resource);
                if (requests.Value != 0)
                {
                    usage["requests." + resource] = requests;
                    if (resource != "ephemeral-storage") usage[resource] = requests;
                }
                if (limits.Value != 0) usage["limits." + resource] = limits;
            }
        }
        else if (kind == ResourceCatalog.Services)
        {
            usage["services"] = one;
            var type = obj.Str("spec", "type");
            if (type == "LoadBalancer") usage["services.loadbalancers"] = one;
            if (type is "NodePort" or "LoadBalancer")
                usage["services.nodeports"] = new(obj.Arr("spec", "ports").Count, QuantityFormat.DecimalSI);
        }
        else if (kind == ResourceCatalog.PersistentVolumeClaims)
        {
            // pkg/quota/v1/evaluator/core/persistent_volume_claims.go Usage: the claim's class from the beta annotation,
            // else spec.storageClassName; storage is max(request, status.allocatedResources).
            usage["persistentvolumeclaims"] = one;
            var storageClass = obj.Str("metadata", "annotations", "volume.beta.kubernetes.io/storage-class") ?? obj.Str("spec", "storageClassName") ?? "";
            if (storageClass.Length > 0) usage[$"{storageClass}.storageclass.storage.k8s.io/persistentvolumeclaims"] = one;
            var request = Quantity.Parse(obj.Node("spec", "resources", "requests", "storage"));
            var allocated = Quantity.Parse(obj.Node("status", "allocatedResources", "storage"));
            var storage = allocated.Value > request.Value ? allocated : request;
            if (storage.Value != 0)
            {
                usage["requests.storage"] = storage;
                if (storageClass.Length > 0) usage[$"{storageClass}.storageclass.storage.k8s.io/requests.storage"] = storage;
            }
        }
        else if (kind == ResourceCatalog.ConfigMaps) usage["configmaps"] = one;
        else if (kind == ResourceCatalog.Secrets) usage["secrets"] = one;
        else if (kind == ResourceCatalog.ResourceQuotas) usage["resourcequotas"] = one;
        return usage;
    }

    /// <summary>Pod total as the scheduler and quota see it: max(sum of containers, largest init container).</summary>
    public static Quantity PodTotal(JsonObject pod, string field, string resource)
    {
        var sum = Quantity.Zero;
        foreach (var c in pod.Objects("spec", "containers")) sum += Quantity.Parse(c.Node("resources", field, resource));
        foreach (var c in pod.Objects("spec", "initContainers"))
        {
            var q = Quantity.Parse(c.Node("resources", field, resource));
            if (q.Value > sum.Value) sum = q;
        }
        return sum;
    }

    public static string QosClass(JsonObject pod)
    {
        var containers = pod.Objects("spec", "containers").Concat(pod.Objects("spec", "initContainers")).ToList();
        var any = containers.Any(c => c.Node("resources", "requests") is JsonObject { Count: > 0 } || c.Node("resources", "limits") is JsonObject { Count: > 0 });
        if (!any) return "BestEffort";
        var guaranteed = containers.All(c =>
            new[] { "cpu", "memory" }.All(r =>
            {
                var limit = c.Node("resources", "limits", r);
                if (limit is null) return false;
                var request = c.Node("resources", "requests", r);
                return request is null || Quantity.Parse(request).Value == Quantity.Parse(limit).Value;
            }));
        return guaranteed ? "Guaranteed" : "Burstable";
    }
}
