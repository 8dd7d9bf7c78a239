namespace Portal.Sandbox.Api;

/// <summary>Response writing: JSON straight to the response pipe, and metav1.Status for errors.</summary>
internal static class Http
{
    public static async Task WriteJson(HttpContext http, int status, Action<Utf8JsonWriter> write)
    {
        http.Response.StatusCode = status;
        http.Response.ContentType = "application/json";
        await using (var writer = new Utf8JsonWriter(http.Response.BodyWriter))
            write(writer);
        await http.Response.BodyWriter.FlushAsync(http.RequestAborted);
    }

    public static Task WriteJson(HttpContext http, int status, JsonNode node) => WriteJson(http, status, w => node.WriteTo(w));

    public static Task WriteError(HttpContext http, ApiError error)
    {
        if (error.RetryAfterSeconds is { } seconds)
            http.Response.Headers.RetryAfter = seconds.ToString(System.Globalization.CultureInfo.InvariantCulture);
        return WriteJson(http, error.Code, error.ToStatus());
    }

    public static async Task<byte[]> ReadBody(HttpContext http)
    {
        using var buffer = new MemoryStream();
        await http.Request.Body.CopyToAsync(buffer, http.RequestAborted);
        return buffer.ToArray();
    }
}
