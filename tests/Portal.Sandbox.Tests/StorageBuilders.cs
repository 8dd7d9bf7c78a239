using k8s.Models;

namespace Portal.Sandbox.Tests;

/// <summary>Claims, classes and pods with volumes, shaped as the portal applies them.</summary>
internal static class StorageBuilders
{
    public static ClaimBuilder AClaim(string name) => new(name);

    public static V1StorageClass AStorageClass(string name, string bindingMode = "Immediate") => new()
    {
        Metadata = new V1ObjectMeta { Name = name },
        Provisioner = "example.com/fast",
        ReclaimPolicy = "Delete",
        VolumeBindingMode = bindingMode,
    };

    public static V1Secret ASecret(string name, string key = "token", string value = "s3cr3t") => new()
    {
        Metadata = new V1ObjectMeta { Name = name },
        StringData = new Dictionary<string, string> { [key] = value },
    };

    /// <summary>A pod whose one container mounts the given volumes at <c>/mnt/&lt;volume name&gt;</c>.</summary>
    public static V1Pod APodWithVolumes(string name, params V1Volume[] volumes) => new()
    {
        Metadata = new V1ObjectMeta { Name = name, Labels = new Dictionary<string, string> { ["app"] = name } },
        Spec = new V1PodSpec
        {
            SecurityContext = new V1PodSecurityContext { RunAsNonRoot = true, SeccompProfile = new V1SeccompProfile { Type = "RuntimeDefault" } },
            Containers =
            [
                new V1Container
                {
                    Name = "app",
                    Image = "nginx:1.27",
                    SecurityContext = Builders.RestrictedSecurityContext(),
                    VolumeMounts = [.. volumes.Select(v => new V1VolumeMount { Name = v.Name, MountPath = $"/mnt/{v.Name}" })],
                },
            ],
            Volumes = volumes,
        },
    };

    public static V1Volume ClaimVolume(string name, string claim, bool readOnly = false) =>
        new() { Name = name, PersistentVolumeClaim = new V1PersistentVolumeClaimVolumeSource { ClaimName = claim, ReadOnlyProperty = readOnly ? true : null } };
}

internal sealed class ClaimBuilder(string name)
{
    string? _class;
    string _size = "1Gi";
    string _mode = "ReadWriteOnce";

    public ClaimBuilder OfClass(string storageClass)
    {
        _class = storageClass;
        return this;
    }

    public ClaimBuilder Requesting(string size)
    {
        _size = size;
        return this;
    }

    public ClaimBuilder WithAccessMode(string mode)
    {
        _mode = mode;
        return this;
    }

    public V1PersistentVolumeClaim Build() => new()
    {
        ApiVersion = "v1",
        Kind = "PersistentVolumeClaim",
        Metadata = new V1ObjectMeta { Name = name },
        Spec = new V1PersistentVolumeClaimSpec
        {
            StorageClassName = _class,
            AccessModes = [_mode],
            Resources = new V1VolumeResourceRequirements { Requests = new Dictionary<string, ResourceQuantity> { ["storage"] = new(_size) } },
        },
    };
}
