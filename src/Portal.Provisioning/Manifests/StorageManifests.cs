using System.Net.Sockets;

namespace Portal.Provisioning.Manifests;

/// <summary>An object store with its secret key in clear and the addresses its endpoint resolved to, for one pass.</summary>
/// <param name="Store">The store.</param>
/// <param name="SecretKey">Its secret key, unprotected for the Secret only.</param>
/// <param name="Addresses">The endpoint host's addresses now; empty when it didn't resolve.</param>
public sealed record ObjectStoreKey(ObjectStore Store, string SecretKey, IReadOnlyList<IPAddress> Addresses);

/// <summary>
/// A tenant's storage in its namespace, as pure functions of its rows: one PersistentVolumeClaim per volume, one
/// Secret per object store, and the egress that lets Spark pods reach the stores' endpoints. Claims and Secrets carry
/// tenant labels only, never a cluster's: deleting a cluster never touches them.
/// </summary>
public static class StorageManifests
{
    /// <summary>Environment variable (and Secret key) of the access key id; the AWS SDK's EnvironmentVariableCredentialsProvider reads it.</summary>
    public const string AccessKeyIdVariable = "AWS_ACCESS_KEY_ID";

    /// <summary>Environment variable (and Secret key) of the secret key.</summary>
    public const string SecretKeyVariable = "AWS_SECRET_ACCESS_KEY";

    /// <summary>Name of the NetworkPolicy that opens egress to the tenant's object-store endpoints.</summary>
    public const string EgressPolicyName = "allow-object-store-egress";

    /// <summary>The Secret that holds <paramref name="store"/>'s key.</summary>
    public static string SecretName(string store) => $"objectstore-{store}";

    /// <summary>Every storage object of the tenant, in apply order.</summary>
    public static IReadOnlyList<IKubernetesObject<V1ObjectMeta>> For(Tenant tenant, IReadOnlyList<TenantVolume> volumes, IReadOnlyList<ObjectStoreKey> stores)
    {
        ArgumentNullException.ThrowIfNull(tenant);
        ArgumentNullException.ThrowIfNull(volumes);
        ArgumentNullException.ThrowIfNull(stores);
        List<IKubernetesObject<V1ObjectMeta>> objects = [.. volumes.Select(v => Claim(tenant, v)), .. stores.Select(s => Secret(tenant, s))];
        if (EgressPolicy(tenant, stores) is { } egress)
            objects.Add(egress);
        return objects;
    }

    /// <summary>The claim of <paramref name="volume"/>: named like it, in the tenant's namespace.</summary>
    public static V1PersistentVolumeClaim Claim(Tenant tenant, TenantVolume volume)
    {
        ArgumentNullException.ThrowIfNull(tenant);
        ArgumentNullException.ThrowIfNull(volume);
        var labels = Labels.ForTenant(tenant.Id, "volume");
        return new V1PersistentVolumeClaim
        {
            ApiVersion = "v1",
            Kind = "PersistentVolumeClaim",
            Metadata = new V1ObjectMeta { Name = volume.Name, NamespaceProperty = tenant.Namespace, Labels = labels },
            Spec = new V1PersistentVolumeClaimSpec
            {
                StorageClassName = volume.StorageClass,
                AccessModes = [volume.AccessMode.ToString()],
                Resources = new V1VolumeResourceRequirements
                {
                    Requests = new Dictionary<string, ResourceQuantity> { ["storage"] = new(volume.Size) },
                },
            },
        };
    }

    /// <summary>The Secret Spark pods read <paramref name="key"/>'s access key id and secret key from.</summary>
    public static V1Secret Secret(Tenant tenant, ObjectStoreKey key)
    {
        ArgumentNullException.ThrowIfNull(tenant);
        ArgumentNullException.ThrowIfNull(key);
        return new V1Secret
        {
            ApiVersion = "v1",
            Kind = "Secret",
            Type = "Opaque",
            Metadata = new V1ObjectMeta
            {
                Name = SecretName(key.Store.Name),
                NamespaceProperty = tenant.Namespace,
                Labels = Labels.ForTenant(tenant.Id, "object-store"),
            },
            Data = new Dictionary<string, byte[]>
            {
                [AccessKeyIdVariable] = Encoding.UTF8.GetBytes(key.Store.AccessKeyId),
                [SecretKeyVariable] = Encoding.UTF8.GetBytes(key.SecretKey),
            },
        };
    }

    /// <summary>
    /// Egress from every Spark pod to the addresses of the stores' endpoints, on their ports; null when no endpoint
    /// resolved. A NetworkPolicy names addresses, not host names, so a store whose host moves is reachable again
    /// after the next pass resolves it.
    /// </summary>
    public static V1NetworkPolicy? EgressPolicy(Tenant tenant, IReadOnlyList<ObjectStoreKey> stores)
    {
        ArgumentNullException.ThrowIfNull(tenant);
        ArgumentNullException.ThrowIfNull(stores);
        var rules = stores
            .Where(s => s.Addresses.Count > 0)
            .GroupBy(s => new Uri(s.Store.Endpoint).Port)
            .OrderBy(g => g.Key)
            .Select(g => new V1NetworkPolicyEgressRule
            {
                To = [.. g.SelectMany(s => s.Addresses).Distinct().Order(AddressOrder.Instance)
                    .Select(a => new V1NetworkPolicyPeer { IpBlock = new V1IPBlock { Cidr = $"{a}/{(a.AddressFamily == AddressFamily.InterNetworkV6 ? 128 : 32)}" } })],
                Ports = [new V1NetworkPolicyPort { Port = g.Key, Protocol = "TCP" }],
            })
            .ToList();
        if (rules.Count == 0)
            return null;
        return new V1NetworkPolicy
        {
            ApiVersion = "networking.k8s.io/v1",
            Kind = "NetworkPolicy",
            Metadata = new V1ObjectMeta { Name = EgressPolicyName, NamespaceProperty = tenant.Namespace, Labels = Labels.ForTenant(tenant.Id, "network-policy") },
            Spec = new V1NetworkPolicySpec { PodSelector = new V1LabelSelector(), PolicyTypes = ["Egress"], Egress = rules },
        };
    }

    /// <summary>Addresses in a stable order, so the same stores give the same policy bytes.</summary>
    sealed class AddressOrder : IComparer<IPAddress>
    {
        public static readonly AddressOrder Instance = new();

        public int Compare(IPAddress? x, IPAddress? y) =>
            string.CompareOrdinal(x?.ToString(), y?.ToString());
    }
}
