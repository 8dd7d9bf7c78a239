using Portal.Web.Features.Gateway;

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

    /// <summary>The snippets for <paramref name="cluster"/>; <paramref name="gateway"/> is its Connect connection string through the portal.</summary>
    public static IReadOnlyList<Snippet> For(Cluster cluster, string tenant, Uri portal, ConnectView? gateway = null)
    {
        ArgumentNullException.ThrowIfNull(cluster);
        var snippets = new List<Snippet>();
        if (gateway is not null)
        {
            // First: one call, through the sparkportal package the portal serves (%pip: the notebook kernel's own pip).
            snippets.Add(new("sparkportal (Python)", "Python", $$"""
                %{{SparkPortalPackage.PipInstall(portal)}}
                import sparkportal

                # The token: SPARK_PORTAL_TOKEN, or token = ... in ~/.config/spark-portal/config (create one at {{new Uri(portal, "tokens")}})
                spark = sparkportal.connect("{{cluster.Name}}", tenant="{{tenant}}", url="{{portal}}")
                spark.range(10).show()
                """));
        }

        if (gateway is not null && cluster.Status.ConnectUrl is not null)
        {
            // The token comes from the environment, never the page: tokens are shown once, when created.
            var remote = gateway.Url.Replace(GatewayLinks.TokenPlaceholder, $"{{os.environ['{TokenVariable}']}}", StringComparison.Ordinal);
            snippets.Add(new("PySpark (Spark Connect)", "Python", $"""
                # pip install "pyspark[connect]=={gateway.PysparkVersion}"
                import os
                from pyspark.sql import SparkSession

                spark = SparkSession.builder.remote(f"{remote}").getOrCreate()
                spark.range(10).show()
                """));
        }

        if (cluster.Status.MasterUrl is { } master)
        {
            // Client mode: executors call back into the driver, so this works only from a pod in the tenant's namespace.
            snippets.Add(new("PySpark (master, in the namespace)", "Python", $"""
                from pyspark.sql import SparkSession

                spark = (SparkSession.builder
                         .master("{master}")
                         .appName("notebook")
                         .getOrCreate())
                spark.range(10).show()
                """));
            snippets.Add(new("Scala (master, in the namespace)", "Scala", $$"""
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
