using System.Net.Http.Headers;
using System.Text.Json;
using k8s;
using k8s.Models;
using Portal.Provisioning.Kubernetes;

namespace Portal.Web.Features.Operations;

/// <summary>
/// <c>check</c>: tests the portal's configuration against what it points at and prints every problem, one a line,
/// then exits 1 if there was any (0 when none): settings that fail validation, a database that can't be reached or
/// has migrations pending, an OIDC provider whose discovery document can't be read or that refuses the client, and
/// each Kubernetes permission of <see cref="PortalPermissions"/> that a SelfSubjectAccessReview says is missing.
/// Nothing is changed: no migration, no sign-in, no Kubernetes object.
/// </summary>
public static class CheckCommand
{
    /// <summary>The command line, for a list of known commands.</summary>
    public const string Usage = "check";

    // Per check; an operator's command may wait, and a loaded machine (or a cold PostgreSQL) takes seconds to answer.
    static readonly TimeSpan Timeout = TimeSpan.FromSeconds(60);

    /// <summary>Runs <c>check</c> when <paramref name="args"/> name it and returns its exit code; null otherwise.</summary>
    public static async Task<int?> TryRunCheckCommandAsync(this WebApplication app, string[] args, TextWriter? output = null)
    {
        ArgumentNullException.ThrowIfNull(app);
        if (args is not ["check", ..])
            return null;
        output ??= Console.Out;
        var problems = 0;
        async Task Report(string area, string? problem, string ok)
        {
            if (problem is null)
            {
                await output.WriteLineAsync($"ok       {area}: {ok}");
            }
            else
            {
                problems++;
                await output.WriteLineAsync($"PROBLEM  {area}: {problem}");
            }
        }

        var ct = app.Lifetime.ApplicationStopping;
        foreach (var invalid in InvalidSettings(app.Services))
            await Report("settings", invalid, "");
        if (problems == 0)
            await Report("settings", null, "every options section validates");

        var (dbProblem, dbOk) = await DatabaseAsync(app.Services, ct);
        await Report("database", dbProblem, dbOk);

        var oidc = app.Services.GetRequiredService<IOptions<OpenIdConnectSettings>>();
        foreach (var (problem, ok) in await OidcAsync(SafeValue(oidc), ct))
            await Report("oidc", problem, ok);

        foreach (var (problem, ok) in await KubernetesAsync(app.Services, ct))
            await Report("kubernetes", problem, ok);

        await output.WriteLineAsync(problems == 0 ? "check: no problems" : $"check: {problems} problem{(problems == 1 ? "" : "s")}");
        return problems == 0 ? 0 : 1;
    }

    static OpenIdConnectSettings? SafeValue(IOptions<OpenIdConnectSettings> options)
    {
        try
        {
            return options.Value;
        }
        catch (OptionsValidationException)
        {
            // Reported under settings already.
            return null;
        }
    }

    /// <summary>What start-up validation (ValidateOnStart) would refuse, one line per failure.</summary>
    static List<string> InvalidSettings(IServiceProvider services)
    {
        try
        {
            services.GetService<IStartupValidator>()?.Validate();
            return [];
        }
        catch (OptionsValidationException ex)
        {
            return [.. ex.Failures];
        }
        catch (AggregateException ex)
        {
            return [.. ex.InnerExceptions.SelectMany(e => e is OptionsValidationException o ? o.Failures : [e.Message])];
        }
    }

    /// <summary>Null when a connection opens; otherwise why not.</summary>
    static async Task<string?> ConnectOnceAsync(PortalDb db, CancellationToken ct)
    {
        var connection = db.Database.GetDbConnection();
        try
        {
            await connection.OpenAsync(ct);
            return null;
        }
        catch (System.Data.Common.DbException ex)
        {
            return ex.Message;
        }
        finally
        {
            await connection.CloseAsync();
        }
    }

