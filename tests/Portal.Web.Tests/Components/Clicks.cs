using Bunit;
using Microsoft.AspNetCore.Components;

namespace Portal.Web.Tests.Components;

/// <summary>
/// Clicks that find their element and dispatch the click in one step on the renderer's dispatcher. Found first and
/// clicked afterwards, a render in between (a dialog re-rendering after a field's input) can remove the element's
/// event handler, and the click fails with an unknown handler id.
/// </summary>
internal static class Clicks
{
    /// <summary>Clicks the element matching <paramref name="selector"/> and waits for its handler to finish.</summary>
    public static Task ClickAsync<T>(this IRenderedComponent<T> cut, string selector) where T : IComponent =>
        cut.InvokeAsync(() => cut.Find(selector).ClickAsync(new()));

    /// <summary>
    /// Clicks the element matching <paramref name="selector"/> without waiting for its handler: one that opens a
    /// dialog finishes only when the dialog closes.
    /// </summary>
    public static Task StartClickAsync<T>(this IRenderedComponent<T> cut, string selector) where T : IComponent =>
        cut.InvokeAsync(() => { _ = cut.Find(selector).ClickAsync(new()); });
}
