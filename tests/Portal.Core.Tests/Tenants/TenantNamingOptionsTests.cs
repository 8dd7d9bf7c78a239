using System.ComponentModel.DataAnnotations;
using Portal.Core.Tenants;

namespace Portal.Core.Tests.Tenants;

public class TenantNamingOptionsTests
{
    [Fact]
    public void A_tenants_namespace_is_the_prefix_and_the_slug()
    {
        var naming = new TenantNamingOptions { NamespacePrefix = "team-" };

        Assert.Equal("team-data-science", naming.NamespaceFor("data-science"));
    }

    [Fact]
    public void A_long_namespace_is_cut_to_a_dns_label_without_a_trailing_dash()
    {
        var naming = new TenantNamingOptions();

        var name = naming.NamespaceFor(new string('a', 56) + "-bcdef");

        Assert.Equal("spark-" + new string('a', 56), name);
    }

    [Fact]
    public void A_prefix_with_upper_case_is_refused()
    {
        var options = new TenantNamingOptions { NamespacePrefix = "Spark-" };
        var results = new List<ValidationResult>();

        Validator.TryValidateObject(options, new ValidationContext(options), results, validateAllProperties: true);

        Assert.Contains(nameof(TenantNamingOptions.NamespacePrefix), Assert.Single(results).MemberNames);
    }
}
