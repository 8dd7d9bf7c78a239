using System.Security.Cryptography;
using Portal.Sandbox.Admission;
using Portal.Sandbox.Patching;

namespace Portal.Sandbox.Registries;

/// <summary>Per-request write settings; <see cref="Warnings"/> collects what the API returns as Warning headers.</summary>
internal sealed record WriteOptions(string? FieldManager = null, bool DryRun = false, bool Force = false)
{
    public List<string>? Warnings { get; init; }
}

internal sealed record ListResult(IReadOnlyList<Stored> Entries, long ResourceVersion, string? Continue, long? RemainingItemCount)
{
    public IEnumerable<JsonObject> Items => Entries.Select(e => e.Object);
}

internal enum PatchKind { Json, Merge, Strategic, Apply }

/// <summary>
/// The API semantics on top of <see cref="ObjectStore"/>: metadata bookkeeping, defaulting, validation,
/// admission and the write itself, as one atomic step under the store's lock. Both the HTTP layer and the
/// simulated controllers go through here, so controllers hit the same quota and Pod Security checks as users.
/// </summary>
internal sealed class Registry(ObjectStore store)
{
    const string GenerateNameAlphabet = "bcdfghjklmnpqrstvwxz2456789";
    readonly AdmissionChain _admission = AdmissionChain.Default(store);
    int _nextClusterIp = 10;

    public ObjectStore Store => store;

    public JsonObject Get(ResourceKind kind, string? ns, string name)
    {
        lock (store.Gate)
        {
            RequireNamespaceArg(kind, ns);
            return store.Get(kind, ns, name) ?? throw ApiError.NotFound(kind, name);
        }
    }

    public JsonObject? TryGet(ResourceKind kind, string? ns, string name)
    {
        lock (store.Gate) return store.Get(kind, ns, name);
    }

    public ListResult List(ResourceKind kind, string? ns, LabelSelector labels, FieldSelector fields, int? limit = null, string? continueToken = null)
    {
        lock (store.Gate)
        {
            IEnumerable<Stored> candidates;
            if (fields.ExactName is { } exact && (ns is not null || !kind.Namespaced))
                candidates = store.GetStored(kind, ns, exact) is { } one ? [one] : [];
            else if (labels.FirstEquality is { } label)
                candidates = store.ListByLabel(kind, ns, label.Key, label.Value);
            else
                candidates = store.ListStored(kind, ns);

            var after = DecodeContinue(continueToken);
            var items = new List<Stored>();
            var remaining = 0L;
            foreach (var entry in candidates)
            {
                if (after is not null && string.CompareOrdinal(Key(kind, entry.Object), after) <= 0) continue;
                if (!labels.Matches(entry.Labels) || !fields.Matches(entry.Object)) continue;
                if (limit is > 0 && items.Count >= limit) { remaining++; continue; }
                items.Add(entry);
            }
            string? next = remaining > 0 ? EncodeContinue(Key(kind, items[^1].Object)) : null;
            return new ListResult(items, store.Revision, next, remaining > 0 ? remaining : null);
        }
    }

    static string Key(ResourceKind kind, JsonObject obj) => kind.Namespaced ? $"{obj.Namespace()}/{obj.Name()}" : obj.Name();

    static string EncodeContinue(string key) => Convert.ToBase64String(System.Text.Encoding.UTF8.GetBytes(key));

    static string? DecodeContinue(string? token)
    {
        if (string.IsNullOrEmpty(token)) return null;
        try { return System.Text.Encoding.UTF8.GetString(Convert.FromBase64String(token)); }
        catch (FormatException) { throw ApiError.BadRequest("continue key is not valid: illegal base64 data"); }
    }

