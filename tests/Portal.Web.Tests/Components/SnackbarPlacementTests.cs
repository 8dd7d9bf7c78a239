using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Options;
using MudBlazor;

namespace Portal.Web.Tests.Components;

/// <summary>Where the portal's toasts appear: never over the actions pages keep at their top right.</summary>
public sealed class SnackbarPlacementTests(PortalApp app) : IClassFixture<PortalApp>
{
    [Fact]
    public void Toasts_appear_at_the_bottom_left_away_from_the_cluster_pages_actions()
    {
        // The portal's own registration, from which each circuit's ISnackbar is made (not the test context's
        // MudBlazor defaults); the service itself needs a circuit's NavigationManager.
        var configuration = app.Services.GetRequiredService<IOptions<SnackbarConfiguration>>().Value;

        Assert.Equal(Defaults.Classes.Position.BottomLeft, configuration.PositionClass);
    }
}
