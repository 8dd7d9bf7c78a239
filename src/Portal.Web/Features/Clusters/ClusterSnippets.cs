using Portal.Core.Clusters;

namespace Portal.Web.Features.Clusters;

/// <summary>One ready-to-paste snippet.</summary>
/// <param name="Title">Tab title.</param>
/// <param name="Language">For screen readers and the copy button's label.</param>
/// <param name="Code">The text copied.</param>
internal sealed record Snippet(string Title, string Language, string Code);

/// <summary>
/// Snippets that connect to a cluster from a notebook or a shell. Pure, so tests can read exactly what a user pastes.
/// The REST ones carry a placeholder, never a real token: tokens are shown once, when created.
/// </summary>
internal static class ClusterSnippets
{
    /// <summary>Environment variable the REST snippets read the personal access token from.</summary>
    public const string TokenVariable = "PORTAL_TOKEN";

    public static IReadOnlyList<Snippet> For(Cluster cluster, string tenant, Uri portal)
    {
        ArgumentNullException.ThrowIfNull(cluster);
        var snippets = new List<Snippet>();
        if (cluster.Status.ConnectUrl is { } connect)
        {
            snippets.Add(new("PySpark (Spark Connect)", "Python", $"""
                from pyspark.sql import SparkSession

                spark = SparkSession.builder.remote("{connect}").getOrCreate()
                spark.range(10).show()
                """));
        }

        if (cluster.Status.MasterUrl is { } master)
        {
            snippets.Add(new("PySpark (master)", "Python", $"""
                from pyspark.sql import SparkSession

                spark = (SparkSession.builder
                         .master("{master}")
                         .appName("notebook")
                         .getOrCreate())
                spark.range(10).show()
                """));
            snippets.Add(new("Scala (master)", "Scala", $$"""
                import org.apache.spark.sql.SparkSession

                val spark = SparkSession.builder()
                  .master("{{master}}")
                  .appName("notebook")
                  .getOrCreate()
                spark.range(10).show()
                """));
        }

        var url = new Uri(portal, $"api/v1/tenants/{Uri.EscapeDataString(tenant)}/clusters/{Uri.EscapeDataString(cluster.Name)}");
        snippets.Add(new("REST (curl)", "Shell", $"""
            curl -H "Authorization: Bearer ${TokenVariable}" \
              {url}
            """));
        snippets.Add(new("REST (Python)", "Python", $$"""
            import os
            import requests

            response = requests.get(
                "{{url}}",
                headers={"Authorization": f"Bearer {os.environ['{{TokenVariable}}']}"},
            )
            response.raise_for_status()
            print(response.json()["status"]["phase"])
            """));
        return snippets;
    }
}