    /// <summary>
    /// Opens a watch atomically with its starting point. Without a resourceVersion (or "0") the current objects
    /// come back in <paramref name="initial"/> (sent as synthetic ADDED events). Returns null when the
    /// resourceVersion is older than the retained history.
    /// </summary>
    public Watcher? OpenWatch(ResourceKind kind, string? ns, string? resourceVersion, out List<JsonObject> initial)
    {
        lock (store.Gate)
        {
            if (string.IsNullOrEmpty(resourceVersion) || resourceVersion == "0")
            {
                initial = store.List(kind, ns).ToList();
                return store.Watch(kind, ns, store.Revision);
            }
            if (!long.TryParse(resourceVersion, out var from) || from < 0)
                throw ApiError.BadRequest($"invalid resource version: {resourceVersion}");
            initial = [];
            return store.Watch(kind, ns, from);
        }
    }

    public JsonObject Create(ResourceKind kind, string? ns, JsonObject body, WriteOptions options)
    {
        lock (store.Gate) return CreateLocked(kind, ns, body, options);
    }

    JsonObject CreateLocked(ResourceKind kind, string? ns, JsonObject body, WriteOptions options, JsonNode? appliedFields = null)
    {
        var obj = body.Clone();
        CheckTypeMeta(kind, obj);
        SetNamespace(kind, ns, obj);
        var meta = obj.Metadata();
        if (meta.Str("resourceVersion") is { Length: > 0 })
            throw ApiError.BadRequest("resourceVersion should not be set on objects to be created");
        if (obj.Name().Length == 0 && meta.Str("generateName") is { Length: > 0 } prefix)
            meta["name"] = GenerateName(kind, ns, prefix);

        foreach (var field in new[] { "uid", "creationTimestamp", "deletionTimestamp", "deletionGracePeriodSeconds", "generation", "managedFields", "selfLink" })
            meta.Remove(field);
        if (kind.HasStatus) obj.Remove("status");

        // Upstream's order: defaulting (on decode), mutating admission, the registry's own steps (the cluster IP,
        // the pod's status from its admitted resources, validation), then validating admission.
        Defaults.Apply(kind, obj);
        var admission = new AdmissionAttributes(AdmissionOperation.Create, kind, obj, options.Warnings);
        _admission.Admit(admission);
        if (kind == ResourceCatalog.Services) AllocateClusterIp(obj);
        if (kind == ResourceCatalog.Pods)
            obj["status"] = new JsonObject { ["phase"] = "Pending", ["qosClass"] = Quantities.QosClass(obj) };
        Validation.Validate(kind, obj);
        _admission.Validate(admission);

        if (store.Get(kind, obj.Namespace(), obj.Name()) is not null)
            throw ApiError.AlreadyExists(kind, obj.Name());

        meta["uid"] = Guid.NewGuid().ToString();
        meta["creationTimestamp"] = Json.Now();
        if (kind.TracksGeneration) meta["generation"] = 1;
        if (appliedFields is not null) meta["managedFields"] = appliedFields;
        else if (options.FieldManager is { Length: > 0 } manager)
            ServerSideApply.RecordUpdate(kind, new JsonObject(), obj, manager);
        if (options.DryRun) return obj;
        return store.Put(kind, Freeze(obj), WatchEventType.Added);
    }

    public JsonObject Update(ResourceKind kind, string? ns, string name, JsonObject body, bool statusOnly, WriteOptions options)
    {
        lock (store.Gate)
        {
            RequireNamespaceArg(kind, ns);
            var existing = store.Get(kind, ns, name) ?? throw ApiError.NotFound(kind, name);
            var next = body.Clone();
            CheckTypeMeta(kind, next);
            SetNamespace(kind, ns, next);
            if (next.Name() != name)
                throw ApiError.BadRequest($"the name of the object ({next.Name()}) does not match the name on the URL ({name})");
            if (next.Str("metadata", "resourceVersion") is { Length: > 0 } rv && rv != existing.Str("metadata", "resourceVersion"))
                throw ApiError.StaleResourceVersion(kind, name);
            return UpdateLocked(kind, existing, next, statusOnly, options);
        }
    }