    static async Task<(string? Problem, string Ok)> DatabaseAsync(IServiceProvider services, CancellationToken ct)
    {
        using var timeout = CancellationTokenSource.CreateLinkedTokenSource(ct);
        timeout.CancelAfter(Timeout);
        try
        {
            await using var db = await services.GetRequiredService<IDbContextFactory<PortalDb>>().CreateDbContextAsync(timeout.Token);
            var provider = db.Database.ProviderName?.Contains("Npgsql", StringComparison.Ordinal) == true ? "PostgreSQL" : "SQLite";
            // One plain connection attempt first, outside EF's retrying strategy: an unreachable server is said at once.
            if (provider == "PostgreSQL" && await ConnectOnceAsync(db, timeout.Token) is { } unreachable)
                return ($"PostgreSQL is unreachable (ConnectionStrings:Portal): {unreachable}; the portal can't start without it", "");
            if (!await db.Database.CanConnectAsync(timeout.Token))
            {
                return provider == "SQLite"
                    ? ($"no database yet ({db.Database.GetConnectionString()}): run `migrate`", "")
                    : ("PostgreSQL is unreachable (ConnectionStrings:Portal); the portal can't start without it", "");
            }

            var pending = (await db.Database.GetPendingMigrationsAsync(timeout.Token)).ToList();
            var migrateOnStartup = services.GetRequiredService<IOptions<Portal.Core.PortalOptions>>().Value.MigrateOnStartup;
            return pending.Count > 0
                ? ($"{pending.Count} migration{(pending.Count == 1 ? "" : "s")} pending ({string.Join(", ", pending)}): run `migrate`" +
                   (migrateOnStartup ? " (start-up would apply them: Portal:MigrateOnStartup is true)" : ""), "")
                : (null, $"{provider} reachable, schema current");
        }
        catch (Exception ex) when (ex is not OperationCanceledException || !ct.IsCancellationRequested)
        {
            return ($"the database could not be checked: {ex.Message}", "");
        }
    }

    static async Task<List<(string? Problem, string Ok)>> OidcAsync(OpenIdConnectSettings? settings, CancellationToken ct)
    {
        if (settings is null)
            return [];
        if (!settings.Enabled)
            return [(null, "single sign-on is off (Authentication:OpenIdConnect:Authority unset)")];
        if (string.IsNullOrWhiteSpace(settings.ClientId))
            return [("Authentication:OpenIdConnect:ClientId is not set", "")];

        using var http = new HttpClient { Timeout = Timeout };
        var discoveryUrl = $"{settings.Authority!.TrimEnd('/')}/.well-known/openid-configuration";
        JsonElement discovery;
        try
        {
            using var response = await http.GetAsync(discoveryUrl, ct);
            if (!response.IsSuccessStatusCode)
                return [($"discovery at {discoveryUrl} answered {(int)response.StatusCode} {response.ReasonPhrase}", "")];
            discovery = JsonSerializer.Deserialize<JsonElement>(await response.Content.ReadAsStringAsync(ct));
        }
        catch (Exception ex) when (ex is HttpRequestException or TaskCanceledException or JsonException)
        {
            return [($"discovery at {discoveryUrl} is unreachable or not JSON: {ex.Message}", "")];
        }

        List<(string?, string)> results = [(null, $"discovery at {discoveryUrl} read")];
        var issuer = discovery.TryGetProperty("issuer", out var i) ? i.GetString() : null;
        if (!string.Equals(issuer?.TrimEnd('/'), settings.Authority.TrimEnd('/'), StringComparison.Ordinal))
            results.Add(($"the provider's issuer is '{issuer}', not Authentication:OpenIdConnect:Authority '{settings.Authority}'; tokens would be refused", ""));
        if (string.IsNullOrEmpty(settings.ClientSecret))
        {
            results.Add(("Authentication:OpenIdConnect:ClientSecret is not set (the portal signs in as a confidential client)", ""));
            return results;
        }

        if (discovery.TryGetProperty("token_endpoint", out var endpoint) && endpoint.GetString() is { } tokenEndpoint)
            results.Add(await ClientAsync(http, tokenEndpoint, settings, ct));
        return results;
    }

