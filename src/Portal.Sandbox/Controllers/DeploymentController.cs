namespace Portal.Sandbox.Controllers;

/// <summary>
/// The deployment controller: one ReplicaSet per pod template (named NAME-HASH, labelled pod-template-hash),
/// scaled to spec.replicas while older ReplicaSets go to zero, and the Deployment's status summed from them.
/// NOTE: a template change rolls over at once instead of honouring maxSurge/maxUnavailable step by step.
/// </summary>
internal sealed class DeploymentController(Registry registry, EventRecorder events) : IReconciler
{
    const string Component = "deployment-controller";

    public IEnumerable<string> KeysFor(StoreEvent e)
    {
        if (e.Kind == ResourceCatalog.Deployments) yield return ControllerKeys.For(e.Object);
        else if (e.Kind == ResourceCatalog.ReplicaSets && ControllerKeys.ControllerOf(e.Object) is { } owner && owner.Str("kind") == "Deployment")
            yield return $"{e.Object.Namespace()}/{owner.Str("name")}";
    }

    public TimeSpan? Reconcile(string key)
    {
        var (ns, name) = ControllerKeys.Split(key);
        var deployment = registry.TryGet(ResourceCatalog.Deployments, ns, name);
        if (deployment is null || deployment.IsDeleting()) return null;

        var replicas = deployment.Int("spec", "replicas") ?? 1;
        var template = deployment.Node("spec", "template") as JsonObject ?? [];
        var hash = ControllerKeys.TemplateHash(template);
        var owned = registry.List(ResourceCatalog.ReplicaSets, ns, LabelSelector.Everything, FieldSelector.Everything).Items
            .Where(rs => ControllerKeys.ControllerOf(rs)?.Str("uid") == deployment.Uid())
            .ToList();
        var current = owned.FirstOrDefault(rs => rs.Labels().GetValueOrDefault("pod-template-hash") == hash);

        if (current is null)
        {
            var revision = owned.Select(rs => long.TryParse(rs.Str("metadata", "annotations", "deployment.kubernetes.io/revision"), out var r) ? r : 0).DefaultIfEmpty(0).Max() + 1;
            current = CreateReplicaSet(deployment, template, hash, replicas, revision);
            if (current is null) return TimeSpan.FromSeconds(1);
            events.Normal(ResourceCatalog.Deployments, deployment, "ScalingReplicaSet", $"Scaled up replica set {current.Name()} from 0 to {replicas}", Component);
        }
        else if ((current.Int("spec", "replicas") ?? 0) != replicas)
        {
            var from = current.Int("spec", "replicas") ?? 0;
            current = ScaleReplicaSet(current, replicas);
            events.Normal(ResourceCatalog.Deployments, deployment, "ScalingReplicaSet",
                $"Scaled {(replicas > from ? "up" : "down")} replica set {current.Name()} from {from} to {replicas}", Component);
        }
        foreach (var old in owned.Where(rs => rs.Name() != current.Name() && (rs.Int("spec", "replicas") ?? 0) > 0))
        {
            var from = old.Int("spec", "replicas") ?? 0;
            ScaleReplicaSet(old, 0);
            events.Normal(ResourceCatalog.Deployments, deployment, "ScalingReplicaSet", $"Scaled down replica set {old.Name()} from {from} to 0", Component);
        }

        UpdateStatus(deployment, owned.Where(rs => rs.Name() != current.Name()).Append(current).ToList(), current, replicas);
        return null;
    }

