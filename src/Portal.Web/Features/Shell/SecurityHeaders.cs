using System.Security.Cryptography;

namespace Portal.Web.Features.Shell;

/// <summary>
/// Headers every answer carries (no MIME sniffing, no full URLs in Referer to other sites), and a
/// Content-Security-Policy on every HTML page, so an injected script or a framing site gets nowhere.
/// </summary>
internal static class SecurityHeaders
{
    const string NonceKey = "portal.csp-nonce";

    // Blazor Server and MudBlazor need: our own scripts (blazor.web.js, MudBlazor.min.js, js/clipboard.js) and the
    // inline <script type="importmap"> that <ImportMap /> writes, allowed by this request's nonce (its content changes
    // with every build's fingerprints, so a hash can't be written down); inline styles, because MudBlazor sets style
    // attributes and MudThemeProvider writes a <style> element; the circuit's WebSocket to this origin ('self'
    // covers ws: and wss: of the same host in CSP 3). data: images and fonts: MudBlazor's stylesheet embeds some.
    // No form-action: signing out of single sign-on is a form post that redirects to the provider, and Chromium
    // applies form-action to that redirect.
    const string PagePolicy =
        "default-src 'self'; script-src 'self' 'nonce-{0}'; style-src 'self' 'unsafe-inline'; img-src 'self' data:; " +
        "font-src 'self' data:; connect-src 'self'; object-src 'none'; base-uri 'self'; frame-ancestors 'none'";

    // REVIEW: Scalar's API reference page configures itself with an inline script it doesn't let us give a nonce, so
    // it alone may run inline scripts. It shows the public OpenAPI document and nothing of a user's data.
    const string ApiReferencePolicy =
        "default-src 'self'; script-src 'self' 'unsafe-inline'; style-src 'self' 'unsafe-inline'; img-src 'self' data:; " +
        "font-src 'self' data:; connect-src 'self'; object-src 'none'; base-uri 'self'; frame-ancestors 'none'";

    // Spark's own pages (through /spark/{tenant}/{cluster}/) run inline scripts, and what a cluster serves is under its
    // tenant's control (a driver's UI runs user code): sandboxed into an opaque origin, they can't read or act with the
    // portal's cookies, whatever they contain.
    const string SparkUiPolicy =
        "sandbox allow-scripts allow-forms allow-popups allow-downloads; default-src 'self'; script-src 'self' 'unsafe-inline'; " +
        "style-src 'self' 'unsafe-inline'; img-src 'self' data:; font-src 'self' data:; object-src 'none'; frame-ancestors 'none'";

    /// <summary>
    /// Adds the headers to every response, whoever writes it (endpoints, static files, status code pages, the
    /// exception handler). Call first, so nothing answers before it.
    /// </summary>
    public static WebApplication UseSecurityHeaders(this WebApplication app)
    {
        ArgumentNullException.ThrowIfNull(app);
        app.Use((context, next) =>
        {
            // Hex, not base64: Razor writes '+' in an attribute as &#x2B;, so a page's nonce would not read like its header's.
            var nonce = Convert.ToHexStringLower(RandomNumberGenerator.GetBytes(16));
            context.Items[NonceKey] = nonce;
            context.Response.OnStarting(() =>
            {
                var headers = context.Response.Headers;
                headers.XContentTypeOptions = "nosniff";
                headers["Referrer-Policy"] = "strict-origin-when-cross-origin";
                if (context.Response.ContentType?.StartsWith("text/html", StringComparison.OrdinalIgnoreCase) == true)
                {
                    headers.ContentSecurityPolicy = context.Request.Path.StartsWithSegments("/scalar") ? ApiReferencePolicy
                        : context.Request.Path.StartsWithSegments("/spark") ? SparkUiPolicy
                        : string.Format(System.Globalization.CultureInfo.InvariantCulture, PagePolicy, nonce);
                }

                return Task.CompletedTask;
            });
            return next(context);
        });
        return app;
    }

    /// <summary>This request's script nonce, for the inline scripts a page writes itself (the import map).</summary>
    public static string? NonceOf(HttpContext? context) => context?.Items[NonceKey] as string;
}
