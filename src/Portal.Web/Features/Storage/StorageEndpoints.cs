using Microsoft.AspNetCore.Mvc;

namespace Portal.Web.Features.Storage;

/// <summary>
/// /api/v1/tenants/{tenant}/volumes and /object-stores: a tenant's storage. Handlers translate HTTP to
/// <see cref="VolumeService"/> and <see cref="ObjectStoreService"/>, which the storage page calls too. No answer
/// ever carries a secret key.
/// </summary>
internal static class StorageEndpoints
{
    public static IServiceCollection AddStorage(this IServiceCollection services)
    {
        services.AddValidatedOptions<StorageOptions>(StorageOptions.Section);
        services.AddSingleton<ObjectStoreSecrets>();
        services.AddScoped<VolumeService>();
        services.AddScoped<ObjectStoreService>();
        services.AddScoped<HistoryServerService>();
        return services;
    }

    public static RouteGroupBuilder MapStorage(this RouteGroupBuilder api)
    {
        api.MapGet("/storage-classes", (IOptions<StorageOptions> options) => TypedResults.Ok(options.Value.AllowedClasses))
            .WithTags("Storage").WithName("ListStorageClasses")
            .WithSummary("List the StorageClasses a volume may use")
            .WithDescription("From Storage:StorageClasses; the first is the default of a volume that names none.");

        var volumes = api.MapGroup("/tenants/{tenant}/volumes").WithTags("Storage");
        volumes.MapGet("/", ListVolumes).WithName("ListVolumes")
            .WithSummary("List the tenant's volumes")
            .WithDescription("Ordered by name, each with the clusters (not yet Deleted) that mount it.");
        volumes.MapPost("/", CreateVolume).WithName("CreateVolume")
            .WithSummary("Give the tenant a volume (tenant admins)")
            .WithDescription("A PersistentVolumeClaim named like the volume in the tenant's namespace, counted in the tenant's " +
                             "quota (`storage`: total size, `maxVolumes`: count). `name` and `size` are required; `storageClass` " +
                             "defaults to the first of GET /api/v1/storage-classes, `accessMode` to ReadWriteMany. Deleting a " +
                             "cluster never deletes a volume.")
            .ProducesProblem(StatusCodes.Status403Forbidden)
            .ProducesProblem(StatusCodes.Status409Conflict);
        volumes.MapGet("/{name}", GetVolume).WithName("GetVolume").WithSummary("Get a volume");
        volumes.MapDelete("/{name}", DeleteVolume).WithName("DeleteVolume")
            .WithSummary("Delete a volume and its data (tenant admins)")
            .WithDescription("Refused with 409 `volume.in-use` while a cluster that is not yet Deleted mounts it.")
            .ProducesProblem(StatusCodes.Status403Forbidden)
            .ProducesProblem(StatusCodes.Status409Conflict);

        var stores = api.MapGroup("/tenants/{tenant}/object-stores").WithTags("Storage");
        stores.MapGet("/", ListStores).WithName("ListObjectStores")
            .WithSummary("List the tenant's object stores")
            .WithDescription("Without secret keys, which are never returned.");
        stores.MapPost("/", CreateStore).WithName("CreateObjectStore")
            .WithSummary("Register an S3-compatible object store (tenant admins)")
            .WithDescription("The secret key is stored encrypted and never shown again. Clusters that name the store get its key " +
                             "from a Secret in their environment and `spark.hadoop.fs.s3a.*` pointing at its endpoint; the " +
                             "endpoint's addresses join the tenant's egress.")
            .ProducesProblem(StatusCodes.Status403Forbidden)
            .ProducesProblem(StatusCodes.Status409Conflict);
        stores.MapGet("/{name}", GetStore).WithName("GetObjectStore")
            .WithSummary("Get an object store")
            .WithDescription("The ETag header is its version; send it as If-Match on rotate.");
        stores.MapPost("/{name}/rotate", RotateStore).WithName("RotateObjectStoreKey")
            .WithSummary("Replace an object store's key (tenant admins)")
            .WithDescription("Body `{\"secretKey\": \"…\", \"accessKeyId\": \"…\"}` (accessKeyId optional). Updates the Secret " +
                             "and restarts the pods of every cluster that uses the store, so they read the new key.")
            .ProducesProblem(StatusCodes.Status403Forbidden)
            .ProducesProblem(StatusCodes.Status412PreconditionFailed);
        stores.MapDelete("/{name}", DeleteStore).WithName("DeleteObjectStore")
            .WithSummary("Remove an object store and its Secret (tenant admins)")
            .WithDescription("Refused with 409 `objectstore.in-use` while a cluster that is not yet Deleted uses it.")
            .ProducesProblem(StatusCodes.Status403Forbidden)
            .ProducesProblem(StatusCodes.Status409Conflict);
        var history = api.MapGroup("/tenants/{tenant}/history-server").WithTags("Storage");
        history.MapGet("/", GetHistory).WithName("GetHistoryServer")
            .WithSummary("Get the tenant's history server")
            .WithDescription("404 when none runs. `url` is where a signed-in browser opens it (/spark-history/{tenant}/).");
        history.MapPut("/", StartHistory).WithName("StartHistoryServer")
            .WithSummary("Start the tenant's history server (members)")
            .WithDescription("Body: exactly one of `volume` (a tenant volume; `path` on it, default \"spark-events\") and " +
                             "`objectStore` (`path` \"bucket/prefix/dir\" under its bucket prefix), and `idleTimeout` (default " +
                             "01:00:00, 00:05:00 to 24:00:00): it stops once nobody opened it for that long. 409 `history.running` " +
                             "when one runs already, `quota.*` when the tenant's quota has no room for its pod (1 CPU, 2Gi) " +
                             "beside the clusters.")
            .ProducesProblem(StatusCodes.Status409Conflict);
        history.MapDelete("/", StopHistory).WithName("StopHistoryServer")
            .WithSummary("Stop the tenant's history server (members)")
            .WithDescription("The event logs stay where they are.");
        return volumes;
    }