    /// <summary>Writes <paramref name="next"/> over <paramref name="existing"/>; a write that changes nothing is skipped, as etcd3's GuaranteedUpdate does.</summary>
    JsonObject UpdateLocked(ResourceKind kind, JsonObject existing, JsonObject next, bool statusOnly, WriteOptions options, bool keepManagedFields = false)
    {
        if (statusOnly)
        {
            var status = next["status"]?.DeepClone();
            next = existing.Clone();
            if (status is null) next.Remove("status");
            else next["status"] = status;
        }
        else if (kind.HasStatus && kind != ResourceCatalog.Namespaces)
        {
            next.Remove("status");
            if (existing["status"] is { } status) next["status"] = status.DeepClone();
        }
        else if (kind == ResourceCatalog.Namespaces)
        {
            next["status"] = existing["status"]?.DeepClone();
            // spec.finalizers only changes through the finalize subresource.
            if (existing.Node("spec", "finalizers") is { } finalizers) next.Obj("spec")["finalizers"] = finalizers.DeepClone();
            else next.Obj("spec").Remove("finalizers");
        }

        var meta = next.Metadata();
        var old = existing.Metadata();
        foreach (var field in new[] { "uid", "creationTimestamp", "deletionTimestamp", "deletionGracePeriodSeconds", "generation" })
        {
            if (old[field] is { } value) meta[field] = value.DeepClone();
            else meta.Remove(field);
        }
        meta["resourceVersion"] = old["resourceVersion"]?.DeepClone();
        if (!keepManagedFields)
        {
            if (old["managedFields"] is { } mf) meta["managedFields"] = mf.DeepClone();
            else meta.Remove("managedFields");
        }
        if (meta.Str("deletionTimestamp") is not null && next.Finalizers().Except(existing.Finalizers()).Any())
            throw ApiError.Forbidden(kind, next.Name(), "no new finalizers can be added if the object is being deleted");

        // The status subresource skips admission: none of the simulated plugins looks at status.
        if (!statusOnly)
        {
            Defaults.Apply(kind, next);
            var admission = new AdmissionAttributes(AdmissionOperation.Update, kind, next, options.Warnings);
            _admission.Admit(admission);
            if (kind == ResourceCatalog.Services) KeepClusterIp(existing, next);
            Validation.Validate(kind, next);
            Validation.ValidateUpdate(kind, existing, next);
            _admission.Validate(admission);
        }
        if (kind.TracksGeneration && !statusOnly && SpecChanged(existing, next))
            meta["generation"] = (existing.Int("metadata", "generation") ?? 0) + 1;
        if (!statusOnly && !keepManagedFields && options.FieldManager is { Length: > 0 } manager)
            ServerSideApply.RecordUpdate(kind, existing, next, manager);

        if (JsonNode.DeepEquals(existing, next)) return existing;
        if (options.DryRun) return next;

        if (next.IsDeleting() && next.Finalizers().Count == 0 && kind != ResourceCatalog.Namespaces)
            return store.Remove(kind, Freeze(next));
        return store.Put(kind, Freeze(next), WatchEventType.Modified);
    }

    static bool SpecChanged(JsonObject a, JsonObject b)
    {
        foreach (var (key, value) in b)
            if (key is not ("metadata" or "status") && !JsonNode.DeepEquals(a[key], value)) return true;
        foreach (var (key, _) in a)
            if (key is not ("metadata" or "status") && !b.ContainsKey(key)) return true;
        return false;
    }

