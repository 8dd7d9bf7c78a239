using System.Text.RegularExpressions;

namespace Portal.Web.Tests.Operations;

/// <summary>The README's configuration reference and its install section say only what is true of the code and deploy/.</summary>
public sealed partial class ReadmeTests
{
    private static readonly string Readme = File.ReadAllText(Path.Combine(DeployManifests.RepositoryRoot, "README.md"));

    /// <summary>Keys named in the first column of the Configuration table.</summary>
    private static List<string> ReferenceKeys()
    {
        var table = Readme[Readme.IndexOf("## Configuration", StringComparison.Ordinal)..];
        table = table[..table.IndexOf("\n## ", 3, StringComparison.Ordinal)];
        var keys = new List<string>();
        foreach (var row in table.Split('\n').Where(l => l.StartsWith("| `", StringComparison.Ordinal)))
        {
            var firstCell = row.Split('|')[1];
            string? parent = null;
            foreach (Match m in Code().Matches(firstCell))
            {
                var name = m.Groups[1].Value.TrimEnd('*').TrimEnd(':');
                if (name.Contains(':', StringComparison.Ordinal))
                {
                    parent = name[..name.LastIndexOf(':')];
                    keys.Add(name);
                }
                else
                {
                    // `Sandbox:*` names a whole section; a bare name after a key is that key's sibling.
                    keys.Add(parent is null ? name : $"{parent}:{name}");
                }
            }
        }

        return keys;
    }

    [Fact]
    public void Every_key_in_the_configuration_reference_is_one_the_portal_binds()
    {
        var stale = ReferenceKeys().Where(k => !ConfigurationKeys.IsBoundOrSection(k)).ToList();

        Assert.True(stale.Count == 0, "Not bound by any options class: " + string.Join(", ", stale));
    }

    [Fact]
    public void Every_options_section_appears_in_the_configuration_reference()
    {
        var keys = ReferenceKeys();

        var missing = ConfigurationKeys.Sections.Select(s => s.Section).Distinct()
            .Where(section => !keys.Any(k => k.StartsWith(section + ":", StringComparison.OrdinalIgnoreCase) || string.Equals(k, section, StringComparison.OrdinalIgnoreCase)))
            .ToList();

        Assert.True(missing.Count == 0, "Options sections the README doesn't mention: " + string.Join(", ", missing));
    }

    [Fact]
    public void The_install_section_names_only_overlays_and_secrets_that_deploy_has()
    {
        var install = Readme[Readme.IndexOf("## Install on Kubernetes", StringComparison.Ordinal)..];
        install = install[..install.IndexOf("\n## ", 3, StringComparison.Ordinal)];
        var overlays = OverlayPath().Matches(install).Select(m => m.Groups[1].Value).Distinct().ToList();
        var secrets = SecretName().Matches(install).Select(m => m.Groups[1].Value).Distinct().ToList();
        var referenced = DeployManifests.Overlays.SelectMany(o => SecretReference().Matches(DeployManifests.RenderYaml($"overlays/{o}")).Select(m => m.Groups[1].Value)).ToHashSet();

        Assert.Multiple(
            () => Assert.Equal(DeployManifests.Overlays.Order(), overlays.Order()),
            () => Assert.NotEmpty(secrets),
            () => Assert.All(secrets, s => Assert.Contains(s, referenced)));
    }

    [GeneratedRegex("`([^`]+)`")]
    private static partial Regex Code();

    [GeneratedRegex(@"deploy/overlays/([a-z0-9-]+)")]
    private static partial Regex OverlayPath();

    [GeneratedRegex(@"create secret (?:generic|tls) ([a-z0-9-]+)")]
    private static partial Regex SecretName();

    // secretKeyRef names, and the Ingress's TLS secretName.
    [GeneratedRegex(@"(?:secretName|name): (spark-portal-[a-z0-9-]+)")]
    private static partial Regex SecretReference();
}