    private static async Task<Results<Ok<HistoryServerView>, ProblemHttpResult>> GetHistory(
        string tenant, HistoryServerService histories, HttpRequest request, CancellationToken ct) =>
        (await histories.GetAsync(tenant, ct)).Answer(server => TypedResults.Ok(HistoryServerView.From(server, tenant, request)));

    private static async Task<Results<Created<HistoryServerView>, ProblemHttpResult>> StartHistory(
        string tenant, StartHistoryServerRequest request, HistoryServerService histories, HttpRequest http, CancellationToken ct) =>
        (await histories.StartAsync(tenant, request, ct)).Answer(server =>
            TypedResults.Created($"/api/v1/tenants/{Uri.EscapeDataString(tenant)}/history-server", HistoryServerView.From(server, tenant, http)));

    private static async Task<Results<NoContent, ProblemHttpResult>> StopHistory(
        string tenant, HistoryServerService histories, CancellationToken ct) =>
        (await histories.StopAsync(tenant, ct)).NoContent();

    private static async Task<Results<Ok<VolumeView[]>, ProblemHttpResult>> ListVolumes(
        string tenant, VolumeService volumes, CancellationToken ct)
    {
        var outcome = await volumes.ListAsync(tenant, ct);
        if (outcome.Failure is { } failure)
            return failure.ToProblem();
        var mounts = await volumes.MountsAsync(tenant, ct);
        return TypedResults.Ok(outcome.Value!.Select(v => VolumeView.From(v, mounts)).ToArray());
    }

    private static async Task<Results<Created<VolumeView>, ProblemHttpResult>> CreateVolume(
        string tenant, CreateVolumeRequest request, VolumeService volumes, CancellationToken ct) =>
        (await volumes.CreateAsync(tenant, request, ct)).Answer(volume =>
            TypedResults.Created($"/api/v1/tenants/{Uri.EscapeDataString(tenant)}/volumes/{volume.Name}",
                VolumeView.From(volume, new Dictionary<string, string[]>())));

    private static async Task<Results<Ok<VolumeView>, ProblemHttpResult>> GetVolume(
        string tenant, string name, VolumeService volumes, CancellationToken ct)
    {
        var outcome = await volumes.GetAsync(tenant, name, ct);
        if (outcome.Failure is { } failure)
            return failure.ToProblem();
        return TypedResults.Ok(VolumeView.From(outcome.Value!, await volumes.MountsAsync(tenant, ct)));
    }

    private static async Task<Results<NoContent, ProblemHttpResult>> DeleteVolume(
        string tenant, string name, VolumeService volumes, CancellationToken ct) =>
        (await volumes.DeleteAsync(tenant, name, ct)).NoContent();

    private static async Task<Results<Ok<ObjectStoreView[]>, ProblemHttpResult>> ListStores(
        string tenant, ObjectStoreService stores, CancellationToken ct) =>
        (await stores.ListAsync(tenant, ct)).Answer(list => TypedResults.Ok(list.Select(ObjectStoreView.From).ToArray()));

    private static async Task<Results<Created<ObjectStoreView>, ProblemHttpResult>> CreateStore(
        string tenant, CreateObjectStoreRequest request, ObjectStoreService stores, HttpResponse response, CancellationToken ct) =>
        (await stores.CreateAsync(tenant, request, ct)).Answer(store =>
            TypedResults.Created($"/api/v1/tenants/{Uri.EscapeDataString(tenant)}/object-stores/{store.Name}", ObjectStoreView.From(store))
                .WithETag(response, store.Version));

    private static async Task<Results<Ok<ObjectStoreView>, ProblemHttpResult>> GetStore(
        string tenant, string name, ObjectStoreService stores, HttpResponse response, CancellationToken ct) =>
        (await stores.GetAsync(tenant, name, ct)).Answer(store => Current(store, response));

