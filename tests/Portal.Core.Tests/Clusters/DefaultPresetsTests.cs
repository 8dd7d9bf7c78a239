using Portal.Core.Clusters;
using Portal.Core.Tenants;
using static Portal.Testing.Builders;

namespace Portal.Core.Tests.Clusters;

/// <summary>The presets a new tenant is offered can be created in a new tenant: what a default buys, it can use.</summary>
public sealed class DefaultPresetsTests
{
    public static TheoryData<string> DefaultPresetNames => [.. TenantPolicy.DefaultPresets.Select(p => p.Name)];

    [Theory]
    [MemberData(nameof(DefaultPresetNames))]
    public void A_default_preset_fits_the_default_tenant_quota(string name)
    {
        var preset = TenantPolicy.DefaultPresets.Single(p => p.Name == name);
        var tenant = ATenant().Build();
        // With the default master and image, so with a Connect server: the largest a preset click asks for.
        var request = new CreateClusterRequest
        {
            Name = "preset", Workers = preset.Workers, WorkerCores = preset.WorkerCores, WorkerMemory = preset.WorkerMemory,
        };
        var spec = ClusterRequestValidator.Resolve(request, new ClusterOptions(), tenant.Policy).Value
                   ?? throw new InvalidOperationException($"The {name} preset is not a valid request.");

        Assert.Null(ClusterAdmission.Check(tenant, [], spec));
    }
}
