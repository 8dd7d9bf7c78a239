using System.ComponentModel;
using Microsoft.AspNetCore.Mvc;
using Portal.Web.Features.Gateway;

namespace Portal.Web.Features.Clusters;

/// <summary>
/// /api/v1/tenants/{tenant}/clusters: notebooks and docs depend on these paths. Handlers only translate HTTP to
/// <see cref="ClusterService"/> calls and back; the Blazor pages call the same service.
/// </summary>
internal static class ClusterEndpoints
{
    public static IServiceCollection AddClusters(this IServiceCollection services)
    {
        services.AddValidatedOptions<ClusterOptions>(ClusterOptions.Section);
        services.AddScoped<ClusterService>();
        return services;
    }

    public static RouteGroupBuilder MapClusters(this RouteGroupBuilder api)
    {
        var clusters = api.MapGroup("/tenants/{tenant}/clusters").WithTags("Clusters");
        var options = ((IEndpointRouteBuilder)api).ServiceProvider.GetRequiredService<IOptions<ClusterOptions>>().Value;

        clusters.MapGet("/", List).WithName("ListClusters")
            .WithSummary("List the tenant's clusters")
            .WithDescription("Pages are 1-based (`page`, default 1) of `pageSize` clusters (default 50, at most 200), ordered by name; " +
                             "`totalCount` says how many match. `phase` (Requested, Provisioning, Starting, Running, Failed, Deleting, " +
                             "Deleted; any case) keeps only clusters in that phase. Deleted clusters stay listed for history.");
        clusters.MapPost("/", Create).WithName("CreateCluster")
            .WithSummary("Ask for a cluster")
            .WithDescription("Only `name` is required; every other field has the default its description names. Answers 202 with " +
                             "the cluster in phase Requested and its Location; provisioning happens in the background. With an " +
                             "`Idempotency-Key` header a retried request returns the cluster the first one created (202, same " +
                             "Location) instead of a second cluster; the same key with a different request is a 422.\n\n" +
                             DescribeDefaults(options))
            .ProducesProblem(StatusCodes.Status409Conflict)
            .ProducesProblem(StatusCodes.Status422UnprocessableEntity);
        clusters.MapGet("/{name}", Get).WithName("GetCluster")
            .WithSummary("Get a cluster")
            .WithDescription("The ETag header is the cluster's version; send it as If-Match on scale or delete. A name whose " +
                             "cluster is Deleted may be used again: the name then means the newer cluster, and the older one " +
                             "is read by its `id` (GET …/clusters/by-id/{id}).");
        // A literal segment and two segments: no name can make these paths mean another endpoint.
        clusters.MapGet("/by-id/{id:guid}", GetById).WithName("GetClusterById")
            .WithSummary("Get a cluster by its id")
            .WithDescription("Every cluster keeps its `id` for good, Deleted ones included, while its name is free again once " +
                             "it is Deleted: this is how to read a Deleted cluster whose name a newer cluster took. The ETag " +
                             "header is the cluster's version.");
        clusters.MapPut("/{name}/scale", Scale).WithName("ScaleCluster")
            .WithSummary("Set the number of workers")
            .WithDescription("Idempotent: asking for the current count changes nothing. With If-Match, a cluster changed since " +
                             "that ETag gets 412.")
            .ProducesProblem(StatusCodes.Status409Conflict)
            .ProducesProblem(StatusCodes.Status412PreconditionFailed);
        clusters.MapPost("/{name}/extend", Extend).WithName("ExtendCluster")
            .WithSummary("Extend a cluster's time-to-live")
            .WithDescription("Moves `expiresAt` later by `by` (a duration, e.g. `\"02:00:00\"`), up to the tenant policy's " +
                             "maxTimeToLive counted from the cluster's creation; further is a 400 naming the latest allowed time. " +
                             "A cluster being deleted gets 409. With If-Match, a cluster changed since that ETag gets 412.")
            .ProducesProblem(StatusCodes.Status400BadRequest)
            .ProducesProblem(StatusCodes.Status409Conflict)
            .ProducesProblem(StatusCodes.Status412PreconditionFailed);
        clusters.MapPost("/{name}/clone", CloneByName).WithName("CloneCluster")
            .WithSummary("Create a cluster again")
            .WithDescription(CloneDescription + " The cluster is the one GET …/clusters/{name} answers (the live one, else " +
                             "the latest Deleted one).")
            .ProducesProblem(StatusCodes.Status409Conflict)
            .ProducesProblem(StatusCodes.Status422UnprocessableEntity);
        clusters.MapPost("/by-id/{id:guid}/clone", CloneById).WithName("CloneClusterById")
            .WithSummary("Create a cluster again, by its id")
            .WithDescription(CloneDescription + " Reaches a Deleted cluster whose name a newer cluster took.")
            .ProducesProblem(StatusCodes.Status409Conflict)
            .ProducesProblem(StatusCodes.Status422UnprocessableEntity);
        clusters.MapDelete("/{name}", Delete).WithName("DeleteCluster")
            .WithSummary("Delete a cluster")
            .WithDescription("Answers 202 with the cluster in phase Deleting; its Kubernetes objects go in the background and " +
                             "the record stays for history. The name is free for a new cluster once this one reaches Deleted. " +
                             "Deleting again changes nothing.")
            .ProducesProblem(StatusCodes.Status412PreconditionFailed);
        return clusters;
    }