    private static async Task<Results<Ok<ObjectStoreView>, ProblemHttpResult>> RotateStore(
        string tenant, string name, RotateObjectStoreKeyRequest request, [FromHeader(Name = "If-Match")] string? ifMatch,
        ObjectStoreService stores, HttpResponse response, CancellationToken ct)
    {
        if (!ETags.TryParseIfMatch(ifMatch, out var version))
            return ETags.Unmatchable(ifMatch);
        return (await stores.RotateAsync(tenant, name, request, version, ct)).Answer(store => Current(store, response));
    }

    private static async Task<Results<NoContent, ProblemHttpResult>> DeleteStore(
        string tenant, string name, ObjectStoreService stores, CancellationToken ct) =>
        (await stores.DeleteAsync(tenant, name, ct)).NoContent();

    /// <summary>The store as it is now, with its version as the ETag to send back as If-Match.</summary>
    private static Ok<ObjectStoreView> Current(ObjectStore store, HttpResponse response) =>
        TypedResults.Ok(ObjectStoreView.From(store)).WithETag(response, store.Version);
}

/// <summary>A tenant volume as the API shows it.</summary>
/// <param name="Name">Its name, also its claim's.</param>
/// <param name="Size">Requested size.</param>
/// <param name="StorageClass">Its StorageClass.</param>
/// <param name="AccessMode">How pods may attach it.</param>
/// <param name="MountedBy">Clusters, not yet Deleted, that mount it.</param>
/// <param name="CreatedBy">Who created it.</param>
/// <param name="CreatedAt">When.</param>
internal sealed record VolumeView(string Name, string Size, string StorageClass, VolumeAccessMode AccessMode, string[] MountedBy, string CreatedBy, DateTimeOffset CreatedAt)
{
    public static VolumeView From(TenantVolume volume, IReadOnlyDictionary<string, string[]> mounts) =>
        new(volume.Name, volume.Size, volume.StorageClass, volume.AccessMode, mounts.GetValueOrDefault(volume.Name) ?? [], volume.CreatedBy, volume.CreatedAt);
}

/// <summary>An object store as the API shows it: everything but the secret key.</summary>
/// <param name="Name">Its name.</param>
/// <param name="Endpoint">The endpoint URL.</param>
/// <param name="Region">The signing region.</param>
/// <param name="BucketPrefix">"bucket" or "bucket/prefix".</param>
/// <param name="PathStyleAccess">Whether buckets are addressed as paths.</param>
/// <param name="AccessKeyId">The access key id.</param>
/// <param name="KeyVersion">Bumped by every rotation.</param>
/// <param name="SecretName">The Kubernetes Secret in the tenant's namespace that holds the key.</param>
/// <param name="CreatedBy">Who registered it.</param>
/// <param name="CreatedAt">When.</param>
/// <param name="RotatedAt">When its key was last replaced.</param>
/// <param name="Version">Concurrency version; the ETag.</param>
internal sealed record ObjectStoreView(
    string Name, string Endpoint, string Region, string BucketPrefix, bool PathStyleAccess, string AccessKeyId, int KeyVersion,
    string SecretName, string CreatedBy, DateTimeOffset CreatedAt, DateTimeOffset? RotatedAt, long Version)
{
    public static ObjectStoreView From(ObjectStore store) =>
        new(store.Name, store.Endpoint, store.Region, store.BucketPrefix, store.PathStyleAccess, store.AccessKeyId, store.KeyVersion,
            Provisioning.Manifests.StorageManifests.SecretName(store.Name), store.CreatedBy, store.CreatedAt, store.RotatedAt, store.Version);
}

/// <summary>A tenant's history server as the API shows it.</summary>
/// <param name="Phase">Starting, Running or Failed.</param>
/// <param name="Message">Why it is not Running.</param>
/// <param name="Source">The event logs it reads.</param>
/// <param name="IdleTimeout">How long it runs unopened.</param>
/// <param name="StartedBy">Who started it.</param>
/// <param name="StartedAt">When.</param>
/// <param name="LastOpenedAt">When it was last opened through the portal.</param>
/// <param name="Url">Where a signed-in browser opens it.</param>
internal sealed record HistoryServerView(
    HistoryServerPhase Phase, string? Message, EventLogSpec Source, TimeSpan IdleTimeout, string StartedBy, DateTimeOffset StartedAt,
    DateTimeOffset LastOpenedAt, string Url)
{
    public static HistoryServerView From(HistoryServer server, string tenant, HttpRequest request) =>
        new(server.Phase, server.Message, server.Source, server.IdleTimeout, server.StartedBy, server.StartedAt, server.LastOpenedAt,
            $"{request.Scheme}://{request.Host}{request.PathBase}{Gateway.GatewayLinks.HistoryPath(tenant)}");
}
