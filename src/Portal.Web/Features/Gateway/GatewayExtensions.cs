namespace Portal.Web.Features.Gateway;

/// <summary>Start-up wiring of the portal as the one door to every cluster: the Spark Connect gateway and the Spark UI proxy.</summary>
internal static class GatewayExtensions
{
    public static WebApplicationBuilder AddGateway(this WebApplicationBuilder builder)
    {
        builder.Services.AddValidatedOptions<GatewayOptions>(GatewayOptions.Section);
        builder.Services.AddSingleton<GatewayLinks>();
        builder.Services.AddSingleton<GatewaySessions>();
        builder.Services.AddSingleton<GatewayAdmissions>();
        builder.Services.AddSingleton<ClusterUpstreams>();
        builder.Services.AddHttpForwarder();
        builder.AddGatewayListener();
        return builder;
    }

    /// <summary>The gateway ahead of the page and API middleware; call right after the security headers.</summary>
    public static WebApplication UseGateway(this WebApplication app) => app.UseSparkConnectGateway();

    /// <summary>The Spark UI routes, behind the browser's sign-in.</summary>
    public static WebApplication MapGateway(this WebApplication app)
    {
        app.MapSparkUi();
        return app;
    }
}
