using System.Net.Http.Json;
using System.Text;
using System.Text.Json;
using System.Text.Json.Serialization;

namespace Portal.Web.Tests;

/// <summary>Request bodies and how responses are read.</summary>
public static class Json
{
    /// <summary>How the API writes JSON: camelCase, enums by name.</summary>
    public static readonly JsonSerializerOptions Options = new(JsonSerializerDefaults.Web)
    {
        Converters = { new JsonStringEnumConverter() },
    };

    /// <summary>A JSON body serialised from <paramref name="value"/> (camelCase, as clients send it).</summary>
    public static HttpContent Body(object value) => JsonContent.Create(value, options: Options);

    /// <summary>A body of exactly <paramref name="json"/>, for malformed or hand-shaped input.</summary>
    public static HttpContent Raw(string json) => new StringContent(json, Encoding.UTF8, "application/json");
}