    public (JsonObject Object, bool Created) Patch(ResourceKind kind, string? ns, string name, PatchKind patchKind, JsonNode patch, bool statusOnly, WriteOptions options)
    {
        lock (store.Gate)
        {
            RequireNamespaceArg(kind, ns);
            var existing = store.Get(kind, ns, name);
            if (patchKind == PatchKind.Apply)
            {
                if (patch is not JsonObject applied) throw ApiError.BadRequest("the apply configuration must be an object");
                if (string.IsNullOrEmpty(options.FieldManager))
                    throw new ApiError(422, "Invalid", "PatchOptions.meta.k8s.io \"\" is invalid: fieldManager: Required value: is required for apply patch");
                if (applied.Name() != name)
                    throw ApiError.BadRequest($"the name of the object ({applied.Name()}) does not match the name on the URL ({name})");
                CheckTypeMeta(kind, applied, required: true);
                var clean = ServerSideApply.Sanitize(applied, dropStatus: kind.HasStatus && !statusOnly);
                SetNamespace(kind, ns, clean);
                if (existing is null)
                {
                    if (statusOnly) throw ApiError.NotFound(kind, name);
                    var created = ServerSideApply.Apply(kind, new JsonObject(), clean, options.FieldManager, force: true);
                    return (CreateLocked(kind, ns, created, options with { FieldManager = null }, created.Node("metadata", "managedFields")?.DeepClone()), true);
                }
                if (applied.Str("metadata", "resourceVersion") is { Length: > 0 } rv && rv != existing.Str("metadata", "resourceVersion"))
                    throw ApiError.StaleResourceVersion(kind, name);
                var merged = ServerSideApply.Apply(kind, existing, clean, options.FieldManager, options.Force);
                return (UpdateLocked(kind, existing, merged, statusOnly, options, keepManagedFields: true), false);
            }

            if (existing is null) throw ApiError.NotFound(kind, name);
            JsonObject next = patchKind switch
            {
                PatchKind.Json => Patches.JsonPatch(existing, patch as JsonArray ?? throw ApiError.BadRequest("a JSON patch must be an array")),
                PatchKind.Merge => Patches.MergePatch(existing, patch) as JsonObject ?? throw ApiError.BadRequest("a merge patch must be an object"),
                _ => Patches.StrategicMerge(existing, patch) as JsonObject ?? throw ApiError.BadRequest("a strategic merge patch must be an object"),
            };
            if (next.Name() != name) throw ApiError.BadRequest($"the name of the object ({next.Name()}) does not match the name on the URL ({name})");
            if (next.Str("metadata", "resourceVersion") != existing.Str("metadata", "resourceVersion"))
                throw ApiError.StaleResourceVersion(kind, name);
            if (next.Str("metadata", "uid") != existing.Str("metadata", "uid"))
                throw ApiError.Conflict(kind, name, $"Precondition failed: UID in precondition: {next.Str("metadata", "uid")}, UID in object meta: {existing.Uid()}");
            return (UpdateLocked(kind, existing, next, statusOnly, options), false);
        }
    }

    public sealed record DeleteRequest(string? PropagationPolicy = null, string? PreconditionUid = null, string? PreconditionResourceVersion = null, bool DryRun = false);

    /// <summary>Deletes an object, or marks it for deletion when finalizers (or propagation) must run first.</summary>
    public (JsonObject Object, bool Removed) Delete(ResourceKind kind, string? ns, string name, DeleteRequest request)
    {
        lock (store.Gate) return DeleteLocked(kind, ns, name, request);
    }

    (JsonObject Object, bool Removed) DeleteLocked(ResourceKind kind, string? ns, string name, DeleteRequest request)
    {
        RequireNamespaceArg(kind, ns);
        var existing = store.Get(kind, ns, name) ?? throw ApiError.NotFound(kind, name);
        if (request.PreconditionUid is { Length: > 0 } uid && uid != existing.Uid())
            throw ApiError.Conflict(kind, name, $"Precondition failed: UID in precondition: {uid}, UID in object meta: {existing.Uid()}");
        if (request.PreconditionResourceVersion is { Length: > 0 } rv && rv != existing.Str("metadata", "resourceVersion"))
            throw ApiError.Conflict(kind, name, $"Precondition failed: ResourceVersion in precondition: {rv}, ResourceVersion in object meta: {existing.Str("metadata", "resourceVersion")}");

        var next = existing.Clone();
        var meta = next.Metadata();
        var finalizers = next.Finalizers();
        var policy = request.PropagationPolicy;
        if (policy is not (null or "" or "Background" or "Foreground" or "Orphan"))
            throw new ApiError(422, "Invalid", $"DeleteOptions.meta.k8s.io \"\" is invalid: propagationPolicy: Unsupported value: \"{policy}\": supported values: \"Foreground\", \"Background\", \"Orphan\", \"nil\"");
        if (policy == "Foreground" && !finalizers.Contains("foregroundDeletion")) finalizers.Add("foregroundDeletion");
        if (policy == "Orphan" && !finalizers.Contains("orphan")) finalizers.Add("orphan");

        if (kind == ResourceCatalog.Namespaces)
        {
            if (existing.IsDeleting()) return (existing, false);
            meta["deletionTimestamp"] = Json.Now();
            meta["deletionGracePeriodSeconds"] = 0;
            next.Obj("status")["phase"] = "Terminating";
            if (request.DryRun) return (next, false);
            return (store.Put(kind, Freeze(next), WatchEventType.Modified), false);
        }

        if (finalizers.Count > 0)
        {
            if (existing.IsDeleting() && finalizers.SequenceEqual(existing.Finalizers())) return (existing, false);
            meta.TryAdd("deletionTimestamp", Json.Now());
            meta.TryAdd("deletionGracePeriodSeconds", 0);
            meta["finalizers"] = new JsonArray([.. finalizers.Select(f => (JsonNode)f)]);
            if (kind.TracksGeneration && !existing.IsDeleting()) meta["generation"] = (existing.Int("metadata", "generation") ?? 0) + 1;
            if (request.DryRun) return (next, false);
            return (store.Put(kind, Freeze(next), WatchEventType.Modified), false);
        }
        if (request.DryRun) return (next, true);
        return (store.Remove(kind, Freeze(next)), true);
    }

