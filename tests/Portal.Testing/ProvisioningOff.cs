using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Portal.Provisioning.Reconciler;

namespace Portal.Testing;

/// <summary>Test-only changes to the portal's service registrations.</summary>
public static class ProvisioningOff
{
    /// <summary>
    /// Removes the provisioning hosted service, for hosts whose tests assert what the API and identity record: a
    /// reconciler writing status meanwhile would move phases and versions under them. Portal.Provisioning.Tests cover
    /// reconciling.
    /// </summary>
    public static IServiceCollection RemoveProvisioning(this IServiceCollection services)
    {
        foreach (var provisioning in services.Where(IsProvisioningService).ToList())
            services.Remove(provisioning);
        return services;
    }

    static bool IsProvisioningService(ServiceDescriptor service) =>
        service.ServiceType == typeof(IHostedService)
        && (service.ImplementationType == typeof(ProvisioningService)
            || service.ImplementationFactory?.Method.ReturnType == typeof(ProvisioningService));
}