    private const string CloneDescription =
        "Asks for a new cluster with this cluster's spec (image, workers as last scaled, sizes, scratch, sparkConf, " +
        "sparkConnect, timeToLive), in any phase, e.g. yesterday's Deleted `etl` or a Failed one. The body is optional: " +
        "`name` (default: the same name, which must be free: a 409 `name.taken` while a cluster of that name is not " +
        "Deleted). Otherwise exactly a create: 202 with the new cluster and its Location, the same role, quota and " +
        "policy checks (a spec the catalogue or the tenant's policy no longer allows is a 400 naming the field), the " +
        "same `Idempotency-Key` handling, and the audit entry names the cluster it was created from.";

    /// <summary>The defaults this server fills in, as configured, so the document never disagrees with the behaviour.</summary>
    private static string DescribeDefaults(ClusterOptions options)
    {
        var defaults = options.Defaults;
        var image = options.DefaultImage;
        return $"Defaults on this server (section Clusters:Defaults): image `{image.Image}` (Spark {image.SparkVersion}), " +
               $"workers {defaults.Workers}, workerCores `{defaults.WorkerCores}`, workerMemory `{defaults.WorkerMemory}`, " +
               $"workerScratch `{defaults.WorkerScratch}`, masterCores `{defaults.MasterCores}`, masterMemory `{defaults.MasterMemory}`, " +
               $"masterScratch `{defaults.MasterScratch}`, sparkConnect {(defaults.SparkConnect ? "true where the image has it" : "false")}, " +
               "timeToLive: the tenant policy's defaultTimeToLive. " +
               $"Images (Clusters:Images, also GET /api/v1/images): {string.Join(", ", options.Catalogue.Select(i => $"`{i.Image}` (Spark {i.SparkVersion}{(i.SparkConnect ? ", Connect" : ", no Connect")})"))}. " +
               "Spark counts whole cores: a worker's CPU is offered to Spark rounded up (\"500m\" is one Spark core, throttled " +
               "to half a core). Memory is split as docs/spark.md explains: a worker needs at least " +
               $"{SparkMemory.MinWorkerMiB}Mi, the master {SparkMemory.MinMasterMiB}Mi, or {SparkMemory.MinConnectMiB}Mi with sparkConnect " +
               "(the Connect server is sized like the master).";
    }

    private static async Task<Results<Ok<ClusterPageView>, ProblemHttpResult>> List(
        string tenant,
        [Description("1-based page number; default 1.")] int? page,
        [Description("Clusters per page, 1 to 200; default 50.")] int? pageSize,
        [Description("Only clusters in this phase: Requested, Provisioning, Starting, Running, Failed, Deleting or Deleted (any case).")] string? phase,
        [AsParameters] ClusterCall call)
    {
        ClusterPhase? onlyPhase = null;
        if (phase is not null)
        {
            // Enum.TryParse alone would accept "3" or "99"; only the names are part of the API.
            if (int.TryParse(phase, out _) || !Enum.TryParse<ClusterPhase>(phase, ignoreCase: true, out var parsed))
                return Failure.Invalid("phase", $"Must be one of: {string.Join(", ", Enum.GetNames<ClusterPhase>())}.").ToProblem();
            onlyPhase = parsed;
        }

        var outcome = await call.Clusters.ListAsync(tenant,
            new ClusterQuery(page ?? 1, pageSize ?? ClusterQuery.DefaultPageSize, onlyPhase), call.Ct);
        return outcome.Answer(result => TypedResults.Ok(new ClusterPageView(
            [.. result.Items.Select(c => call.View(c, tenant))], result.Page, result.PageSize, result.TotalCount)));
    }

    private static async Task<Results<Accepted<ClusterView>, ProblemHttpResult>> Create(
        string tenant, CreateClusterRequest request, [FromHeader(Name = "Idempotency-Key")] string? idempotencyKey,
        [AsParameters] ClusterCall call) =>
        call.Accepted(await call.Clusters.CreateAsync(tenant, request, idempotencyKey, call.Ct), tenant);

    private static async Task<Results<Ok<ClusterView>, ProblemHttpResult>> Get(string tenant, string name, [AsParameters] ClusterCall call) =>
        call.Current(await call.Clusters.GetAsync(tenant, name, call.Ct), tenant);

    private static async Task<Results<Ok<ClusterView>, ProblemHttpResult>> GetById(string tenant, Guid id, [AsParameters] ClusterCall call) =>
        call.Current(await call.Clusters.GetAsync(tenant, id, call.Ct), tenant);

