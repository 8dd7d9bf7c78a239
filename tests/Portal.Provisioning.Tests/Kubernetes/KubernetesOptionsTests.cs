using System.ComponentModel.DataAnnotations;
using Portal.Provisioning.Kubernetes;

namespace Portal.Provisioning.Tests.Kubernetes;

public class KubernetesOptionsTests
{
    static List<ValidationResult> Validate(KubernetesOptions options)
    {
        var results = new List<ValidationResult>();
        Validator.TryValidateObject(options, new ValidationContext(options), results, validateAllProperties: true);
        return results;
    }

    [Fact]
    public void The_defaults_are_valid()
    {
        Assert.Empty(Validate(new KubernetesOptions()));
    }

    [Fact]
    public void An_egress_entry_that_is_not_a_cidr_is_refused()
    {
        var errors = Validate(new KubernetesOptions { EgressAllowCidrs = ["10.0.0.0/8", "storage.example.com"] });

        Assert.Contains(nameof(KubernetesOptions.EgressAllowCidrs), Assert.Single(errors).MemberNames);
    }

    [Fact]
    public void A_container_size_that_is_not_a_quantity_is_refused()
    {
        var errors = Validate(new KubernetesOptions { MaxContainerMemory = "lots" });

        Assert.Contains(nameof(KubernetesOptions.MaxContainerMemory), Assert.Single(errors).MemberNames);
    }

    [Fact]
    public void A_kubeconfig_path_that_does_not_exist_is_refused()
    {
        var errors = Validate(new KubernetesOptions { Kubeconfig = "/nonexistent/kubeconfig" });

        Assert.Contains(nameof(KubernetesOptions.Kubeconfig), Assert.Single(errors).MemberNames);
    }

    [Fact]
    public void An_explicit_kubeconfig_wins_over_everything_else()
    {
        var mode = KubernetesConnection.DetectMode(new KubernetesOptions { Kubeconfig = "/etc/portal/kubeconfig" });

        Assert.Equal(KubernetesMode.ExplicitKubeconfig, mode);
    }
}
