using System.Collections;
using System.Reflection;
using System.Text.Json;
using System.Text.Json.Serialization.Metadata;
using Microsoft.AspNetCore.Http.Metadata;

namespace Portal.Web.Features.Api;

/// <summary>
/// Applies <see cref="UserText"/>'s rule (no control characters) to every string an API call carries, once, before
/// any handler runs: route, query and header values, and every string in the JSON body, dictionary keys and values
/// included. A refusal is a 400 naming each field as the request spells it ("tenant", "Idempotency-Key",
/// "policy.presets[0].name", "sparkConf[spark.app.name]").
/// </summary>
/// <remarks>
/// One filter on the /api/v1 group rather than a check in every service: a NUL reaching PostgreSQL (a lookup by
/// name, or the audit entry of a refusal) used to end the request as a 500.
/// </remarks>
internal static class PlainTextFilter
{
    // Request bodies are a few levels deep (tenant, policy, presets[i], field); deeper is not a request of ours.
    private const int MaxDepth = 16;

    public static EndpointFilterDelegate Create(EndpointFilterFactoryContext context, EndpointFilterDelegate next)
    {
        var services = context.ApplicationServices.GetRequiredService<IServiceProviderIsService>();
        var checks = new List<(int Index, string? Name)>();
        var parameters = context.MethodInfo.GetParameters();
        for (var i = 0; i < parameters.Length; i++)
        {
            var type = parameters[i].ParameterType;
            if (type == typeof(string))
                checks.Add((i, NameOf(parameters[i])));
            // The JSON body: one of our request types, which (unlike the services a handler also takes) isn't registered.
            else if (type.IsClass && type.Namespace?.StartsWith("Portal.", StringComparison.Ordinal) == true && !services.IsService(type))
                checks.Add((i, null));
        }

        if (checks.Count == 0)
            return next;

        return async invocation =>
        {
            var errors = new Dictionary<string, string[]>(StringComparer.Ordinal);
            foreach (var (index, name) in checks)
            {
                var value = invocation.Arguments[index];
                if (name is not null)
                {
                    if (value is string text && UserText.Problem(text) is { } problem)
                        errors.TryAdd(name, [problem]);
                }
                else if (value is not null)
                {
                    var json = invocation.HttpContext.RequestServices.GetRequiredService<IOptions<Microsoft.AspNetCore.Http.Json.JsonOptions>>();
                    Walk(value, "", errors, json.Value.SerializerOptions, depth: 0);
                }
            }

            return errors.Count > 0 ? Failure.Invalid(errors).ToProblem() : await next(invocation);
        };
    }

    /// <summary>The name the request uses for a route, query or header value.</summary>
    private static string NameOf(ParameterInfo parameter) =>
        parameter.GetCustomAttributes().Select(a => a switch
        {
            IFromHeaderMetadata header => header.Name,
            IFromQueryMetadata query => query.Name,
            IFromRouteMetadata route => route.Name,
            _ => null,
        }).FirstOrDefault(n => n is not null) ?? parameter.Name ?? "parameter";

    /// <summary>Checks every string under <paramref name="value"/>, named by its JSON path as the serializer spells it.</summary>
    private static void Walk(object? value, string path, Dictionary<string, string[]> errors, JsonSerializerOptions options, int depth)
    {
        if (value is null || depth > MaxDepth)
            return;
        switch (value)
        {
            case string text:
                if (UserText.Problem(text) is { } problem)
                    errors.TryAdd(path.Length == 0 ? "body" : path, [problem]);
                return;
            case IDictionary dictionary:
                foreach (DictionaryEntry entry in dictionary)
                {
                    var key = Convert.ToString(entry.Key, CultureInfo.InvariantCulture) ?? "";
                    var field = $"{path}[{key}]";
                    if (UserText.Problem(key) is { } keyProblem)
                        errors.TryAdd(field, [keyProblem]);
                    Walk(entry.Value, field, errors, options, depth + 1);
                }

                return;
            case IEnumerable items:
                var i = 0;
                foreach (var item in items)
                    Walk(item, $"{path}[{i++}]", errors, options, depth + 1);
                return;
        }

        var info = options.GetTypeInfo(value.GetType());
        if (info.Kind != JsonTypeInfoKind.Object)
            return;
        foreach (var property in info.Properties)
        {
            if (property.Get is { } get)
                Walk(get(value), path.Length == 0 ? property.Name : $"{path}.{property.Name}", errors, options, depth + 1);
        }
    }
}