    JsonObject? CreateReplicaSet(JsonObject deployment, JsonObject template, string hash, long replicas, long revision)
    {
        var podTemplate = template.Clone();
        podTemplate.Metadata().Obj("labels")["pod-template-hash"] = hash;
        var selector = (deployment.Node("spec", "selector") as JsonObject ?? []).Clone();
        selector.Obj("matchLabels")["pod-template-hash"] = hash;
        var labels = (template.Node("metadata", "labels") as JsonObject ?? []).Clone();
        labels["pod-template-hash"] = hash;
        var rs = new JsonObject
        {
            ["metadata"] = new JsonObject
            {
                ["name"] = $"{deployment.Name()}-{hash}",
                ["labels"] = labels,
                ["annotations"] = new JsonObject
                {
                    ["deployment.kubernetes.io/desired-replicas"] = replicas.ToString(CultureInfo.InvariantCulture),
                    ["deployment.kubernetes.io/max-replicas"] = replicas.ToString(CultureInfo.InvariantCulture),
                    ["deployment.kubernetes.io/revision"] = revision.ToString(CultureInfo.InvariantCulture),
                },
                ["ownerReferences"] = new JsonArray(ControllerKeys.OwnerReference(ResourceCatalog.Deployments, deployment)),
            },
            ["spec"] = new JsonObject
            {
                ["replicas"] = replicas,
                ["minReadySeconds"] = deployment.Int("spec", "minReadySeconds") ?? 0,
                ["selector"] = selector,
                ["template"] = podTemplate,
            },
        };
        try
        {
            return registry.Create(ResourceCatalog.ReplicaSets, deployment.Namespace(), rs, new WriteOptions());
        }
        catch (ApiError e) when (e.Code is 409 or 403)
        {
            // A leftover ReplicaSet with this name (409) or a full quota on replicasets (403): retry later.
            return null;
        }
    }

    JsonObject ScaleReplicaSet(JsonObject rs, long replicas)
    {
        var next = rs.Clone();
        next.Obj("spec")["replicas"] = replicas;
        var annotations = next.Metadata().Obj("annotations");
        annotations["deployment.kubernetes.io/desired-replicas"] = replicas.ToString(CultureInfo.InvariantCulture);
        return registry.Update(ResourceCatalog.ReplicaSets, rs.Namespace(), rs.Name(), next, statusOnly: false, new WriteOptions());
    }

    void UpdateStatus(JsonObject deployment, List<JsonObject> replicaSets, JsonObject current, long desired)
    {
        long Sum(string field) => replicaSets.Sum(rs => rs.Int("status", field) ?? 0);
        var available = Sum("availableReplicas");
        var updated = current.Int("status", "replicas") ?? 0;
        var previous = deployment.Node("status", "conditions") as JsonArray;
        var status = new JsonObject
        {
            ["observedGeneration"] = deployment.Int("metadata", "generation") ?? 1,
        };
        if (Sum("replicas") is > 0 and var total) status["replicas"] = total;
        if (updated > 0) status["updatedReplicas"] = updated;
        if (Sum("readyReplicas") is > 0 and var ready) status["readyReplicas"] = ready;
        if (available > 0) status["availableReplicas"] = available;
        if (desired - available > 0) status["unavailableReplicas"] = desired - available;

        Conditions.Set(status, previous, "Available", available >= desired,
            available >= desired ? "MinimumReplicasAvailable" : "MinimumReplicasUnavailable",
            available >= desired ? "Deployment has minimum availability." : "Deployment does not have minimum availability.", withUpdateTime: true);
        var done = updated == desired && available >= desired && (current.Int("status", "replicas") ?? 0) == desired;
        Conditions.Set(status, previous, "Progressing", true,
            done ? "NewReplicaSetAvailable" : "ReplicaSetUpdated",
            done ? $"ReplicaSet \"{current.Name()}\" has successfully progressed." : $"ReplicaSet \"{current.Name()}\" is progressing.", withUpdateTime: true);
        if (current.Objects("status", "conditions").FirstOrDefault(c => c.Str("type") == "ReplicaFailure" && c.Str("status") == "True") is { } failure)
            Conditions.Set(status, previous, "ReplicaFailure", true, failure.Str("reason"), failure.Str("message"), withUpdateTime: true);

        var next = deployment.Clone();
        next["status"] = status;
        registry.Update(ResourceCatalog.Deployments, deployment.Namespace(), deployment.Name(), next, statusOnly: true, new WriteOptions());
    }
}