    /// <summary>Deletes whatever matches, ignoring objects that vanish meanwhile; used by deletecollection and controllers.</summary>
    public int DeleteCollection(ResourceKind kind, string? ns, LabelSelector labels, FieldSelector fields, DeleteRequest request)
    {
        lock (store.Gate)
        {
            var victims = store.List(kind, ns).Where(o => labels.Matches(o.Labels()) && fields.Matches(o)).ToList();
            foreach (var victim in victims) DeleteLocked(kind, victim.Namespace(), victim.Name(), request);
            return victims.Count;
        }
    }

    /// <summary>Runs <paramref name="action"/> atomically against the store (for controllers that read then write).</summary>
    public T Atomically<T>(Func<T> action)
    {
        lock (store.Gate) return action();
    }

    /// <summary>Finalises a terminating namespace: removes it once the namespace controller has emptied it.</summary>
    public void RemoveNamespace(string name)
    {
        lock (store.Gate)
        {
            if (store.Get(ResourceCatalog.Namespaces, null, name) is not { } ns || !ns.IsDeleting()) return;
            var final = ns.Clone();
            final.Obj("spec")["finalizers"] = new JsonArray();
            if (final.Finalizers().Count > 0)
            {
                store.Put(ResourceCatalog.Namespaces, Freeze(final), WatchEventType.Modified);
                return;
            }
            store.Remove(ResourceCatalog.Namespaces, Freeze(final));
        }
    }

    static void RequireNamespaceArg(ResourceKind kind, string? ns)
    {
        if (kind.Namespaced && string.IsNullOrEmpty(ns))
            throw ApiError.BadRequest("the server could not find the requested resource: a namespace is required for " + kind.Plural);
    }

    static void CheckTypeMeta(ResourceKind kind, JsonObject obj, bool required = false)
    {
        var apiVersion = obj.Str("apiVersion");
        var k = obj.Str("kind");
        if (required && (string.IsNullOrEmpty(apiVersion) || string.IsNullOrEmpty(k)))
            throw ApiError.BadRequest("Object 'Kind' is missing in '" + obj.ToJsonString() + "'");
        if (!string.IsNullOrEmpty(apiVersion) && apiVersion != kind.GroupVersion)
            throw ApiError.BadRequest($"the API version in the data ({apiVersion}) does not match the expected API version ({kind.GroupVersion})");
        if (!string.IsNullOrEmpty(k) && k != kind.Kind)
            throw ApiError.BadRequest($"the kind in the data ({k}) does not match the expected kind ({kind.Kind})");
        // Keep apiVersion and kind first, as the real server serialises them.
        var rest = obj.Select(p => (p.Key, p.Value)).Where(p => p.Key is not ("apiVersion" or "kind")).ToList();
        obj.Clear();
        obj["kind"] = kind.Kind;
        obj["apiVersion"] = kind.GroupVersion;
        foreach (var (key, value) in rest) obj[key] = value?.DeepClone();
    }

