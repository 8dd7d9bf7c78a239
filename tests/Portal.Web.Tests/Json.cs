using System.Net.Http.Json;
using System.Text;

namespace Portal.Web.Tests;

/// <summary>Request bodies.</summary>
public static class Json
{
    /// <summary>A JSON body serialised from <paramref name="value"/> (camelCase, as clients send it).</summary>
    public static HttpContent Body(object value) => JsonContent.Create(value);

    /// <summary>A body of exactly <paramref name="json"/>, for malformed or hand-shaped input.</summary>
    public static HttpContent Raw(string json) => new StringContent(json, Encoding.UTF8, "application/json");
}
