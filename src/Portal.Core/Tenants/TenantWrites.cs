namespace Portal.Core.Tenants;

/// <summary>
/// The tenants just written (created, or their quota or policy changed), for the provisioning leader in this
/// process: a new namespace or a changed ResourceQuota is applied at once. The writer is <see cref="TenantService"/>.
/// </summary>
public sealed class TenantWrites : WriteSignal;
