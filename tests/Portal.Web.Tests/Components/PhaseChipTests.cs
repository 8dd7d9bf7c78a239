using Bunit;
using MudBlazor.Services;
using Portal.Core.Clusters;
using Portal.Web.Features.Clusters;

namespace Portal.Web.Tests.Components;

/// <summary>The phases on the way to Running must be told apart at a glance.</summary>
public sealed class PhaseChipTests : IAsyncDisposable
{
    private static readonly ClusterPhase[] OnTheWay = [ClusterPhase.Requested, ClusterPhase.Provisioning, ClusterPhase.Starting];

    private readonly BunitContext _context = new();

    public PhaseChipTests() => _context.Services.AddMudServices();

    public ValueTask DisposeAsync() => _context.DisposeAsync();

    private AngleSharp.Dom.IElement Chip(ClusterPhase phase) =>
        _context.Render<PhaseChip>(p => p.Add(c => c.Phase, phase)).Find(".mud-chip");

    [Fact]
    public void Requested_Provisioning_and_Starting_each_have_their_own_colour()
    {
        var colours = OnTheWay.Select(phase => string.Join(' ', Chip(phase).ClassList.Where(c => c.StartsWith("mud-chip-color-", StringComparison.Ordinal))));

        Assert.Equal(3, colours.Distinct().Count());
    }

    [Fact]
    public void Requested_Provisioning_and_Starting_each_have_their_own_icon()
    {
        var icons = OnTheWay.Select(phase => Chip(phase).QuerySelector("svg")?.InnerHtml);

        Assert.Equal(3, icons.Distinct().Count(icon => !string.IsNullOrEmpty(icon)));
    }
}
