using System.Collections;
using System.Reflection;

namespace Portal.Web.Tests.Operations;

/// <summary>
/// Whether a configuration key is one the portal binds: a path through an options class (every type in the portal's
/// assemblies with a <c>Section</c> constant), a connection string, or a variable a framework the portal uses reads.
/// </summary>
public static class ConfigurationKeys
{
    private static readonly string[] FrameworkPrefixes = ["ASPNETCORE_", "DOTNET_", "OTEL_"];

    /// <summary>Every options section of the portal and the class bound from it.</summary>
    public static readonly IReadOnlyList<(string Section, Type Options)> Sections =
    [
        .. from assembly in new[] { typeof(Portal.Core.PortalOptions), typeof(Portal.Provisioning.Kubernetes.KubernetesOptions), typeof(Program), typeof(Portal.Sandbox.SandboxOptions) }.Select(t => t.Assembly)
           from type in assembly.GetTypes()
           let field = type.GetField("Section", BindingFlags.Public | BindingFlags.Static)
           where field is { IsLiteral: true } && field.FieldType == typeof(string)
           select ((string)field.GetRawConstantValue()!, type),
    ];

    /// <summary>An environment variable's name (<c>A__B</c>) or a key (<c>A:B</c>), true when the portal binds it.</summary>
    public static bool IsBound(string key)
    {
        if (FrameworkPrefixes.Any(p => key.StartsWith(p, StringComparison.Ordinal)))
            return true;
        var path = key.Replace("__", ":", StringComparison.Ordinal).Split(':');
        if (path is ["ConnectionStrings", "Portal"])
            return true;
        return Sections.Any(s => Resolves(s, path));
    }

    /// <summary>A key, or a whole section or complex setting (what a README row's <c>Section:*</c> names).</summary>
    public static bool IsBoundOrSection(string key) =>
        Sections.Any(s => string.Equals(s.Section, key, StringComparison.OrdinalIgnoreCase)) || IsBound(key);

    private static bool Resolves((string Section, Type Options) section, string[] path)
    {
        var prefix = section.Section.Split(':');
        if (path.Length <= prefix.Length || !prefix.SequenceEqual(path[..prefix.Length], StringComparer.OrdinalIgnoreCase))
            return false;
        var type = section.Options;
        foreach (var segment in path[prefix.Length..])
        {
            if (ElementType(type) is { } element)
            {
                if (!int.TryParse(segment, out _))
                    return false;
                type = element;
                continue;
            }

            var property = type.GetProperty(segment, BindingFlags.Public | BindingFlags.Instance | BindingFlags.IgnoreCase);
            if (property is null || !property.CanWrite && !typeof(IEnumerable).IsAssignableFrom(property.PropertyType))
                return false;
            type = Nullable.GetUnderlyingType(property.PropertyType) ?? property.PropertyType;
        }

        return true;
    }

    private static Type? ElementType(Type type) =>
        type != typeof(string) && type.IsGenericType && typeof(IEnumerable).IsAssignableFrom(type) && type.GetGenericArguments() is [var element]
            ? element
            : null;
}
