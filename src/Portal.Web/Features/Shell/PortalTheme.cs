namespace Portal.Web.Features.Shell;

/// <summary>The portal's colours, in one place so pages never style themselves.</summary>
internal static class PortalTheme
{
    public static readonly MudTheme Theme = new()
    {
        // Every colour that carries text meets WCAG AA (4.5:1) against what it sits on; MudBlazor's defaults for
        // warning, info, success and error do not with white text, and Spark's own orange (#E25A1C) is 3.7:1.
        PaletteLight = new PaletteLight
        {
            // Spark's orange, darkened for text, for actions; a dark slate app bar.
            Primary = "#B8430F",
            AppbarBackground = "#263238",
            Info = "#1565C0",
            Success = "#2E7D32",
            Warning = "#B45309",
            Error = "#C62828",
        },
        PaletteDark = new PaletteDark
        {
            // On dark surfaces the orange is lightened instead, with dark text on filled buttons.
            Primary = "#FB923C",
            PrimaryContrastText = "#1F1F1F",
            Info = "#60A5FA",
            InfoContrastText = "#1F1F1F",
            Success = "#4ADE80",
            SuccessContrastText = "#1F1F1F",
            Warning = "#FBBF24",
            WarningContrastText = "#1F1F1F",
            Error = "#F87171",
            ErrorContrastText = "#1F1F1F",
            // MudBlazor's 50 % white for labels and hints is 3.4:1 on its dark surface.
            TextSecondary = "rgba(255,255,255,0.70)",
        },
    };
}