    /// <summary>
    /// Presents the client id and secret to the token endpoint (client credentials grant). OAuth 2.0 (RFC 6749, 5.2)
    /// answers invalid_client when the client is unknown or its secret wrong; any other answer means the provider
    /// knows the client, even if it doesn't allow that grant.
    /// </summary>
    static async Task<(string?, string)> ClientAsync(HttpClient http, string tokenEndpoint, OpenIdConnectSettings settings, CancellationToken ct)
    {
        try
        {
            using var request = new HttpRequestMessage(HttpMethod.Post, tokenEndpoint)
            {
                Content = new FormUrlEncodedContent([new("grant_type", "client_credentials")]),
            };
            request.Headers.Authorization = new AuthenticationHeaderValue("Basic",
                Convert.ToBase64String(System.Text.Encoding.UTF8.GetBytes($"{Uri.EscapeDataString(settings.ClientId!)}:{Uri.EscapeDataString(settings.ClientSecret!)}")));
            using var response = await http.SendAsync(request, ct);
            var body = await response.Content.ReadAsStringAsync(ct);
            var error = TryError(body);
            return error == "invalid_client"
                ? ($"the provider refused client '{settings.ClientId}' (invalid_client): check ClientId and ClientSecret", "")
                : (null, $"client '{settings.ClientId}' is known to the provider");
        }
        catch (Exception ex) when (ex is HttpRequestException or TaskCanceledException)
        {
            return ($"the token endpoint {tokenEndpoint} is unreachable: {ex.Message}", "");
        }
    }

    static string? TryError(string body)
    {
        try
        {
            return JsonSerializer.Deserialize<JsonElement>(body).TryGetProperty("error", out var e) ? e.GetString() : null;
        }
        catch (JsonException)
        {
            return null;
        }
    }

    static async Task<List<(string? Problem, string Ok)>> KubernetesAsync(IServiceProvider services, CancellationToken ct)
    {
        KubernetesOptions options;
        try
        {
            options = services.GetRequiredService<IOptions<KubernetesOptions>>().Value;
        }
        catch (OptionsValidationException)
        {
            return [];
        }

        if (KubernetesConnection.DetectMode(options) == KubernetesMode.Sandbox)
            return [(null, "no cluster configured: the embedded sandbox simulates one, with every right")];

        KubernetesConnection connection;
        try
        {
            connection = services.GetRequiredService<KubernetesConnection>();
        }
        catch (Exception ex)
        {
            return [($"the Kubernetes client could not be configured: {ex.Message}", "")];
        }

        List<(string?, string)> results = [];
        var held = 0;
        foreach (var permission in PortalPermissions.All)
        {
            foreach (var verb in permission.Verbs)
            {
                var ns = permission.InPortalNamespace ? options.PortalNamespace : null;
                var parts = permission.Resource.Split('/');
                var review = new V1SelfSubjectAccessReview
                {
                    ApiVersion = "authorization.k8s.io/v1",
                    Kind = "SelfSubjectAccessReview",
                    Spec = new V1SelfSubjectAccessReviewSpec
                    {
                        ResourceAttributes = new V1ResourceAttributes
                        {
                            Group = permission.Group, Resource = parts[0], Subresource = parts.Length > 1 ? parts[1] : null, Verb = verb, NamespaceProperty = ns,
                        },
                    },
                };
                var what = $"{verb} {(permission.Group.Length == 0 ? "" : permission.Group + "/")}{permission.Resource}{(ns is null ? " (cluster-wide)" : $" in namespace {ns}")}";
                try
                {
                    using var timeout = CancellationTokenSource.CreateLinkedTokenSource(ct);
                    timeout.CancelAfter(Timeout);
                    var answer = await connection.Client.AuthorizationV1.CreateSelfSubjectAccessReviewAsync(review, cancellationToken: timeout.Token);
                    if (answer.Status?.Allowed == true)
                        held++;
                    else
                        results.Add(($"not allowed to {what}{(string.IsNullOrEmpty(answer.Status?.Reason) ? "" : $" ({answer.Status.Reason})")}: apply deploy/base/rbac.yaml", ""));
                }
                catch (Exception ex) when (ex is not OperationCanceledException || !ct.IsCancellationRequested)
                {
                    return [($"the API server at {connection.Server} could not be asked ({what}): {ex.Message}", "")];
                }
            }
        }

        if (results.Count == 0)
            results.Add((null, $"all {held} permissions held at {connection.Server} ({connection.Mode})"));
        return results;
    }
}