    private static async Task<Results<Accepted<ClusterView>, ProblemHttpResult>> CloneByName(
        string tenant, string name, CloneClusterRequest? request, [FromHeader(Name = "Idempotency-Key")] string? idempotencyKey,
        [AsParameters] ClusterCall call) =>
        call.Accepted(await call.Clusters.CreateAgainAsync(tenant, name, request?.Name, idempotencyKey, call.Ct), tenant);

    private static async Task<Results<Accepted<ClusterView>, ProblemHttpResult>> CloneById(
        string tenant, Guid id, CloneClusterRequest? request, [FromHeader(Name = "Idempotency-Key")] string? idempotencyKey,
        [AsParameters] ClusterCall call) =>
        call.Accepted(await call.Clusters.CreateAgainAsync(tenant, id, request?.Name, idempotencyKey, call.Ct), tenant);

    private static async Task<Results<Accepted<ClusterView>, ProblemHttpResult>> Scale(
        string tenant, string name, ScaleClusterRequest request, [FromHeader(Name = "If-Match")] string? ifMatch,
        [AsParameters] ClusterCall call) =>
        ETags.TryParseIfMatch(ifMatch, out var version)
            ? call.Accepted(await call.Clusters.ScaleAsync(tenant, name, request, version, call.Ct), tenant)
            : ETags.Unmatchable(ifMatch);

    private static async Task<Results<Accepted<ClusterView>, ProblemHttpResult>> Delete(
        string tenant, string name, [FromHeader(Name = "If-Match")] string? ifMatch, [AsParameters] ClusterCall call) =>
        ETags.TryParseIfMatch(ifMatch, out var version)
            ? call.Accepted(await call.Clusters.DeleteAsync(tenant, name, version, call.Ct), tenant)
            : ETags.Unmatchable(ifMatch);

    private static async Task<Results<Ok<ClusterView>, ProblemHttpResult>> Extend(
        string tenant, string name, ExtendClusterRequest request, [FromHeader(Name = "If-Match")] string? ifMatch,
        [AsParameters] ClusterCall call)
    {
        if (request.By is not { } by)
            return Failure.Invalid("by", "Required: how much longer the cluster may live, e.g. \"02:00:00\".").ToProblem();
        if (!ETags.TryParseIfMatch(ifMatch, out var version))
            return ETags.Unmatchable(ifMatch);

        return call.Current(await call.Clusters.ExtendAsync(tenant, name, by, version, call.Ct), tenant);
    }

    internal static string Location(string tenant, string name) =>
        $"/api/v1/tenants/{Uri.EscapeDataString(tenant)}/clusters/{Uri.EscapeDataString(name)}";
}

/// <summary>
/// What every cluster handler works with, bound by [AsParameters] (services and the request's own objects, so the
/// OpenAPI document is unchanged): the service, the gateway links a view carries, and the response that gets the ETag.
/// A struct, not a class: PlainTextFilter takes a handler's Portal class argument that is no service for a request
/// body and walks it.
/// </summary>
internal readonly record struct ClusterCall(ClusterService Clusters, GatewayLinks Links, HttpResponse Response, CancellationToken Ct)
{
    public ClusterView View(Cluster cluster, string tenant) => ClusterView.From(cluster, tenant, Links, Response.HttpContext.Request);

    /// <summary>The cluster as it is now, with its version as the ETag to send back as If-Match.</summary>
    public Results<Ok<ClusterView>, ProblemHttpResult> Current(Outcome<Cluster> outcome, string tenant)
    {
        var call = this; // a struct's lambdas can't capture this
        return outcome.Answer(cluster => TypedResults.Ok(call.View(cluster, tenant)).WithETag(call.Response, cluster.Version));
    }

    /// <summary>A cluster asked for: 202 with its Location, like a change.</summary>
    public Results<Accepted<ClusterView>, ProblemHttpResult> Accepted(Outcome<ClusterCreated> outcome, string tenant)
    {
        var call = this;
        return outcome.Answer(created => call.Accepted(created.Cluster, tenant));
    }

    /// <summary>A change of a cluster: 202, recorded; Kubernetes catches up in the background.</summary>
    public Results<Accepted<ClusterView>, ProblemHttpResult> Accepted(Outcome<Cluster> outcome, string tenant)
    {
        var call = this;
        return outcome.Answer(cluster => call.Accepted(cluster, tenant));
    }

    private Accepted<ClusterView> Accepted(Cluster cluster, string tenant) =>
        TypedResults.Accepted(ClusterEndpoints.Location(tenant, cluster.Name), View(cluster, tenant)).WithETag(Response, cluster.Version);
}

/// <summary>A request to create a cluster again; the body may be left out.</summary>
internal sealed record CloneClusterRequest
{
    /// <summary>
    /// The new cluster's name, with the rules of a create's `name`. Default: the name of the cluster created again,
    /// which must be free (no cluster of that name that is not Deleted).
    /// </summary>
    public string? Name { get; init; }
}

/// <summary>A request to let a cluster live longer.</summary>
internal sealed record ExtendClusterRequest
{
    /// <summary>Required. How much longer, as a duration ("02:00:00"); must be positive.</summary>
    public TimeSpan? By { get; init; }
}
