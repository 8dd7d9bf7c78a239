using MudBlazor;

namespace Portal.Web.Features.Shell;

/// <summary>The portal's colours, in one place so pages never style themselves.</summary>
internal static class PortalTheme
{
    public static readonly MudTheme Theme = new()
    {
        PaletteLight = new PaletteLight
        {
            // Spark's orange for actions, a dark slate app bar.
            Primary = "#E25A1C",
            AppbarBackground = "#263238",
        },
    };
}
