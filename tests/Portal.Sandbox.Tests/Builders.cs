using k8s.Models;

namespace Portal.Sandbox.Tests;

/// <summary>Test data builders for the objects the tests create.</summary>
internal static class Builders
{
    public static PodBuilder APod(string name) => new(name);

    public static DeploymentBuilder ADeployment(string name) => new(name);

    public static V1ConfigMap AConfigMap(string name, IDictionary<string, string>? labels = null) => new()
    {
        Metadata = new V1ObjectMeta { Name = name, Labels = labels },
        Data = new Dictionary<string, string> { ["key"] = "value" },
    };

    public static V1ResourceQuota AQuota(string name, IDictionary<string, string> hard) => new()
    {
        Metadata = new V1ObjectMeta { Name = name },
        Spec = new V1ResourceQuotaSpec { Hard = hard.ToDictionary(h => h.Key, h => new ResourceQuantity(h.Value)) },
    };

    /// <summary>A container security context that satisfies the restricted Pod Security level.</summary>
    public static V1SecurityContext RestrictedSecurityContext() => new()
    {
        AllowPrivilegeEscalation = false,
        RunAsNonRoot = true,
        Capabilities = new V1Capabilities { Drop = ["ALL"] },
        SeccompProfile = new V1SeccompProfile { Type = "RuntimeDefault" },
    };
}

internal sealed class PodBuilder(string name)
{
    readonly V1Container _container = new() { Name = "app", Image = "nginx:1.27" };
    readonly Dictionary<string, string> _labels = new() { ["app"] = name };
    bool _hostNetwork;

    public PodBuilder WithImage(string image)
    {
        _container.Image = image;
        return this;
    }

    public PodBuilder WithRequests(string cpu, string memory)
    {
        _container.Resources ??= new V1ResourceRequirements();
        _container.Resources.Requests = new Dictionary<string, ResourceQuantity> { ["cpu"] = new(cpu), ["memory"] = new(memory) };
        return this;
    }

    public PodBuilder WithLimits(string cpu, string memory)
    {
        _container.Resources ??= new V1ResourceRequirements();
        _container.Resources.Limits = new Dictionary<string, ResourceQuantity> { ["cpu"] = new(cpu), ["memory"] = new(memory) };
        return this;
    }

    public PodBuilder WithSecurityContext(V1SecurityContext context)
    {
        _container.SecurityContext = context;
        return this;
    }

    public PodBuilder Privileged()
    {
        _container.SecurityContext = new V1SecurityContext { Privileged = true };
        return this;
    }

    public PodBuilder OnHostNetwork()
    {
        _hostNetwork = true;
        return this;
    }

    public PodBuilder Labelled(string key, string value)
    {
        _labels[key] = value;
        return this;
    }

    public V1PodTemplateSpec BuildTemplate() => new()
    {
        Metadata = new V1ObjectMeta { Labels = _labels },
        Spec = new V1PodSpec { Containers = [_container], HostNetwork = _hostNetwork ? true : null },
    };

    public V1Pod Build()
    {
        var template = BuildTemplate();
        return new V1Pod { Metadata = new V1ObjectMeta { Name = name, Labels = template.Metadata.Labels }, Spec = template.Spec };
    }
}

internal sealed class DeploymentBuilder(string name)
{
    int _replicas = 1;
    PodBuilder _pod = new(name);

    public DeploymentBuilder WithReplicas(int replicas)
    {
        _replicas = replicas;
        return this;
    }

    public DeploymentBuilder WithPod(Func<PodBuilder, PodBuilder> configure)
    {
        _pod = configure(new PodBuilder(name));
        return this;
    }

    public V1Deployment Build() => new()
    {
        ApiVersion = "apps/v1",
        Kind = "Deployment",
        Metadata = new V1ObjectMeta { Name = name },
        Spec = new V1DeploymentSpec
        {
            Replicas = _replicas,
            Selector = new V1LabelSelector { MatchLabels = new Dictionary<string, string> { ["app"] = name } },
            Template = _pod.BuildTemplate(),
        },
    };

    public V1StatefulSet BuildStatefulSet() => new()
    {
        ApiVersion = "apps/v1",
        Kind = "StatefulSet",
        Metadata = new V1ObjectMeta { Name = name },
        Spec = new V1StatefulSetSpec
        {
            Replicas = _replicas,
            ServiceName = name,
            Selector = new V1LabelSelector { MatchLabels = new Dictionary<string, string> { ["app"] = name } },
            Template = _pod.BuildTemplate(),
        },
    };
}
