namespace Portal.Core.Clusters;

/// <summary>
/// The clusters just written (created, scaled, extended, asked to be deleted), for the provisioning leader in this
/// process. Writers are <see cref="ClusterService"/> and the lifetime extension.
/// </summary>
public sealed class ClusterWrites : WriteSignal;