    static void SetNamespace(ResourceKind kind, string? ns, JsonObject obj)
    {
        var meta = obj.Metadata();
        if (!kind.Namespaced)
        {
            meta.Remove("namespace");
            return;
        }
        var bodyNs = obj.Namespace();
        if (!string.IsNullOrEmpty(bodyNs) && bodyNs != ns)
            throw ApiError.BadRequest("the namespace of the provided object does not match the namespace sent on the request");
        meta["namespace"] = ns;
    }

    string GenerateName(ResourceKind kind, string? ns, string prefix)
    {
        if (prefix.Length > 58) prefix = prefix[..58];
        for (var attempt = 0; attempt < 16; attempt++)
        {
            var suffix = string.Create(5, 0, (span, _) =>
            {
                for (var i = 0; i < span.Length; i++) span[i] = GenerateNameAlphabet[RandomNumberGenerator.GetInt32(GenerateNameAlphabet.Length)];
            });
            if (store.Get(kind, ns, prefix + suffix) is null) return prefix + suffix;
        }
        throw ApiError.AlreadyExists(kind, prefix);
    }

    void AllocateClusterIp(JsonObject svc)
    {
        var spec = svc.Obj("spec");
        if (spec.Str("type") == "ExternalName") return;
        if (spec.Str("clusterIP") is not { Length: > 0 })
        {
            var n = ++_nextClusterIp;
            spec["clusterIP"] = $"10.96.{n / 250 % 250}.{n % 250 + 1}";
        }
        spec["clusterIPs"] = new JsonArray(spec.Str("clusterIP"));
    }

    /// <summary>An update that omits clusterIP keeps the allocated one, as the real service REST does.</summary>
    static void KeepClusterIp(JsonObject existing, JsonObject next)
    {
        var spec = next.Obj("spec");
        if (spec.Str("clusterIP") is not { Length: > 0 } && existing.Str("spec", "clusterIP") is { } ip)
        {
            spec["clusterIP"] = ip;
            spec["clusterIPs"] = existing.Node("spec", "clusterIPs")?.DeepClone();
        }
    }

    /// <summary>Makes a private, fully materialised copy, so readers on other threads never race on lazy JSON nodes.</summary>
    static JsonObject Freeze(JsonObject obj) => obj.Clone();

    /// <summary>The default StorageClass the sandbox starts with: minikube's <c>standard</c> (its storage-provisioner addon).</summary>
    public const string DefaultStorageClass = "standard";

    /// <summary>The provisioner of <see cref="DefaultStorageClass"/>, as minikube names its hostpath provisioner.</summary>
    public const string DefaultProvisioner = "k8s.io/minikube-hostpath";

    /// <summary>Seeds the namespaces, service accounts and the default StorageClass every cluster starts with.</summary>
    public void Seed()
    {
        foreach (var name in new[] { "default", "kube-system", "kube-public", "kube-node-lease" })
            if (TryGet(ResourceCatalog.Namespaces, null, name) is null)
                Create(ResourceCatalog.Namespaces, null, new JsonObject { ["metadata"] = new JsonObject { ["name"] = name } }, new WriteOptions());
        // Only into a cluster without classes: a state file with classes of its own keeps them as they are.
        if (!Atomically(() => store.List(ResourceCatalog.StorageClasses, null).Any()))
            Create(ResourceCatalog.StorageClasses, null, new JsonObject
            {
                ["metadata"] = new JsonObject
                {
                    ["name"] = DefaultStorageClass,
                    ["annotations"] = new JsonObject { [StorageAdmission.DefaultClassAnnotation] = "true" },
                    ["labels"] = new JsonObject { ["addonmanager.kubernetes.io/mode"] = "EnsureExists" },
                },
                ["provisioner"] = DefaultProvisioner,
                ["reclaimPolicy"] = "Delete",
                ["volumeBindingMode"] = "Immediate",
            }, new WriteOptions());
    }
}
