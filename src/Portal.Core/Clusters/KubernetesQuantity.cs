using k8s.Models;

namespace Portal.Core.Clusters;

/// <summary>
/// Kubernetes resource quantities ("500m", "2", "1.5", "2Gi", "1e3") read with KubernetesClient's
/// <see cref="ResourceQuantity"/>, the type the manifests render, so what validates is what renders: a signed decimal
/// number followed by a binary-SI suffix (Ki..Ei), a decimal-SI suffix (n, u, m, k, M..E) or a decimal exponent.
/// </summary>
public static class KubernetesQuantity
{
    /// <summary>Parses <paramref name="text"/>; false when it is not a quantity or its value overflows.</summary>
    public static bool TryParse(string? text, out decimal value)
    {
        value = 0;
        // ResourceQuantity trims blanks inside ("2 Gi") where apimachinery's ParseQuantity refuses them, and caps a
        // value past its range at the largest it holds instead of refusing it: both are refused here as the API server does.
        if (string.IsNullOrEmpty(text) || text.Length > 64 || text.Any(char.IsWhiteSpace))
            return false;

        try
        {
            value = new ResourceQuantity(text).ToDecimal();
        }
        catch (Exception e) when (e is FormatException or ArgumentException or OverflowException)
        {
            return false;
        }

        if (Math.Abs(value) < ResourceQuantity.MaxAllowed)
            return true;
        value = 0;
        return false;
    }
}
