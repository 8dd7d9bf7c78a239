using System.Text.Json;
using System.Text.RegularExpressions;
using YamlDotNet.RepresentationModel;

namespace Portal.Web.Tests.Operations;

/// <summary>
/// docker-compose.yml, the Keycloak realm it imports and the portal's settings in it agree, so `docker compose up`
/// signs people in. (Docker can't run here; this reads the files as Compose and Keycloak would.)
/// </summary>
public sealed partial class ComposeTests
{
    private static readonly YamlMappingNode Services = LoadServices();
    private static readonly JsonElement Realm = JsonDocument.Parse(File.ReadAllText(RealmFile())).RootElement;
    private static readonly Dictionary<string, string> Portal = Environment("portal");
    private static readonly JsonElement Client = Realm.GetProperty("clients").EnumerateArray().Single(c => c.GetProperty("clientId").GetString() == Portal["Authentication__OpenIdConnect__ClientId"]);

    private const string PortalUrl = "http://localhost:5000";

    [Fact]
    public void The_stack_is_postgres_keycloak_and_the_portal()
    {
        Assert.Equal(["keycloak", "portal", "postgres"], [.. Services.Children.Keys.Select(k => ((YamlScalarNode)k).Value!).Order()]);
    }

    [Fact]
    public void Keycloak_imports_the_realm_from_the_repository()
    {
        var keycloak = (YamlMappingNode)Services["keycloak"];
        var command = ((YamlSequenceNode)keycloak["command"]).Select(n => ((YamlScalarNode)n).Value).ToList();
        var volumes = ((YamlSequenceNode)keycloak["volumes"]).Select(n => ((YamlScalarNode)n).Value!).ToList();

        Assert.Contains("--import-realm", command);
        Assert.Contains("./deploy/compose/spark-realm.json:/opt/keycloak/data/import/spark-realm.json:ro", volumes);
    }

    [Fact]
    public void The_portal_authority_is_the_realm_issuer_keycloak_announces()
    {
        var hostname = Environment("keycloak")["KC_HOSTNAME"];

        Assert.Equal($"{hostname}/realms/{Realm.GetProperty("realm").GetString()}", Portal["Authentication__OpenIdConnect__Authority"]);
    }

    [Fact]
    public void The_portal_client_secret_is_the_realm_client_secret()
    {
        Assert.Equal(Client.GetProperty("secret").GetString(), Portal["Authentication__OpenIdConnect__ClientSecret"]);
    }

    [Fact]
    public void The_realm_client_allows_the_portal_redirect_and_sign_out_uris()
    {
        var redirects = Client.GetProperty("redirectUris").EnumerateArray().Select(u => u.GetString()).ToList();
        var signOut = Client.GetProperty("attributes").GetProperty("post.logout.redirect.uris").GetString()!.Split("##");

        Assert.Contains($"{PortalUrl}/signin-oidc", redirects);
        Assert.Contains($"{PortalUrl}/signout-callback-oidc", signOut);
    }

    [Fact]
    public void The_realm_puts_groups_in_the_claim_the_portal_reads()
    {
        var mapper = Client.GetProperty("protocolMappers").EnumerateArray().Single(m => m.GetProperty("protocolMapper").GetString() == "oidc-group-membership-mapper");

        Assert.Equal((Portal["Authentication__OpenIdConnect__GroupsClaim"], "false"),
            (mapper.GetProperty("config").GetProperty("claim.name").GetString(), mapper.GetProperty("config").GetProperty("full.path").GetString()));
    }

    [Fact]
    public void Every_mapped_group_exists_in_the_realm_and_has_a_user()
    {
        var mapped = Portal.Where(e => GroupKey().IsMatch(e.Key)).Select(e => e.Value).ToList();
        var groups = Realm.GetProperty("groups").EnumerateArray().Select(g => g.GetProperty("name").GetString()).ToList();
        var members = Realm.GetProperty("users").EnumerateArray().SelectMany(u => u.GetProperty("groups").EnumerateArray().Select(g => g.GetString()!.TrimStart('/'))).ToHashSet();

        Assert.Equal(2, mapped.Count);
        Assert.All(mapped, g => Assert.Contains(g, groups));
        Assert.All(mapped, g => Assert.Contains(g, members));
    }

    [Fact]
    public void The_demo_group_maps_to_the_tenant_the_portal_seeds()
    {
        var index = GroupKey().Match(Portal.Single(e => GroupKey().IsMatch(e.Key) && e.Value == "spark-demo").Key).Groups["i"].Value;

        Assert.Equal("default", Portal[$"Authentication__GroupMappings__{index}__Tenant"]);
    }

    [Fact]
    public void Every_setting_the_compose_file_gives_the_portal_is_a_key_the_portal_binds()
    {
        Assert.All(Portal.Keys, key => Assert.True(ConfigurationKeys.IsBound(key), $"{key} is not a configuration key of the portal"));
    }

    [Theory]
    [InlineData("Authentication__OpenIdConnect__ClientSecrets")]
    [InlineData("Telemetry__Prometheus__Enabled")]
    [InlineData("Authentication__GroupMappings__first__Group")]
    public void A_key_nothing_binds_is_told_apart(string key) => Assert.False(ConfigurationKeys.IsBound(key));

    [Theory]
    [MemberData(nameof(DeployRenderTests.Overlays), MemberType = typeof(DeployRenderTests))]
    public void Every_setting_an_overlay_gives_the_portal_is_a_key_the_portal_binds(string overlay)
    {
        var objects = DeployManifests.Render($"overlays/{overlay}");
        var keys = objects.OfType<k8s.Models.V1ConfigMap>().SelectMany(m => m.Data.Keys)
            .Concat(objects.OfType<k8s.Models.V1Deployment>().SelectMany(d => d.Spec.Template.Spec.Containers).SelectMany(c => c.Env).Select(e => e.Name));

        Assert.All(keys, key => Assert.True(ConfigurationKeys.IsBound(key), $"{key} is not a configuration key of the portal"));
    }

    [GeneratedRegex(@"^Authentication__GroupMappings__(?<i>\d+)__Group$")]
    private static partial Regex GroupKey();

    [GeneratedRegex(@"^\$\{(?<name>[A-Z0-9_]+):-(?<default>[^}]*)\}$")]
    private static partial Regex Interpolation();

    private static YamlMappingNode LoadServices()
    {
        var yaml = new YamlStream();
        yaml.Load(new StringReader(File.ReadAllText(Path.Combine(DeployManifests.RepositoryRoot, "docker-compose.yml"))));
        return (YamlMappingNode)((YamlMappingNode)yaml.Documents[0].RootNode)["services"];
    }

    private static string RealmFile() => Path.Combine(DeployManifests.RepositoryRoot, "deploy", "compose", "spark-realm.json");

    /// <summary>A service's environment as Compose resolves it with no variables set: ${NAME:-default} is the default.</summary>
    private static Dictionary<string, string> Environment(string service) =>
        ((YamlMappingNode)((YamlMappingNode)Services[service])["environment"]).Children.ToDictionary(
            e => ((YamlScalarNode)e.Key).Value!,
            e => Interpolation().Match(((YamlScalarNode)e.Value).Value!) is { Success: true } m ? m.Groups["default"].Value : ((YamlScalarNode)e.Value).Value!);
}
