using Bunit;
using Microsoft.AspNetCore.Components;
using Microsoft.Extensions.DependencyInjection;
using MudBlazor.Services;
using Portal.Core.Clusters;
using Portal.Core.Storage;
using Portal.Core.Tenants;
using Portal.Web.Features.Admin;
using Portal.Web.Features.Clusters;
using Portal.Web.Features.Shell;
using Portal.Web.Features.Tenants;

namespace Portal.Web.Tests.Components;

/// <summary>
/// A bUnit context whose components call the portal's real services on the <see cref="PortalApp"/>'s PostgreSQL
/// database, as <paramref name="subject"/>. Only the caller is chosen by the test; nothing is mocked.
/// </summary>
internal sealed class ComponentHost : IAsyncDisposable
{
    private readonly AsyncServiceScope _scope;

    public ComponentHost(PortalApp app, string subject, bool platformAdmin = false)
    {
        _scope = app.Services.CreateAsyncScope();
        Context = new BunitContext();
        Context.JSInterop.Mode = JSRuntimeMode.Loose;
        Context.Services.AddMudServices();
        // The services the pages inject, built with this test's caller; their other dependencies (database factory,
        // options, Kubernetes connection, loggers) come from the running portal. Built by hand because a fallback
        // provider only answers top-level requests, not a registered service's constructor parameters.
        var caller = new Caller(subject, platformAdmin);
        var portal = _scope.ServiceProvider;
        var clusters = ActivatorUtilities.CreateInstance<ClusterService>(portal, caller);
        var tenants = ActivatorUtilities.CreateInstance<TenantService>(portal, caller);
        Context.Services.AddSingleton(caller);
        Context.Services.AddSingleton(clusters);
        Context.Services.AddSingleton(tenants);
        var preferences = ActivatorUtilities.CreateInstance<Portal.Core.Identity.UserPreferences>(portal, caller);
        Context.Services.AddSingleton(preferences);
        Context.Services.AddSingleton(new CurrentTenant(tenants, preferences));
        Context.Services.AddSingleton(ActivatorUtilities.CreateInstance<ClusterInsight>(portal, caller, clusters, tenants));
        Context.Services.AddSingleton(ActivatorUtilities.CreateInstance<AuditLogQuery>(portal, caller));
        Context.Services.AddSingleton(ActivatorUtilities.CreateInstance<MembershipService>(portal, caller));
        Context.Services.AddSingleton(ActivatorUtilities.CreateInstance<TenantTokens>(portal, caller));
        Context.Services.AddSingleton(ActivatorUtilities.CreateInstance<VolumeService>(portal, caller));
        Context.Services.AddSingleton(ActivatorUtilities.CreateInstance<ObjectStoreService>(portal, caller));
        Context.Services.AddSingleton(ActivatorUtilities.CreateInstance<HistoryServerService>(portal, caller));
        Context.Services.AddFallbackServiceProvider(_scope.ServiceProvider);
        // Last: it starts the renderer, after which no service may be added. Pages disable their buttons until the
        // circuit is interactive; a bUnit render stands for a live circuit.
        Context.SetRendererInfo(new RendererInfo("Server", isInteractive: true));
    }

    public BunitContext Context { get; }

    public async ValueTask DisposeAsync()
    {
        await Context.DisposeAsync();
        await _scope.DisposeAsync();
    }
}
